"""Changes to roles, submissions and interviews. Each service is one transaction that also writes the Event.

Services raise ``django.core.exceptions.ValidationError`` with a dict keyed by model field name when the
change breaks a recruiting rule; nothing is saved in that case. Forms call the same ``check_*`` helpers in
``clean()`` so a person sees the problem next to the field before the service runs.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from candidly.accounts.models import User
from candidly.hiring.models import Interview, Role, Submission
from candidly.lib.timezones import validate_time_zone
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.services import record_event

ROLE_FIELDS = frozenset(
    {
        "company",
        "title",
        "hiring_manager",
        "recruiter",
        "location",
        "workplace",
        "compensation_min",
        "compensation_max",
        "currency",
        "description",
        "status",
    }
)
# Changes to these fields alter what the candidate's calendar shows, so the invite's SEQUENCE goes up.
CALENDAR_FIELDS = ("starts_at", "ends_at", "format", "video_url", "address")
INTERVIEW_FIELDS = frozenset({*CALENDAR_FIELDS, "time_zone", "notes", "status"})


# --- Roles -----------------------------------------------------------------------------------------


def parse_tag_names(text: str) -> list[str]:
    """Turn ``"Python, data , python"`` into ``["python", "data"]``; ``ValidationError`` for a bad tag."""
    names: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        name = slugify(raw.strip())
        if not name or len(name) > Tag._meta.get_field("name").max_length:  # type: ignore[operator]
            raise ValidationError(
                "“%(tag)s” is not a usable tag: use letters, digits and hyphens, at most 40 characters.",
                params={"tag": raw.strip()},
                code="bad_tag",
            )
        if name not in names:
            names.append(name)
    return names


def check_role(
    *,
    company: Company | None,
    hiring_manager: Contact | None,
    compensation_min: int | None,
    compensation_max: int | None,
) -> None:
    """Raise ``ValidationError`` (keyed by field) if the manager works elsewhere or the band is inverted."""
    errors: dict[str, str] = {}
    if company is not None and hiring_manager is not None and hiring_manager.company_id != company.pk:
        errors["hiring_manager"] = f"{hiring_manager.name} is not a contact at {company.name}."
    if compensation_min is not None and compensation_max is not None and compensation_min > compensation_max:
        errors["compensation_max"] = "The maximum must be at least the minimum."
    if errors:
        raise ValidationError(errors)


def _set_tags(role: Role, names: Sequence[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    role.tags.set(tags)


@transaction.atomic
def create_role(*, fields: Mapping[str, Any], tag_names: Sequence[str] = (), actor: User) -> Role:
    """Create a role from ``fields`` (names in ``ROLE_FIELDS``) with its tags, and a ``role.created`` Event.

    Raises ``ValidationError`` (see ``check_role``) and saves nothing when the role breaks a rule.
    """
    unknown = set(fields) - ROLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown role fields: {sorted(unknown)}")
    role = Role(**fields)
    check_role(
        company=role.company,
        hiring_manager=role.hiring_manager,
        compensation_min=role.compensation_min,
        compensation_max=role.compensation_max,
    )
    role.save()
    _set_tags(role, tag_names)
    record_event(
        kind="role.created",
        summary=f"Role opened: {role.title} at {role.company.name}",
        actor=actor,
        company=role.company,
        contact=role.hiring_manager,
        data={"role": role.pk, "tags": list(tag_names)},
    )
    return role


@transaction.atomic
def update_role(
    role: Role, *, changes: Mapping[str, Any], tag_names: Sequence[str] | None = None, actor: User
) -> Role:
    """Apply ``changes`` (and replace the tags when given); one ``role.updated`` Event names what changed.

    Returns the saved role (a fresh instance). A call that changes nothing writes no Event. Raises
    ``ValidationError`` as ``create_role`` does, leaving the row untouched.
    """
    unknown = set(changes) - ROLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown role fields: {sorted(unknown)}")
    # Work on a locked fresh copy: the caller's instance may carry unsaved edits (a ModelForm's does).
    role = Role.objects.select_for_update().get(pk=role.pk)
    changed = [name for name, value in changes.items() if getattr(role, name) != value]
    for name in changed:
        setattr(role, name, changes[name])
    check_role(
        company=role.company,
        hiring_manager=role.hiring_manager,
        compensation_min=role.compensation_min,
        compensation_max=role.compensation_max,
    )
    if tag_names is not None:
        before = sorted(role.tags.values_list("name", flat=True))
        if before != sorted(tag_names):
            _set_tags(role, tag_names)
            changed.append("tags")
    if not changed:
        return role
    role.save(update_fields=[name for name in changed if name != "tags"] + ["updated_at"])
    record_event(
        kind="role.updated",
        summary=f"Role changed: {role.title} at {role.company.name} ({', '.join(changed)})",
        actor=actor,
        company=role.company,
        data={"role": role.pk, "changed": changed},
    )
    return role


# --- Submissions -----------------------------------------------------------------------------------


def open_submission_for(
    candidate: Candidate, role: Role, *, exclude_pk: int | None = None
) -> Submission | None:
    """The candidate's open submission to ``role``, if any (there is at most one)."""
    rows = Submission.objects.filter(candidate=candidate, role=role, stage__in=Submission.OPEN_STAGES)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.first()


def duplicate_submission_message(candidate: Candidate, existing: Submission | None) -> str:
    stage = f" (stage: {existing.get_stage_display()})" if existing is not None else ""
    return f"{candidate.name} is already in this role's process{stage}."


@transaction.atomic
def create_submission(*, candidate: Candidate, role: Role, note: str = "", actor: User) -> Submission:
    """Put ``candidate`` into ``role``'s process at stage *submitted*, with a ``submission.created`` Event.

    Raises ``ValidationError({"role": …})`` when the role is not open or the candidate already has an open
    submission to it — also when a concurrent request won that race (the unique constraint is caught).
    """
    if role.status != Role.Status.OPEN:
        raise ValidationError({"role": f"{role} is {role.get_status_display().lower()}, not open."})
    existing = open_submission_for(candidate, role)
    if existing is not None:
        raise ValidationError({"role": duplicate_submission_message(candidate, existing)})
    try:
        # A savepoint, so losing the race to a parallel request leaves this transaction usable.
        with transaction.atomic():
            submission = Submission.objects.create(
                candidate=candidate, role=role, recruiter=candidate.recruiter or actor
            )
    except IntegrityError:
        raise ValidationError({"role": duplicate_submission_message(candidate, None)}) from None
    record_event(
        kind="submission.created",
        summary=f"Submitted to {role.title} at {role.company.name}",
        actor=actor,
        submission=submission,
        data={"note": note} if note else {},
    )
    return submission


@transaction.atomic
def move_submission(
    submission: Submission,
    *,
    stage: str,
    reason: str = "",
    note: str = "",
    actor: User | None,
    actor_type: str | None = None,
) -> Submission:
    """Move a submission to ``stage`` and append a ``submission.stage_changed`` Event; returns the saved row.

    An ending stage (placed, rejected, withdrawn) needs a ``reason`` from ``Submission.EndReason`` and sets
    ``ended_at``; moving back to an open stage clears the reason, note and ``ended_at``. Any open stage may
    follow any other (moving to *interviewing* while an interview is booked is fine). Raises
    ``ValidationError`` keyed ``stage``/``reason`` for an unknown or unchanged stage, a missing reason, or a
    re-opening that would give the candidate two open submissions to the same role. ``actor`` is None when
    Candidly or the candidate acts; then ``actor_type`` says who.
    """
    # Lock only the submission row: PostgreSQL would otherwise also lock the joined candidate and role.
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("candidate", "role__company")
        .get(pk=submission.pk)
    )
    if stage not in Submission.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    if stage == locked.stage:
        raise ValidationError({"stage": f"The submission is already at “{locked.get_stage_display()}”."})
    ending = stage in Submission.ENDED_STAGES
    if ending and reason not in Submission.EndReason.values:
        raise ValidationError({"reason": "Say why the process ended."})
    previous = locked.stage
    was_open = locked.is_open
    locked.stage = stage
    if ending:
        locked.end_reason = reason
        locked.end_note = note
        # Moving between two ending stages keeps the original end time: the process ended then.
        locked.ended_at = locked.ended_at or timezone.now()
    else:
        locked.end_reason = ""
        locked.end_note = ""
        locked.ended_at = None
        if not was_open:
            existing = open_submission_for(locked.candidate, locked.role, exclude_pk=locked.pk)
            if existing is not None:
                raise ValidationError({"stage": _reopen_message(locked)})
    try:
        with transaction.atomic():
            locked.save(update_fields=["stage", "end_reason", "end_note", "ended_at", "updated_at"])
    except IntegrityError:
        raise ValidationError({"stage": _reopen_message(locked)}) from None
    summary = f"Stage: {Submission.Stage(previous).label} → {locked.get_stage_display()}"
    if ending:
        summary += f" ({locked.get_end_reason_display()})"
    record_event(
        kind="submission.stage_changed",
        summary=summary,
        actor=actor,
        actor_type=actor_type,
        submission=locked,
        data={"from": previous, "to": stage, "reason": locked.end_reason, "note": note},
    )
    return locked


def _reopen_message(submission: Submission) -> str:
    return (
        f"{submission.candidate.name} already has another open submission to this role; "
        "end that one before re-opening this one."
    )


# --- Interviews ------------------------------------------------------------------------------------


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
    person gets a message instead of an error page; interviewers must work at the role's company.
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
        kind="interview.scheduled",
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
    # Calendars apply an update only when SEQUENCE grows; notes and status alone do not touch the invite.
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
    if "status" in changed:
        summary += f"; status {locked.get_status_display()}"
    record_event(
        kind="interview.rescheduled" if rescheduled else "interview.updated",
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
    return locked


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
