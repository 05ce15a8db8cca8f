"""Recruiters steer what goes out: send a planned message now, skip it with a reason, move it, and pause a
candidate's messages until a date.

Every change is a conditional ``UPDATE … WHERE status = 'planned'`` -- the condition the worker claims on
(``followups.claims``) -- so a row is either steered or performed, never both: when the worker holds it
already, the recruiter is told it is on its way and nothing changes. Each change that happened writes one
Event with the recruiter as actor; a repeat (a double click) changes nothing and writes nothing.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from candidly.accounts.models import AgencySettings, User
from candidly.followups.models import Touchpoint
from candidly.followups.services import business_moment
from candidly.followups.skips import skip_touchpoints
from candidly.lib.businesstime import is_night, morning_after
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

Status = Touchpoint.Status
# Logistics have their own timing rules (interview_plan): they are never paused.
PAUSABLE = Q(channel__in=list(Touchpoint.MESSAGE_CHANNELS)) & ~Q(kind__in=list(Touchpoint.ESSENTIAL_KINDS))


@dataclass(frozen=True)
class Steered:
    """What a steering action did: ``changed`` False means the row was not planned any more (the worker has
    it, or someone else steered it a moment ago) or already was as asked; ``due_at`` is when it goes now."""

    changed: bool
    due_at: datetime | None = None


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%a %d %b %H:%M} {local.tzname()} ({zone})"


def _record(touchpoint: Touchpoint, *, kind: str, summary: str, actor: User, **data: object) -> None:
    record_event(
        kind=kind,
        summary=summary,
        actor=actor,
        candidate=touchpoint.candidate,
        contact=touchpoint.contact,
        submission=touchpoint.submission,
        interview=touchpoint.interview,
        data={"touchpoint": touchpoint.pk, "kind": touchpoint.kind, **data},
    )


def _earliest(touchpoint: Touchpoint, at: datetime) -> datetime:
    """When ``touchpoint`` may go at the earliest from ``at``: in the recipient's business hours, or for
    pinned logistics at least not at night where they are (``lib.businesstime.is_night``)."""
    if not touchpoint.respects_business_hours:
        return morning_after(at, touchpoint.person.time_zone)
    return business_moment(at, touchpoint.person, agency=AgencySettings.load())


def _check_not_paused(touchpoint: Touchpoint, now: datetime) -> None:
    candidate = touchpoint.candidate
    if candidate is not None and candidate.is_paused(now) and not touchpoint.is_essential:
        assert candidate.messages_paused_until is not None
        raise ValidationError(
            f"Messages to {candidate.name} are paused until "
            f"{_when(candidate.messages_paused_until, candidate.time_zone)}; resume them first."
        )


@transaction.atomic
def send_touchpoint_now(touchpoint: Touchpoint, *, actor: User, now: datetime) -> Steered:
    """Bring a planned message forward to now -- the recipient's next business moment if it is night or a
    weekend where they are (pinned logistics: now, or the end of their night) -- with a
    ``touchpoint.brought_forward`` Event. The worker sends it on its next pass.

    Unchanged (``changed`` False) when the row is not planned any more or is already due by then. Raises
    ``ValidationError`` while the candidate's messages are paused (logistics excepted), and for a reminder
    that the night would hold back until after the interview's start.
    """
    _check_not_paused(touchpoint, now)
    due_at = _earliest(touchpoint, now)
    interview = touchpoint.interview
    if (
        touchpoint.kind in (Touchpoint.Kind.INTERVIEW_CONFIRMATION, Touchpoint.Kind.INTERVIEW_REMINDER)
        and interview is not None
        and due_at >= interview.starts_at
    ):
        raise ValidationError(
            f"It is night where {touchpoint.person.name} is: it could only go after the interview starts."
        )
    changed = Touchpoint.objects.filter(pk=touchpoint.pk, status=Status.PLANNED, due_at__gt=due_at).update(
        due_at=due_at, updated_at=now
    )
    if not changed:
        return Steered(changed=False)
    before, touchpoint.due_at = touchpoint.due_at, due_at
    person = touchpoint.person
    when = "now" if due_at <= now else f"at {_when(due_at, person.time_zone)}, their first business moment"
    _record(
        touchpoint,
        kind=EventKind.TOUCHPOINT_BROUGHT_FORWARD,
        summary=f"{actor} asked to send the {touchpoint.get_kind_display().lower()} to {person.name} "
        f"now (planned for {_when(before, person.time_zone)}); it goes {when}",
        actor=actor,
        before=before.isoformat(),
        due_at=due_at.isoformat(),
    )
    return Steered(changed=True, due_at=due_at)


@transaction.atomic
def skip_touchpoint(touchpoint: Touchpoint, *, reason: str, actor: User, now: datetime) -> Steered:
    """Skip one planned message with the recruiter's reason (``followups.skips``: one
    ``touchpoint.skipped`` Event by ``actor``). Unchanged when the row is not planned any more. Raises
    ``ValidationError`` for an empty reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why it should not go; it goes on the timeline."})
    skipped = skip_touchpoints(
        Touchpoint.objects.filter(pk=touchpoint.pk),
        reason=f"Skipped by {actor}: {reason}",
        now=now,
        record_on=touchpoint.interview or touchpoint.submission,
        actor=actor,
    )
    if skipped and touchpoint.interview is None and touchpoint.submission is None:
        # Nothing to put it on but the person: their own timeline.
        _record(
            touchpoint,
            kind=EventKind.TOUCHPOINT_SKIPPED,
            summary=f"{touchpoint.get_kind_display()} to {touchpoint.person.name} will not be sent: {reason}",
            actor=actor,
        )
    if skipped:
        touchpoint.status = Status.SKIPPED
    return Steered(changed=bool(skipped))


@transaction.atomic
def move_touchpoint(touchpoint: Touchpoint, *, to: datetime, actor: User, now: datetime) -> Steered:
    """Move a planned message to ``to`` (moved on into the recipient's business hours unless it is pinned
    logistics), with a ``touchpoint.moved`` Event.

    Raises ``ValidationError`` keyed ``to`` for a moment in the past, for pinned logistics at night where
    the recipient is or after the interview's start, and while the candidate's messages are paused.
    Unchanged when the row is not planned any more or is already due then.
    """
    if to < now:
        raise ValidationError({"to": "That moment has passed; use “Send now” to send it at once."})
    _check_not_paused(touchpoint, now)
    person = touchpoint.person
    interview = touchpoint.interview
    if not touchpoint.respects_business_hours:
        if is_night(to, person.time_zone):
            raise ValidationError(
                {"to": f"That is night where {person.name} is ({_when(to, person.time_zone)})."}
            )
        if interview is not None and interview.is_upcoming and to >= interview.starts_at:
            raise ValidationError({"to": "That is after the interview starts."})
    due_at = _earliest(touchpoint, to)
    changed = (
        Touchpoint.objects.filter(pk=touchpoint.pk, status=Status.PLANNED)
        .exclude(due_at=due_at)
        .update(due_at=due_at, updated_at=now)
    )
    if not changed:
        return Steered(changed=False)
    before, touchpoint.due_at = touchpoint.due_at, due_at
    _record(
        touchpoint,
        kind=EventKind.TOUCHPOINT_MOVED,
        summary=f"{actor} moved the {touchpoint.get_kind_display().lower()} to {person.name} from "
        f"{_when(before, person.time_zone)} to {_when(due_at, person.time_zone)}",
        actor=actor,
        before=before.isoformat(),
        due_at=due_at.isoformat(),
    )
    return Steered(changed=True, due_at=due_at)


def _paused_rows(candidate: Candidate) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(PAUSABLE, candidate=candidate, status=Status.PLANNED)


@transaction.atomic
def pause_messages(
    candidate: Candidate, *, until: date | None, actor: User, now: datetime
) -> datetime | None:
    """Pause the candidate's messages until ``until`` (a date in their zone: messages resume that morning,
    in their business hours), or resume them now with ``until=None``; return when they resume (None: now).

    Planned non-essential messages due before then move to that moment (interview logistics still go, and
    call tasks are not messages); the worker holds back any planned meanwhile. Resuming brings the ones the
    pause held back to now (in business hours). One ``candidate.messages_paused`` / ``…_resumed`` Event.
    Raises ``ValidationError`` keyed ``until`` for a date that is not after today in their zone.
    """
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    agency = AgencySettings.load()
    zone = zoneinfo.ZoneInfo(locked.time_zone)
    if until is None:
        held = locked.messages_paused_until
        if held is None:
            return None
        locked.messages_paused_until = None
        locked.save(update_fields=["messages_paused_until", "updated_at"])
        resume_at = business_moment(now, locked, agency=agency)
        moved = _paused_rows(locked).filter(due_at=business_moment(held, locked, agency=agency))
        count = moved.update(due_at=resume_at, updated_at=now)
        record_event(
            kind=EventKind.CANDIDATE_MESSAGES_RESUMED,
            summary=f"{actor} resumed messages to {locked.name}"
            + (f"; {count} held back go from {_when(resume_at, locked.time_zone)}" if count else ""),
            actor=actor,
            candidate=locked,
            data={"moved": count},
        )
        candidate.messages_paused_until = None
        return None
    if until <= now.astimezone(zone).date():
        raise ValidationError({"until": "Pick a day after today (in their time zone)."})
    paused_until = datetime.combine(until, time.min, tzinfo=zone)
    resume_at = business_moment(paused_until, locked, agency=agency)
    locked.messages_paused_until = paused_until
    locked.save(update_fields=["messages_paused_until", "updated_at"])
    count = _paused_rows(locked).filter(due_at__lt=resume_at).update(due_at=resume_at, updated_at=now)
    record_event(
        kind=EventKind.CANDIDATE_MESSAGES_PAUSED,
        summary=f"{actor} paused messages to {locked.name} until {until:%a %d %b %Y}; "
        f"{count} planned message(s) wait until {_when(resume_at, locked.time_zone)}. "
        "Interview logistics still go.",
        actor=actor,
        candidate=locked,
        data={"until": until.isoformat(), "moved": count},
    )
    candidate.messages_paused_until = paused_until
    return resume_at
