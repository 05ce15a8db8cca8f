"""Reads of the touchpoint queue used in more than one place (the worker, pages, bench and chaos scripts)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from candidly.accounts.models import User
from candidly.followups.models import Feedback, Task, Touchpoint, task_attention
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate

# Everything performing a touchpoint reads: the person, their recruiter, the interview, the submission's
# role and company (messages name them; Events and Tasks link them). One query per batch, not several per row.
PERFORM_RELATED: tuple[str, ...] = (
    "candidate__recruiter",
    "contact__company",
    "interview",
    "submission__candidate",
    "submission__recruiter",
    "submission__role__company",
)


def due_touchpoints(now: datetime) -> QuerySet[Touchpoint]:
    """Planned touchpoints due at ``now`` or earlier, oldest first (served by the partial index)."""
    return Touchpoint.objects.filter(status=Touchpoint.Status.PLANNED, due_at__lte=now).order_by("due_at")


def touchpoints_to_perform(ids: list[int]) -> list[Touchpoint]:
    """The claimed rows with everything :data:`PERFORM_RELATED` names, in due order."""
    if not ids:
        return []
    touchpoints = list(
        Touchpoint.objects.select_related(*PERFORM_RELATED).filter(pk__in=ids).order_by("due_at", "id")
    )
    for touchpoint in touchpoints:
        # The interview's submission is a row already loaded: share it rather than join it twice
        # (``touchpoint.interview.submission`` then costs no query).
        submission, interview = touchpoint.submission, touchpoint.interview
        if submission is not None and interview is not None and interview.submission_id == submission.pk:
            interview.submission = submission
    return touchpoints


def expired_leases(now: datetime) -> QuerySet[Touchpoint]:
    """Rows still ``in_progress`` whose lease ran out before ``now``: their worker died or hung."""
    return Touchpoint.objects.filter(status=Touchpoint.Status.IN_PROGRESS, lease_expires_at__lt=now)


def feedback_for(*, interview: Interview | None = None, candidate: Candidate | None = None) -> list[Feedback]:
    """The answers about one interview, or about all of a candidate's interviews (candidate's and managers'),
    newest first, with what the recruiter's pages show loaded (one query)."""
    rows = Feedback.objects.select_related("candidate", "contact", "interview")
    if interview is not None:
        rows = rows.filter(interview=interview)
    elif candidate is not None:
        rows = rows.filter(interview__submission__candidate=candidate)
    else:
        raise ValueError("Give the interview or the candidate.")
    return list(rows.order_by("-updated_at", "-id"))


TASK_LIST_RELATED = ("assigned_to", "candidate", "contact__company", "submission__role__company", "interview")
# The Today page shows this many of the viewer's open tasks.
TODAY_TASKS_SHOWN = 10


def open_tasks_for(viewer: User, *, mine_only: bool = False) -> QuerySet[Task]:
    """Open tasks, the viewer's first, then what needs a person soonest (:func:`task_attention`: urgent,
    then escalations and calls, then routine updates) and by due time; one query with its people.
    A page of the whole list reads :func:`task_list_parts` instead (one bounded query each)."""
    tasks = Task.objects.filter(status=Task.Status.OPEN).select_related(*TASK_LIST_RELATED)
    if mine_only:
        # One person's tasks: the order the (assigned_to, attention, due_at, id) index serves.
        return (
            tasks.filter(assigned_to=viewer)
            .annotate(attention=task_attention())
            .order_by("attention", "due_at", "id")
        )
    mine = Case(When(assigned_to=viewer, then=Value(True)), default=Value(False), output_field=BooleanField())
    return tasks.annotate(is_mine=mine, attention=task_attention()).order_by(
        "-is_mine", "attention", "due_at", "id"
    )


def task_list_parts(viewer: User, *, mine_only: bool = False) -> list[QuerySet[Task]]:
    """The task list as the parts shown one after the other (``lib.paging.window_of_parts``): the viewer's
    open tasks, then (unless ``mine_only``) everyone else's and nobody's, each in :func:`open_tasks_for`'s
    order. Sorting every open task to put the viewer's first read them all; each part is one index range."""
    tasks = (
        Task.objects.filter(status=Task.Status.OPEN)
        .select_related(*TASK_LIST_RELATED)
        .annotate(attention=task_attention())
        .order_by("attention", "due_at", "id")
    )
    mine = tasks.filter(assigned_to=viewer)
    return [mine] if mine_only else [mine, tasks.exclude(assigned_to=viewer)]


def open_tasks_panel(viewer: User) -> dict[str, object]:
    """The viewer's open tasks for Today (what needs a person soonest first, at most ``TODAY_TASKS_SHOWN``)
    and whether there are more: one query, one row more than shown instead of a COUNT."""
    tasks = list(open_tasks_for(viewer, mine_only=True)[: TODAY_TASKS_SHOWN + 1])
    return {"tasks": tasks[:TODAY_TASKS_SHOWN], "more": len(tasks) > TODAY_TASKS_SHOWN}


# Pages show this many planned messages, then "see all" (followups.views.steering.planned_list).
PLANNED_SHOWN = 10


def planned_touchpoints(
    *,
    interview: Interview | None = None,
    submission: Submission | None = None,
    candidate: Candidate | None = None,
    submission_ids: list[int] | None = None,
) -> QuerySet[Touchpoint]:
    """What is still to go about an interview, a submission, or a candidate (to them, or to the company
    about their processes): planned and in-progress rows, soonest first, with the people loaded (one query).
    Slice it: a page shows :data:`PLANNED_SHOWN`. ``submission_ids``: the candidate's processes, when the
    caller has them already."""
    rows = Touchpoint.objects.filter(status__in=(Touchpoint.Status.PLANNED, Touchpoint.Status.IN_PROGRESS))
    if interview is not None:
        rows = rows.filter(interview=interview)
    elif submission is not None:
        rows = rows.filter(submission=submission)
    elif candidate is not None:
        # Their processes' ids (a handful; read here unless the page has them): ``submission__candidate``
        # in the OR would join every planned row to its submission; ids make each side an index scan.
        if submission_ids is None:
            submission_ids = list(Submission.objects.filter(candidate=candidate).values_list("pk", flat=True))
        rows = rows.filter(Q(candidate=candidate) | Q(submission_id__in=submission_ids))
    else:
        raise ValueError("Give the interview, the submission or the candidate.")
    return rows.select_related("candidate", "contact__company", "interview").order_by("due_at", "id")
