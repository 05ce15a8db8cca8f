"""The recruiter's to-do list (``followups.models.Task``): the one place tasks are created, closed and done.

Every task is created by :func:`create_task`, whoever needs it (a cancellation, a withdrawal, the worker's
call step, the silence check, a candidate's "I'm interested"): it picks the assignee by one rule
(``Submission.responsible_recruiter``) and writes one ``task.created`` Event. Call these inside the caller's
transaction; only :func:`complete_task` opens its own.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

TITLE_LENGTH = 300
SUPERSEDED = "Replaced by a newer update task"


class OpenUpdateExists(Exception):
    """The submission already has an open "Update <candidate>" task, and the caller asked to keep it."""


def create_task(
    *,
    kind: str,
    title: str,
    due_at: datetime,
    actor: User | None,
    actor_type: str | None = None,
    details: str = "",
    urgent: bool = False,
    interview: Interview | None = None,
    submission: Submission | None = None,
    candidate: Candidate | None = None,
    contact: Contact | None = None,
    touchpoint: Touchpoint | None = None,
    fallback_assignee: User | None = None,
    replace_open_update: bool = True,
) -> Task:
    """Add a task and its ``task.created`` Event, on the timeline of what it is about; return the task.

    The task is about the most specific thing given: an interview implies its submission, a submission its
    candidate. It is assigned to the submission's responsible recruiter, else the candidate's recruiter,
    else ``fallback_assignee`` (an unassigned task is allowed: the team sees it). ``actor`` (or
    ``actor_type`` without one; Candidly by default) is whoever's action made the task necessary.

    A submission has at most one open "Update <candidate>" task: a new one replaces the open one (closed as
    cancelled, with :data:`SUPERSEDED`), unless ``replace_open_update`` is False: then
    :class:`OpenUpdateExists` is raised and nothing changes (the silence check must not override an
    update being prepared).
    Two processes racing for it leave one open task: the loser returns that one (or raises, when keeping).
    """
    if interview is not None and submission is None:
        submission = interview.submission
    if submission is not None and candidate is None:
        candidate = submission.candidate
    assignee = (
        submission.responsible_recruiter
        if submission is not None
        else (candidate.recruiter if candidate is not None else None)
    ) or fallback_assignee
    if kind == Task.Kind.UPDATE_CANDIDATE and submission is not None:
        open_update = Task.objects.filter(submission=submission, kind=kind, status=Task.Status.OPEN)
        if not replace_open_update and open_update.exists():
            raise OpenUpdateExists(submission.pk)
        open_update.update(status=Task.Status.CANCELLED, done_at=due_at, outcome=SUPERSEDED)
    try:
        with transaction.atomic():
            task = Task.objects.create(
                kind=kind,
                title=title[:TITLE_LENGTH],
                details=details,
                urgent=urgent,
                assigned_to=assignee,
                due_at=due_at,
                candidate=candidate,
                contact=contact,
                submission=submission,
                interview=interview,
                touchpoint=touchpoint,
            )
    except IntegrityError:
        # Another process created this submission's open Update task a moment ago: that one stands.
        if not replace_open_update:
            raise OpenUpdateExists(submission.pk if submission else None) from None
        return Task.objects.get(submission=submission, kind=kind, status=Task.Status.OPEN)
    record_event(
        kind=EventKind.TASK_CREATED,
        summary=f"{'Urgent task' if urgent else 'Task'} for {assignee or 'the team'}: {task.title}",
        actor=actor,
        actor_type=actor_type if actor is not None or actor_type else Event.Actor.SYSTEM,
        candidate=candidate,
        contact=contact,
        submission=submission,
        interview=interview,
        data={
            "task": task.pk,
            "task_kind": kind,
            "urgent": urgent,
            **({"touchpoint": touchpoint.pk} if touchpoint is not None else {}),
        },
    )
    return task


def close_interview_tasks(
    interview: Interview, *, kind: str, now: datetime, done_by: User | None, outcome: str
) -> list[Task]:
    """Mark the interview's open tasks of ``kind`` done (what made them pointless already happened).

    Returns the tasks it closed, possibly none. The caller records the Event that explains why.
    """
    tasks = list(Task.objects.filter(interview=interview, kind=kind, status=Task.Status.OPEN))
    if tasks:
        Task.objects.filter(pk__in=[task.pk for task in tasks], status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=done_by, outcome=outcome[:TITLE_LENGTH]
        )
    return tasks


@transaction.atomic
def complete_task(task: Task, *, actor: User, now: datetime, outcome: str = "") -> bool:
    """Mark an open task done by ``actor``, with an optional one-line ``outcome``; return True.

    Writes a ``task.done`` Event (who, when, what) on the task's candidate / interview / contact timeline.
    A call step the worker handed over as this task (touchpoint *due*) becomes *done* with it. Returns
    False and changes nothing when the task is no longer open (done by a colleague a moment ago, or
    cancelled): a double click writes one Event. Raises nothing else.
    """
    outcome = outcome.strip()[:TITLE_LENGTH]
    changed = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, done_at=now, done_by=actor, outcome=outcome
    )
    if not changed:
        return False
    task.status, task.done_at, task.done_by, task.outcome = Task.Status.DONE, now, actor, outcome
    if task.touchpoint_id is not None:
        Touchpoint.objects.filter(pk=task.touchpoint_id, status=Touchpoint.Status.DUE).update(
            status=Touchpoint.Status.DONE, done_at=now, updated_at=now
        )
    record_event(
        kind=EventKind.TASK_DONE,
        summary=f"Task done: {task.title}" + (f" ({outcome})" if outcome else ""),
        actor=actor,
        candidate=task.candidate,
        contact=task.contact,
        submission=task.submission,
        interview=task.interview,
        data={"task": task.pk, "task_kind": task.kind, "outcome": outcome},
    )
    return True
