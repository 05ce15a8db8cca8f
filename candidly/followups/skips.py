"""Stopping planned messages: the one way a touchpoint is skipped before the worker performs it.

Skipping is conditional on the status the worker claims on (``planned``; a call step already on the
recruiter's list is ``due``), so a row is either performed or skipped, never both. A row the worker holds
right now is stopped at perform time instead (``interview_plan.reason_no_longer_applies``).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

REASON_LENGTH = 300


def skip_touchpoints(
    rows: QuerySet[Touchpoint],
    *,
    reason: str,
    now: datetime,
    include_due: bool = False,
    done_by: User | None = None,
    task_outcome: str = "",
    record_on: Interview | Submission | None = None,
    actor: User | None = None,
) -> list[Touchpoint]:
    """Skip the ``planned`` rows of ``rows`` (and the ``due`` ones with ``include_due``); return the rows
    this call skipped, earliest first.

    The open task of a skipped ``due`` call step is cancelled (outcome ``task_outcome`` or the reason, by
    ``done_by``). With ``record_on``, one ``touchpoint.skipped`` Event for the lot goes on that interview's
    or submission's timeline, by ``actor`` (a recruiter skipping by hand) or else Candidly. Runs in the
    caller's transaction; raises nothing of its own.
    """
    reason = reason[:REASON_LENGTH]
    statuses = [Touchpoint.Status.PLANNED, *([Touchpoint.Status.DUE] if include_due else [])]
    ids = list(rows.filter(status__in=statuses).values_list("pk", flat=True))
    if not ids:
        return []
    Touchpoint.objects.filter(pk__in=ids, status__in=statuses).update(
        status=Touchpoint.Status.SKIPPED, skip_reason=reason, done_at=now, updated_at=now
    )
    skipped = list(
        Touchpoint.objects.filter(
            pk__in=ids, status=Touchpoint.Status.SKIPPED, skip_reason=reason, done_at=now
        ).order_by("due_at", "pk")
    )
    if include_due and skipped:
        Task.objects.filter(touchpoint__in=[row.pk for row in skipped], status=Task.Status.OPEN).update(
            status=Task.Status.CANCELLED,
            done_at=now,
            done_by=done_by,
            outcome=(task_outcome or reason)[:REASON_LENGTH],
        )
    if record_on is not None and skipped:
        record_event(
            kind=EventKind.TOUCHPOINT_SKIPPED,
            summary=f"{len(skipped)} planned message(s) will not be sent: {reason}",
            actor=actor,
            actor_type=None if actor is not None else Event.Actor.SYSTEM,
            interview=record_on if isinstance(record_on, Interview) else None,
            submission=record_on if isinstance(record_on, Submission) else None,
            data={"touchpoints": [row.pk for row in skipped], "reason": reason},
        )
    return skipped
