"""Interviews: book a round and change its time, place or format (the invite and reminders follow)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from candidly.accounts.models import User
from candidly.followups import interview_plan
from candidly.hiring.models import Interview, Submission
from candidly.hiring.rules import outside_interview_window
from candidly.hiring.services.submissions import move_submission
from candidly.lib.timezones import validate_time_zone
from candidly.people.models import Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

# Changes to these fields alter what the candidate's calendar shows, so the invite's SEQUENCE goes up.
CALENDAR_FIELDS = ("starts_at", "ends_at", "format", "video_url", "address")
# No "status": confirmations, cancellations and outcomes go through their own services below, so each one
# writes the Event the reliability record counts.
INTERVIEW_FIELDS = frozenset({*CALENDAR_FIELDS, "time_zone", "notes"})


def check_interview(
    *,
    submission: Submission,
    starts_at: datetime | None,
    ends_at: datetime | None,
    format: str,
    video_url: str,
    address: str,
    interviewers: Iterable[Contact],
    time_zone: str | None = None,
) -> None:
    """Raise ``ValidationError`` keyed by Interview field for what the database would refuse or is nonsense.

    The check constraints (ends after start, video has a link, on-site has an address) are caught here so a
    person gets a message instead of an error page; the start is in the booking window
    (``rules.interview_day_window``); interviewers must work at the role's company.
    """
    for moment in (starts_at, ends_at):
        if moment is not None and timezone.is_naive(moment):
            raise ValueError("Interview times must be aware datetimes.")
    errors: dict[str, str] = {}
    if time_zone is not None:
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            errors["time_zone"] = exc.messages[0]
    if starts_at is not None:
        outside = outside_interview_window(starts_at.astimezone(UTC).date(), today=timezone.now().date())
        if outside:
            errors["starts_at"] = outside
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "The interview must end after it starts."
    if format == Interview.Format.VIDEO and not video_url.strip():
        errors["video_url"] = "A video interview needs a link."
    if format == Interview.Format.ONSITE and not address.strip():
        errors["address"] = "An on-site interview needs an address."
    company_id = submission.role.company_id
    strangers = [contact.name for contact in interviewers if contact.company_id != company_id]
    if strangers:
        errors["interviewers"] = f"Not contacts at {submission.role.company.name}: {', '.join(strangers)}."
    if errors:
        raise ValidationError(errors)


def _when(interview: Interview) -> str:
    """The start as arranged, e.g. ``Mon 13 Jan 2025 10:00 EST (America/New_York)``, for Event summaries."""
    local = interview.starts_at.astimezone(zoneinfo.ZoneInfo(interview.time_zone))
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({interview.time_zone})"


def ended_submission_message(submission: Submission) -> str:
    return (
        f"This submission ended ({submission.get_stage_display().lower()}); "
        "re-open it before booking an interview."
    )


@transaction.atomic
def schedule_interview(
    submission: Submission,
    *,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    format: str,
    video_url: str = "",
    address: str = "",
    interviewers: Sequence[Contact] = (),
    notes: str = "",
    actor: User,
) -> Interview:
    """Book the next round of ``submission`` and write an ``interview.scheduled`` Event.

    A submission still at *submitted* moves to *interviewing* (with its own Event). Raises
    ``ValidationError`` (see ``check_interview``; key ``__all__`` when the submission has ended) and saves
    nothing when the interview cannot be booked.
    """
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("candidate", "role__company")
        .get(pk=submission.pk)
    )
    if not locked.is_open:
        raise ValidationError(ended_submission_message(locked))
    check_interview(
        submission=locked,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        video_url=video_url,
        address=address,
        interviewers=interviewers,
        time_zone=time_zone,
    )
    # Counted under the submission's row lock, so two bookings at once cannot both become round 2.
    last_round = locked.interviews.aggregate(last=Max("round"))["last"] or 0
    interview = Interview.objects.create(
        submission=locked,
        round=last_round + 1,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        format=format,
        video_url=video_url,
        address=address,
        notes=notes,
        created_by=actor,
    )
    interview.interviewers.set(interviewers)
    record_event(
        kind=EventKind.INTERVIEW_SCHEDULED,
        summary=f"Interview round {interview.round} booked for {_when(interview)}",
        actor=actor,
        interview=interview,
        data={
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "time_zone": time_zone,
            "format": format,
            "interviewers": [contact.pk for contact in interviewers],
        },
    )
    # Through move_submission, so the stage change follows the same rules and gets its own Event.
    if locked.stage == Submission.Stage.SUBMITTED:
        interview.submission = move_submission(
            locked,
            stage=Submission.Stage.INTERVIEWING,
            note=f"Interview round {interview.round} booked",
            actor=actor,
        )
    # In the booking's transaction: an interview never exists without its confirmation and reminders.
    interview_plan.plan_interview_touchpoints(interview, now=timezone.now())
    return interview


@transaction.atomic
def update_interview(
    interview: Interview,
    *,
    changes: Mapping[str, Any],
    interviewers: Sequence[Contact] | None = None,
    actor: User,
) -> Interview:
    """Apply ``changes`` (Interview fields in ``INTERVIEW_FIELDS``) and interviewers; one Event for the edit.

    A change to the time, format, link or address bumps ``sequence`` so calendar invites update; a change of
    time is recorded as ``interview.rescheduled``, anything else as ``interview.updated``. Changing nothing
    writes nothing. Raises ``ValidationError`` like ``schedule_interview`` and leaves the row untouched.
    """
    unknown = set(changes) - INTERVIEW_FIELDS
    if unknown:
        raise TypeError(f"Unknown interview fields: {sorted(unknown)}")
    locked = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("submission__role__company")
        .get(pk=interview.pk)
    )
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    before = {name: _jsonable(getattr(locked, name)) for name in changed}
    for name in changed:
        setattr(locked, name, changes[name])
    new_interviewers = list(interviewers) if interviewers is not None else list(locked.interviewers.all())
    check_interview(
        submission=locked.submission,
        starts_at=locked.starts_at,
        ends_at=locked.ends_at,
        format=locked.format,
        video_url=locked.video_url,
        address=locked.address,
        interviewers=new_interviewers,
        time_zone=locked.time_zone,
    )
    if interviewers is not None:
        old_ids = set(locked.interviewers.values_list("pk", flat=True))
        if old_ids != {contact.pk for contact in new_interviewers}:
            locked.interviewers.set(new_interviewers)
            changed.append("interviewers")
    if not changed:
        return locked
    # Calendars apply an update only when SEQUENCE grows; notes alone do not touch the invite.
    if any(name in CALENDAR_FIELDS for name in changed):
        locked.sequence += 1
    locked.save(
        update_fields=[name for name in changed if name != "interviewers"] + ["sequence", "updated_at"]
    )
    rescheduled = "starts_at" in changed or "ends_at" in changed
    if rescheduled:
        summary = f"Interview round {locked.round} moved to {_when(locked)}"
    else:
        summary = f"Interview round {locked.round} changed ({', '.join(changed)})"
    record_event(
        kind=EventKind.INTERVIEW_RESCHEDULED if rescheduled else EventKind.INTERVIEW_UPDATED,
        summary=summary,
        actor=actor,
        interview=locked,
        data={
            "changed": changed,
            "before": before,
            "after": {name: _jsonable(getattr(locked, name)) for name in changed if name != "interviewers"},
            "sequence": locked.sequence,
        },
    )
    if any(name in CALENDAR_FIELDS for name in changed):
        # The candidate's calendar and reminders must follow: skip the old version's, plan the new one's.
        interview_plan.replan_interview_touchpoints(locked, now=timezone.now())
    return locked


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
