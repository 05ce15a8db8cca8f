"""Going quiet, on both sides (PRODUCT.md rules 1 and 5).

- A candidate who has not answered anything when the cadence's last step comes is flagged **gone quiet**
  on that submission (``Submission.gone_quiet_at``), with an Event the reliability record counts and a task
  that alerts the recruiter. A later response clears the flag and says so on the timeline.
- A hiring manager who has not given feedback when the escalation step comes **went quiet** too: an Event
  the company's responsiveness record counts, next to the recruiter's "chase the company" task.

Both are called by the worker inside the transaction that records the step's outcome.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Submission
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event


def flag_gone_quiet(touchpoint: Touchpoint, *, now: datetime) -> bool:
    """Flag the touchpoint's submission gone quiet and write ``submission.gone_quiet``.

    Returns False (and writes nothing) when the submission was already flagged or has ended. Call inside
    the worker's outcome transaction; the recruiter's alert is the Task the worker creates for the step.
    """
    submission = touchpoint.submission
    if submission is None:
        return False
    flagged = Submission.objects.filter(
        pk=submission.pk, gone_quiet_at__isnull=True, stage__in=Submission.OPEN_STAGES
    ).update(gone_quiet_at=now, updated_at=now)
    if not flagged:
        return False
    submission.gone_quiet_at = now
    interview = touchpoint.interview
    record_event(
        kind=EventKind.SUBMISSION_GONE_QUIET,
        summary=f"Gone quiet: no answer to any follow-up since round {interview.round if interview else '?'}",
        actor_type=Event.Actor.SYSTEM,
        submission=submission,
        interview=interview,
        data={"touchpoint": touchpoint.pk},
    )
    return True


def clear_gone_quiet(
    submission: Submission,
    *,
    now: datetime,
    how: str,
    actor: User | None = None,
    actor_type: str | None = None,
) -> bool:
    """Clear the flag after a response: ``submission.gone_quiet_cleared`` Event, open gone-quiet tasks
    closed. False (nothing written) when the submission was not flagged. Call inside a transaction."""
    cleared = Submission.objects.filter(pk=submission.pk, gone_quiet_at__isnull=False).update(
        gone_quiet_at=None, updated_at=now
    )
    if not cleared:
        return False
    submission.gone_quiet_at = None
    closed = list(
        Task.objects.filter(
            submission=submission, kind=Task.Kind.GONE_QUIET, status=Task.Status.OPEN
        ).values_list("pk", flat=True)
    )
    Task.objects.filter(pk__in=closed).update(
        status=Task.Status.DONE, done_at=now, done_by=actor, outcome=f"They answered ({how})."
    )
    record_event(
        kind=EventKind.SUBMISSION_GONE_QUIET_CLEARED,
        summary=f"No longer quiet: {how}",
        actor=actor,
        actor_type=actor_type or Event.Actor.CANDIDATE,
        submission=submission,
        data={"how": how, "closed_tasks": closed},
    )
    return True


def record_escalation(touchpoint: Touchpoint, *, now: datetime) -> None:
    """The hiring manager's feedback is overdue enough to chase: a ``followup.escalated`` Event on the
    contact and company (the responsiveness record counts it). Call inside the worker's transaction."""
    contact = touchpoint.contact
    interview = touchpoint.interview
    if contact is None:
        return
    name = interview.submission.candidate.name if interview is not None else "the candidate"
    record_event(
        kind=EventKind.FOLLOWUP_ESCALATED,
        summary=f"{contact.name} has not given feedback on {name}'s interview: escalated to the recruiter",
        actor_type=Event.Actor.SYSTEM,
        contact=contact,
        interview=interview,
        data={"touchpoint": touchpoint.pk, "at": now.isoformat()},
    )


def mark_alert_handled(task: Task, *, actor: User, now: datetime) -> bool:
    """The recruiter dealt with a gone-quiet alert (called, wrote): the task is done, with an Event.

    The flag itself stays until the candidate answers: it is a fact on their record, not a to-do.
    False when the task was no longer open (nothing changes then).
    """
    if task.kind != Task.Kind.GONE_QUIET:
        raise ValueError("Only a gone-quiet alert is handled here.")
    with transaction.atomic():
        done = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=actor, outcome="Handled by the recruiter"
        )
        if done:
            record_event(
                kind=EventKind.TASK_DONE,
                summary=f"Handled: {task.title}",
                actor=actor,
                submission=task.submission,
                data={"task": task.pk, "task_kind": task.kind},
            )
    return bool(done)
