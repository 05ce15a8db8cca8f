"""Planning touchpoints and recording what became of them.

Every state change of a claimed touchpoint is *conditional*: it only applies while the row is still
``in_progress`` and claimed by the caller (or, for the reaper, while its lease is still expired). A worker
that lost its claim therefore changes nothing, and the function says so by returning ``False``. Each change
and the Event / Task that goes with it are one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from candidly.accounts.models import AgencySettings
from candidly.followups.gone_quiet import flag_gone_quiet, record_escalation
from candidly.followups.models import Task, Touchpoint
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview, Submission
from candidly.lib.businesstime import BusinessHours, next_business_moment, supports_country
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

Status = Touchpoint.Status


# ---------------------------------------------------------------------------------------------------------
# Planning


def idempotency_key_for(
    *,
    person: Candidate | Contact,
    kind: str,
    step: int = 0,
    interview: Interview | None = None,
    submission: Submission | None = None,
) -> str:
    """The key that makes (person, interview or submission, kind, step) plannable only once."""
    if isinstance(person, Candidate):
        who = f"candidate:{person.pk}"
    elif isinstance(person, Contact):
        who = f"contact:{person.pk}"
    else:
        raise TypeError(f"A touchpoint is for a Candidate or a Contact, not {type(person).__name__}.")
    if interview is not None:
        about = f"interview:{interview.pk}"
    elif submission is not None:
        about = f"submission:{submission.pk}"
    else:
        about = "-"
    return f"{who}:{about}:{kind}:{step}"


def plan_touchpoint(
    *,
    person: Candidate | Contact,
    kind: str,
    channel: str,
    due_at: datetime,
    interview: Interview | None = None,
    submission: Submission | None = None,
    step: int = 0,
    respects_business_hours: bool = True,
    agency: AgencySettings | None = None,
) -> tuple[Touchpoint, bool]:
    """Plan one step for one person; return ``(touchpoint, created)``.

    Idempotent: planning the same (person, interview/submission, kind, step) again returns the existing row
    unchanged, whatever its status, with ``created=False`` -- also when two planners race (the unique key
    decides; the loser's insert is rolled back inside a savepoint, so a caller's transaction survives).
    With ``respects_business_hours`` the due time is moved to the recipient's next business moment
    (hours from the agency's settings; pass ``agency`` when planning many to read them once).
    """
    key = idempotency_key_for(person=person, kind=kind, step=step, interview=interview, submission=submission)
    existing = Touchpoint.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if submission is None and interview is not None:
        # Store the submission too: the worker reaches the recruiter and the company through it.
        submission = interview.submission
    if respects_business_hours:
        due_at = business_moment(due_at, person, agency=agency)
    try:
        with transaction.atomic():
            touchpoint = Touchpoint.objects.create(
                candidate=person if isinstance(person, Candidate) else None,
                contact=person if isinstance(person, Contact) else None,
                interview=interview,
                submission=submission,
                kind=kind,
                channel=channel,
                step=step,
                idempotency_key=key,
                due_at=due_at,
                respects_business_hours=respects_business_hours,
            )
    except IntegrityError:
        # Another planner inserted the same key between our read and our insert; other violations re-raise.
        existing = Touchpoint.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    return touchpoint, True


def hours_for(person: Candidate | Contact, agency: AgencySettings) -> BusinessHours:
    """The business hours of a recipient: the agency's hours and weekdays, and -- when the agency counts
    public holidays -- those of the person's country (a contact's company's, a candidate's own). A country
    the ``holidays`` package does not know counts no holidays rather than failing the worker."""
    country = person.company.country if isinstance(person, Contact) else person.country
    country = (country or "").upper()
    return agency.business_hours(country=country if supports_country(country) else None)


def business_moment(
    at: datetime, person: Candidate | Contact, *, agency: AgencySettings | None = None
) -> datetime:
    """``at`` if it is inside ``person``'s business hours (in their zone, :func:`hours_for`), else the
    next opening."""
    agency = agency or AgencySettings.load()
    return next_business_moment(at, person.time_zone, hours_for(person, agency))


def retry_delay(attempt: int) -> timedelta:
    """Back-off after the ``attempt``-th failed attempt: base, 2 x base, 4 x base …, capped. No jitter."""
    base = settings.CANDIDLY_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), settings.CANDIDLY_RETRY_MAX_SECONDS))


# ---------------------------------------------------------------------------------------------------------
# Outcomes of a claimed touchpoint (called by the worker and the reaper)


@dataclass(frozen=True)
class Owner:
    """Whose claim a state change requires: a worker's id, or (for the reaper) an expired lease."""

    worker_id: str | None = None
    lease_expired_before: datetime | None = None


def _transition(touchpoint: Touchpoint, owner: Owner, *, now: datetime, **fields: Any) -> bool:
    claimed = Touchpoint.objects.filter(pk=touchpoint.pk, status=Status.IN_PROGRESS)
    if owner.worker_id is not None:
        claimed = claimed.filter(claimed_by=owner.worker_id)
    if owner.lease_expired_before is not None:
        claimed = claimed.filter(lease_expires_at__lt=owner.lease_expired_before)
    changed = claimed.update(updated_at=now, **fields) == 1
    if changed:
        for name, value in fields.items():
            if not hasattr(value, "resolve_expression"):
                setattr(touchpoint, name, value)
    return changed


_RELEASED: dict[str, Any] = {"claimed_by": "", "lease_expires_at": None}


@contextmanager
def _outcome_transaction() -> Iterator[None]:
    """A transaction recording an outcome, committed without waiting for PostgreSQL's disk flush.

    Safe because losing such a commit in a database crash only puts the row back ``in_progress``: the
    reaper then retries it (no hand-off) or flags it ambiguous (hand-off) -- never a second send, never a
    loss. The hand-off marker itself (:func:`mark_handoff`) is always committed synchronously. This halves
    the disk flushes per message. Only applied when we own the whole transaction.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _event_args(touchpoint: Touchpoint, *, kind: str, summary: str, **data: Any) -> dict[str, Any]:
    """``record_event``'s arguments for an Event about ``touchpoint``."""
    return {
        "kind": kind,
        "summary": summary,
        "actor_type": Event.Actor.SYSTEM,
        "candidate": touchpoint.candidate,
        "contact": touchpoint.contact,
        "submission": touchpoint.submission,
        "interview": touchpoint.interview,
        "data": {"touchpoint": touchpoint.pk, "kind": touchpoint.kind, "channel": touchpoint.channel, **data},
    }


def _event(touchpoint: Touchpoint, *, kind: str, summary: str, **data: Any) -> Event:
    return record_event(**_event_args(touchpoint, kind=kind, summary=summary, **data))


def _task(touchpoint: Touchpoint, *, kind: str, title: str, due_at: datetime, **extra: Any) -> Task:
    return create_task(
        kind=kind,
        title=title,
        due_at=due_at,
        actor=None,
        candidate=touchpoint.candidate,
        contact=touchpoint.contact,
        submission=touchpoint.submission,
        interview=touchpoint.interview,
        touchpoint=touchpoint,
        **extra,
    )


def _channel_label(channel: str) -> str:
    return {"email": "email", "sms": "SMS"}.get(channel, channel)


def mark_handoff(touchpoint: Touchpoint, *, now: datetime, worker_id: str, lease: timedelta) -> bool:
    """Record "about to hand to the provider" and renew the lease; ``False`` if the claim was lost.

    Must run outside a transaction so the marker is committed before the hand-off: after a crash the
    reaper reads it as "maybe sent" and never sends again.
    """
    return _transition(
        touchpoint, Owner(worker_id=worker_id), now=now, handoff_at=now, lease_expires_at=now + lease
    )


def sent_change(
    touchpoint: Touchpoint, *, now: datetime, message_id: str, fallback: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What recording "the provider accepted the message" writes: the row's fields (``done`` with its
    Message-ID, the claim released) and the Event's ``record_event`` arguments. :func:`mark_sent` writes
    them with the ORM; the worker's hand-offs on PostgreSQL with the next message's marker
    (``followups.handoffs``).

    ``fallback`` is why a planned SMS went by email instead (``messaging.delivery``): the row then says
    email, and the Event says SMS was planned and why it did not go.
    """
    by_email = {"channel": Touchpoint.Channel.EMAIL} if fallback else {}
    fields = {
        "status": Status.DONE,
        "done_at": now,
        "message_id": message_id,
        "last_error": "",
        **by_email,
        **_RELEASED,
    }
    channel = Touchpoint.Channel.EMAIL if fallback else touchpoint.channel
    summary = f"{touchpoint.get_kind_display()} sent by {_channel_label(channel)} to {touchpoint.person}"
    if fallback:
        summary += f" instead of SMS: {fallback}"
    extra = {"planned_channel": touchpoint.channel, "fallback": fallback} if fallback else {}
    event = _event_args(
        touchpoint, kind=EventKind.TOUCHPOINT_SENT, summary=summary, message_id=message_id, **extra
    )
    event["data"]["channel"] = channel
    return fields, event


def mark_sent(
    touchpoint: Touchpoint, *, now: datetime, worker_id: str, message_id: str, fallback: str = ""
) -> bool:
    """The provider accepted the message: ``done`` with its Message-ID, and an Event (:func:`sent_change`)."""
    fields, event = sent_change(touchpoint, now=now, message_id=message_id, fallback=fallback)
    with _outcome_transaction():
        if not _transition(touchpoint, Owner(worker_id=worker_id), now=now, **fields):
            return False
        record_event(**event)
    return True


def mark_skipped(touchpoint: Touchpoint, *, now: datetime, worker_id: str, reason: str) -> bool:
    """Deliberately not sent (unsubscribed, interview off): ``skipped`` with the reason, and an Event."""
    with _outcome_transaction():
        if not _transition(
            touchpoint,
            Owner(worker_id=worker_id),
            now=now,
            status=Status.SKIPPED,
            done_at=now,
            skip_reason=reason[:300],
            handoff_at=None,
            **_RELEASED,
        ):
            return False
        _event(
            touchpoint,
            kind=EventKind.TOUCHPOINT_SKIPPED,
            summary=f"{touchpoint.get_kind_display()} to {touchpoint.person} not sent: {reason}",
            reason=reason,
        )
    return True


def replan_claimed(touchpoint: Touchpoint, *, now: datetime, worker_id: str, due_at: datetime) -> bool:
    """Give a claimed touchpoint back to the queue, due at ``due_at``, without counting an attempt.

    Used when it turns out to be night in the recipient's zone, and for claimed rows a stopping worker
    did not start.
    """
    return _transition(
        touchpoint,
        Owner(worker_id=worker_id),
        now=now,
        status=Status.PLANNED,
        due_at=due_at,
        handoff_at=None,
        attempts=F("attempts") - 1,
        **_RELEASED,
    )


def mark_failed(touchpoint: Touchpoint, *, now: datetime, owner: Owner, error: str) -> bool:
    """Give up: ``failed``, a "Message failed" Task for the recruiter and an Event, in one transaction."""
    with _outcome_transaction():
        if not _transition(
            touchpoint,
            owner,
            now=now,
            status=Status.FAILED,
            last_error=error,
            handoff_at=None,
            **_RELEASED,
        ):
            return False
        label = f"{touchpoint.get_kind_display()} to {touchpoint.person}"
        _task(
            touchpoint,
            kind=Task.Kind.MESSAGE_FAILED,
            title=f"Message failed: {label}",
            details=f"Candidly gave up after {touchpoint.attempts} attempt(s). Last error: {error}",
            due_at=now,
        )
        _event(
            touchpoint,
            kind=EventKind.TOUCHPOINT_FAILED,
            summary=f"{label} could not be sent: {error}",
            error=error,
            attempts=touchpoint.attempts,
        )
    return True


def is_last_attempt(touchpoint: Touchpoint, *, max_attempts: int | None = None) -> bool:
    """Whether this claim is the row's last try: a temporary failure now ends it ``failed``."""
    return touchpoint.attempts >= (max_attempts or settings.CANDIDLY_WORKER_MAX_ATTEMPTS)


def retry_or_fail(
    touchpoint: Touchpoint, *, now: datetime, worker_id: str, error: str, max_attempts: int | None = None
) -> bool:
    """After a temporary failure: back to ``planned`` after :func:`retry_delay`, or ``failed`` at the limit.

    The hand-off marker is cleared: a temporary failure guarantees the provider accepted nothing.
    """
    if is_last_attempt(touchpoint, max_attempts=max_attempts):
        return mark_failed(touchpoint, now=now, owner=Owner(worker_id=worker_id), error=error)
    return _transition(
        touchpoint,
        Owner(worker_id=worker_id),
        now=now,
        status=Status.PLANNED,
        due_at=now + retry_delay(touchpoint.attempts),
        last_error=error,
        handoff_at=None,
        **_RELEASED,
    )


def mark_ambiguous(touchpoint: Touchpoint, *, now: datetime, owner: Owner, error: str = "") -> bool:
    """The message may or may not have reached the provider: ``ambiguous``, a check Task and an Event.

    Never re-sent automatically: a recruiter decides after looking (a duplicate is worse than a question).
    """
    reason = error or "The worker stopped after handing the message over; it may have been sent."
    with _outcome_transaction():
        if not _transition(
            touchpoint, owner, now=now, status=Status.AMBIGUOUS, last_error=reason, **_RELEASED
        ):
            return False
        label = f"{touchpoint.get_kind_display()} to {touchpoint.person}"
        _task(
            touchpoint,
            kind=Task.Kind.CHECK_MESSAGE,
            title=f"Check whether this message was sent: {label}",
            details=f"{reason} Look in the sent mail (Message-ID derived from {touchpoint.idempotency_key}) "
            "and send it by hand if it is missing.",
            due_at=now,
            urgent=touchpoint.is_essential,
        )
        _event(
            touchpoint,
            kind=EventKind.TOUCHPOINT_AMBIGUOUS,
            summary=f"{label} may not have been sent",
            error=reason,
        )
    return True


_TASK_KINDS: dict[str, str] = {
    Touchpoint.Kind.ESCALATION: Task.Kind.CHASE_COMPANY,
    Touchpoint.Kind.UPDATE: Task.Kind.UPDATE_CANDIDATE,
    Touchpoint.Kind.GONE_QUIET: Task.Kind.GONE_QUIET,
}
_TASK_TITLES: dict[str, str] = {
    Touchpoint.Kind.GONE_QUIET: "{person} has gone quiet",
    Touchpoint.Kind.ESCALATION: "Chase {company} for feedback from {person_name}",
}


def hand_to_recruiter(
    touchpoint: Touchpoint, *, now: datetime, worker_id: str, agency: AgencySettings | None = None
) -> Task | None:
    """A call or task step: create the recruiter's Task and mark the touchpoint ``due`` (call) or ``done``.

    A call task is due at the person's next business moment: a recruiter is never asked to phone
    someone at night. Returns the Task, or ``None`` if the claim was lost.
    """
    is_call = touchpoint.channel == Touchpoint.Channel.CALL
    person = touchpoint.person
    task_due = max(now, touchpoint.due_at)
    if is_call:
        task_due = business_moment(task_due, person, agency=agency)
    with _outcome_transaction():
        if not _transition(
            touchpoint,
            Owner(worker_id=worker_id),
            now=now,
            status=Status.DUE if is_call else Status.DONE,
            done_at=None if is_call else now,
            **_RELEASED,
        ):
            return None
        kind = _TASK_KINDS.get(touchpoint.kind, Task.Kind.CALL if is_call else Task.Kind.OTHER)
        title = f"Call {person}" if is_call else f"{touchpoint.get_kind_display()}: {person}"
        if touchpoint.kind in _TASK_TITLES:
            company = touchpoint.submission.role.company if touchpoint.submission is not None else ""
            title = _TASK_TITLES[touchpoint.kind].format(
                person=person, person_name=person.name, company=company
            )
        if touchpoint.submission is not None:
            title += f" about {touchpoint.submission.role}"
        task = _task(touchpoint, kind=kind, title=title, due_at=task_due)
        # The last steps of the cadences also go on the records (same transaction as their task).
        if touchpoint.kind == Touchpoint.Kind.GONE_QUIET:
            flag_gone_quiet(touchpoint, now=now)
        elif touchpoint.kind == Touchpoint.Kind.ESCALATION:
            record_escalation(touchpoint, now=now)
    return task
