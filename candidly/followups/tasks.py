"""The recruiter's to-do list (``followups.models.Task``): the one place tasks are created, closed and done.

Every task is created by :func:`create_task`, whoever needs it (a cancellation, a withdrawal, the worker's
call step, the silence check, a candidate's "I'm interested"): it picks the assignee by one rule
(``Submission.responsible_recruiter``) and writes one ``task.created`` Event. Call these inside the caller's
transaction; only :func:`complete_task` opens its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event, record_events

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
    submission, candidate = _about(interview, submission, candidate)
    assignee = _assignee(submission, candidate) or fallback_assignee
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
    record_event(**_created_event(task, actor=actor, actor_type=actor_type))
    return task


def _about(
    interview: Interview | None, submission: Submission | None, candidate: Candidate | None
) -> tuple[Submission | None, Candidate | None]:
    # The most specific thing given: an interview implies its submission, a submission its candidate.
    if interview is not None and submission is None:
        submission = interview.submission
    if submission is not None and candidate is None:
        candidate = submission.candidate
    return submission, candidate


def _assignee(submission: Submission | None, candidate: Candidate | None) -> User | None:
    if submission is not None:
        return submission.responsible_recruiter
    return candidate.recruiter if candidate is not None else None


def _created_event(task: Task, *, actor: User | None, actor_type: str | None) -> dict[str, Any]:
    """The ``task.created`` Event's fields, for record_event or record_events."""
    return {
        "kind": EventKind.TASK_CREATED,
        "summary": f"{'Urgent task' if task.urgent else 'Task'} for {task.assigned_to or 'the team'}: "
        + task.title,
        "actor": actor,
        "actor_type": actor_type if actor is not None or actor_type else Event.Actor.SYSTEM,
        "candidate": task.candidate,
        "contact": task.contact,
        "submission": task.submission,
        "interview": task.interview,
        "data": {
            "task": task.pk,
            "task_kind": task.kind,
            "urgent": task.urgent,
            **({"touchpoint": task.touchpoint.pk} if task.touchpoint is not None else {}),
        },
    }


@dataclass(frozen=True)
class NewTask:
    """One task for :func:`create_tasks_bulk`: the arguments :func:`create_task` takes about one task."""

    kind: str
    title: str
    due_at: datetime
    details: str = ""
    urgent: bool = False
    interview: Interview | None = None
    submission: Submission | None = None
    candidate: Candidate | None = None
    contact: Contact | None = None


def create_tasks_bulk(
    new: Sequence[NewTask], *, actor: User | None = None, actor_type: str | None = None
) -> list[Task]:
    """:func:`create_task` for many tasks at once (the worker's batched checks): the same assignee rule, one
    ``task.created`` Event each, in one INSERT for the tasks and one for the Events. Returns the tasks made.

    An "Update" task is never made for a submission that has one open (as ``replace_open_update=False``):
    those are left out, also when another process creates one meanwhile (the partial unique index says so;
    the batch then falls back to :func:`create_task` one by one). Call inside a transaction or not: the
    writes are atomic either way. Pass rows whose submission, candidate and recruiters are selected
    already, or each costs queries.
    """
    updates = [
        task.submission.pk for task in new if task.kind == Task.Kind.UPDATE_CANDIDATE and task.submission
    ]
    with transaction.atomic():
        taken = set(
            Task.objects.filter(
                submission__in=updates, kind=Task.Kind.UPDATE_CANDIDATE, status=Task.Status.OPEN
            ).values_list("submission", flat=True)
            if updates
            else []
        )
        rows = []
        for spec in new:
            submission, candidate = _about(spec.interview, spec.submission, spec.candidate)
            if spec.kind == Task.Kind.UPDATE_CANDIDATE and submission is not None:
                if submission.pk in taken:
                    continue
                taken.add(submission.pk)
            rows.append(
                Task(
                    kind=spec.kind,
                    title=spec.title[:TITLE_LENGTH],
                    details=spec.details,
                    urgent=spec.urgent,
                    assigned_to=_assignee(submission, candidate),
                    due_at=spec.due_at,
                    candidate=candidate,
                    contact=spec.contact,
                    submission=submission,
                    interview=spec.interview,
                )
            )
        if not rows:
            return []
        try:
            with transaction.atomic():
                tasks = Task.objects.bulk_create(rows)
        except IntegrityError:
            return _one_by_one(rows, actor=actor, actor_type=actor_type)
        record_events([_created_event(task, actor=actor, actor_type=actor_type) for task in tasks])
    return tasks


def _one_by_one(rows: list[Task], *, actor: User | None, actor_type: str | None) -> list[Task]:
    # Another process made one of these submissions' open Update task a moment ago: create_task decides.
    made = []
    for row in rows:
        try:
            made.append(
                create_task(
                    kind=row.kind,
                    title=row.title,
                    details=row.details,
                    urgent=row.urgent,
                    due_at=row.due_at,
                    actor=actor,
                    actor_type=actor_type,
                    interview=row.interview,
                    submission=row.submission,
                    candidate=row.candidate,
                    contact=row.contact,
                    replace_open_update=False,
                )
            )
        except OpenUpdateExists:
            continue
    return made


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
