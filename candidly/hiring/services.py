"""Changes to roles, submissions and interviews. Each service is one transaction that also writes the Event.

Services raise ``django.core.exceptions.ValidationError`` with a dict keyed by model field name when the
change breaks a recruiting rule; nothing is saved in that case. Forms call the same ``check_*`` helpers in
``clean()`` so a person sees the problem next to the field before the service runs.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from candidly.accounts.models import AgencySettings, User
from candidly.followups import interview_plan
from candidly.followups.models import Task
from candidly.hiring.events import (
    EVENT_CANCELLED_WITH_NOTICE,
    EVENT_COMPLETED,
    EVENT_CONFIRMED,
    EVENT_LATE_CANCELLATION,
    EVENT_NO_SHOW,
)
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.rules import CancellationTiming, classify_cancellation
from candidly.hiring.tasks import close_interview_tasks, create_interview_task, recruiter_for
from candidly.lib.phones import display_phone
from candidly.lib.timezones import validate_time_zone
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.models import Event
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
# No "status": confirmations, cancellations and outcomes go through their own services below, so each one
# writes the Event the reliability record counts.
INTERVIEW_FIELDS = frozenset({*CALENDAR_FIELDS, "time_zone", "notes"})


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
    if any(name in CALENDAR_FIELDS for name in changed):
        # The candidate's calendar and reminders must follow: skip the old version's, plan the new one's.
        interview_plan.replan_interview_touchpoints(locked, now=timezone.now())
    return locked


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- Confirmations, cancellations and outcomes ------------------------------------------------------
#
# These services change an interview's status. Each writes one Event whose kind the reliability record
# counts (``hiring/reliability.py``), so the record and the timeline can never disagree.


CANCELLED_STATUSES = (Interview.Status.CANCELLED_WITH_NOTICE, Interview.Status.LATE_CANCELLATION)
OUTCOME_STATUSES = (Interview.Status.COMPLETED, Interview.Status.NO_SHOW)


class Via(StrEnum):
    """How the candidate reached us: their signed link, or a recruiter recording what they said."""

    LINK = "link"
    RECRUITER = "recruiter"


class CancellationReason(models.TextChoices):
    """Why the candidate cannot make it (the public page asks; a recruiter picks it on their behalf)."""

    RESCHEDULE = "reschedule", "Would like another time"
    NOT_INTERESTED = "not_interested", "No longer interested in the role"


class CancellationResult(StrEnum):
    CANCELLED_WITH_NOTICE = "cancelled_with_notice"
    LATE_CANCELLATION = "late_cancellation"
    # Refusals and repeats: nothing was changed.
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_STARTED = "already_started"
    NOT_SCHEDULED = "not_scheduled"


@dataclass(frozen=True)
class PreparedEmail:
    """A polite email ready to send (by the recruiter from their task, or by Candidly when enabled)."""

    to_name: str
    to_email: str
    subject: str
    body: str


@dataclass(frozen=True)
class CancellationOutcome:
    """What ``cancel_interview_for_candidate`` did.

    ``notify_manager`` is True when the interview was cancelled just now *and* the agency wants the hiring
    manager emailed automatically; ``manager_email`` is then the email to send (it is always prepared for
    a cancellation, because the recruiter's task quotes it). ``notice`` is start minus the moment asked.
    """

    result: CancellationResult
    interview: Interview
    notice: timedelta
    tasks: tuple[Task, ...] = ()
    manager_email: PreparedEmail | None = None
    notify_manager: bool = False

    @property
    def cancelled(self) -> bool:
        """True only for the call that cancelled the interview; repeats and refusals are False."""
        return self.result in (CancellationResult.CANCELLED_WITH_NOTICE, CancellationResult.LATE_CANCELLATION)

    @property
    def late(self) -> bool:
        return self.result == CancellationResult.LATE_CANCELLATION


def _check_via(via: str, actor: User | None) -> str | None:
    """The Event's ``actor_type``: the candidate acting through a link, or the recruiter for them."""
    if via == Via.LINK:
        return Event.Actor.CANDIDATE
    if via == Via.RECRUITER:
        if actor is None:
            raise ValueError("A recruiter acting for the candidate must be given as actor.")
        return None
    raise ValueError(f"Unknown via {via!r}; use 'link' or 'recruiter'.")


def _lock_interview(interview: Interview) -> Interview:
    # Only the interview row: the joined submission, role and people are read, not changed.
    return (
        Interview.objects.select_for_update(of=("self",))
        .select_related(
            "submission__candidate__recruiter",
            "submission__recruiter",
            "submission__role__company",
            "submission__role__hiring_manager",
            "submission__role__recruiter",
        )
        .get(pk=interview.pk)
    )


def _hours(delta: timedelta) -> str:
    """A notice period for people: ``26 h``, ``23 h 59 min``, ``45 min``."""
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _local(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M} {local.tzname()} ({zone})"


def prepare_manager_cancellation_email(
    interview: Interview, *, reason: str, recruiter: User | None
) -> PreparedEmail:
    """The polite note telling the hiring manager the candidate cannot attend (never the candidate's note:
    what a candidate tells us stays with the agency unless the recruiter forwards it)."""
    role = interview.submission.role
    manager = role.hiring_manager
    context = {
        "interview": interview,
        "candidate": interview.submission.candidate,
        "role": role,
        "manager": manager,
        "manager_first_name": manager.name.split()[0] if manager.name.split() else manager.name,
        "when": _local(interview.starts_at, manager.time_zone),
        "reschedule": reason == CancellationReason.RESCHEDULE,
        "recruiter": recruiter,
        "recruiter_phone": display_phone(recruiter.phone) if recruiter and recruiter.phone else "",
    }
    subject = render_to_string("hiring/emails/manager-cancellation-subject.txt", context).strip()
    body = render_to_string("hiring/emails/manager-cancellation-body.txt", context).strip() + "\n"
    return PreparedEmail(to_name=manager.name, to_email=manager.email, subject=subject, body=body)


@transaction.atomic
def cancel_interview_for_candidate(
    interview: Interview,
    *,
    now: datetime,
    reason_kind: str,
    note: str = "",
    via: str = Via.LINK,
    actor: User | None = None,
) -> CancellationOutcome:
    """Apply the 24-hour rule to the candidate's "I can't make it" (PRODUCT.md rule 4), in one transaction.

    - ``starts_at - now >= notice`` (``AgencySettings.cancellation_notice_hours``, 24 by default; exactly
      24 h 00 min 00 s counts) → status *cancelled with notice*;
    - less, but before the start → *late cancellation*, plus an urgent call task for the recruiter.
    Both bump ``sequence`` (the calendar invite must be cancelled), record an ``interview.<status>`` Event
    and give the submission's recruiter a "Cancel with <company>" task holding the hiring manager's contact
    details and a prepared email (``outcome.manager_email``). ``outcome.notify_manager`` says whether the
    agency wants that email sent automatically; it is then planned as a touchpoint (see below).

    Refusals change nothing and raise nothing: ``already_started`` from the start on, ``already_cancelled``
    for a repeat (a link used twice), ``not_scheduled`` when the interview was completed, marked or replaced.
    On a cancellation the interview's planned touchpoints are skipped and the cancellation messages planned
    (the candidate's METHOD:CANCEL invite; the manager's email with ``notify_manager``): see
    ``followups.interview_plan``. Raises ``ValueError`` for an unknown ``reason_kind``/``via`` or
    ``via='recruiter'`` without ``actor``.
    """
    if reason_kind not in CancellationReason.values:
        raise ValueError(f"Unknown cancellation reason {reason_kind!r}.")
    actor_type = _check_via(via, actor)
    locked = _lock_interview(interview)
    notice = locked.starts_at - now
    if locked.status in CANCELLED_STATUSES:
        return CancellationOutcome(CancellationResult.ALREADY_CANCELLED, locked, notice)
    policy = AgencySettings.load()
    timing = classify_cancellation(
        starts_at=locked.starts_at, now=now, notice=timedelta(hours=policy.cancellation_notice_hours)
    )
    if timing == CancellationTiming.STARTED:
        return CancellationOutcome(CancellationResult.ALREADY_STARTED, locked, notice)
    if locked.status not in Interview.UPCOMING_STATUSES:
        return CancellationOutcome(CancellationResult.NOT_SCHEDULED, locked, notice)

    late = timing == CancellationTiming.LATE
    locked.status = Interview.Status.LATE_CANCELLATION if late else Interview.Status.CANCELLED_WITH_NOTICE
    # The candidate's calendar only drops the event for a CANCEL with a higher SEQUENCE.
    locked.sequence += 1
    locked.save(update_fields=["status", "sequence", "updated_at"])

    submission, role = locked.submission, locked.submission.role
    candidate, company, manager = submission.candidate, role.company, role.hiring_manager
    recruiter = recruiter_for(submission)
    reason_label = CancellationReason(reason_kind).label
    email = prepare_manager_cancellation_email(locked, reason=reason_kind, recruiter=recruiter)
    record_event(
        kind=EVENT_LATE_CANCELLATION if late else EVENT_CANCELLED_WITH_NOTICE,
        summary=(
            f"{'Late cancellation' if late else 'Cancelled with notice'} of interview round {locked.round}, "
            f"{_hours(notice)} before the start: {reason_label.lower()}"
            + (" (recorded by the recruiter)" if via == Via.RECRUITER else "")
        ),
        actor=actor if via == Via.RECRUITER else None,
        actor_type=actor_type,
        interview=locked,
        data={
            "via": str(via),
            "reason": reason_kind,
            "note": note,
            "notice_seconds": int(notice.total_seconds()),
            "sequence": locked.sequence,
            "notify_manager": policy.notify_manager_on_cancellation,
        },
    )
    context = {
        "interview": locked,
        "candidate": candidate,
        "company": company,
        "manager": manager,
        "manager_phone": display_phone(manager.phone) if manager.phone else "",
        "candidate_phone": display_phone(candidate.phone) if candidate.phone else "",
        "when": _local(locked.starts_at, manager.time_zone),
        "candidate_when": _local(locked.starts_at, candidate.time_zone),
        "notice": _hours(notice),
        "late": late,
        "reason": reason_kind,
        "reason_label": reason_label,
        "note": note,
        "email": email,
        "notify_manager": policy.notify_manager_on_cancellation,
    }
    # The tasks are Candidly's doing when the candidate used a link, the recruiter's when they recorded it.
    event_actor = actor if via == Via.RECRUITER else None
    task_actor_type = None if via == Via.RECRUITER else Event.Actor.SYSTEM
    tasks = [
        create_interview_task(
            locked,
            kind=Task.Kind.CANCEL_WITH_COMPANY,
            title=f"Cancel with {company.name}: {candidate.name}, interview round {locked.round}",
            details=render_to_string("hiring/tasks/cancel-with-company.txt", context).strip(),
            # Under 24 hours the company is about to block the slot: that call cannot wait either.
            urgent=late,
            due_at=now,
            actor=event_actor,
            actor_type=task_actor_type,
        )
    ]
    if late:
        tasks.append(
            create_interview_task(
                locked,
                kind=Task.Kind.CALL,
                title=f"Call {candidate.name}: late cancellation of the interview with {company.name}",
                details=render_to_string("hiring/tasks/late-cancellation-call.txt", context).strip(),
                urgent=True,
                due_at=now,
                actor=event_actor,
                actor_type=task_actor_type,
            )
        )
    interview_plan.cancel_interview_touchpoints(
        locked, now=now, notify_manager=policy.notify_manager_on_cancellation
    )
    return CancellationOutcome(
        CancellationResult.LATE_CANCELLATION if late else CancellationResult.CANCELLED_WITH_NOTICE,
        locked,
        notice,
        tasks=tuple(tasks),
        manager_email=email,
        notify_manager=policy.notify_manager_on_cancellation,
    )


class ConfirmationResult(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_STARTED = "already_started"
    NOT_SCHEDULED = "not_scheduled"


@dataclass(frozen=True)
class ConfirmationOutcome:
    result: ConfirmationResult
    interview: Interview

    @property
    def confirmed(self) -> bool:
        """True only for the call that confirmed; a repeat or a refusal is False."""
        return self.result == ConfirmationResult.CONFIRMED


@transaction.atomic
def confirm_interview(
    interview: Interview, *, now: datetime, via: str = Via.LINK, actor: User | None = None
) -> ConfirmationOutcome:
    """The candidate says they will attend: *scheduled* → *confirmed* with an ``interview.confirmed`` Event.

    Idempotent: a confirmed interview stays as it is (``already_confirmed``). Refused without change from
    the start on (``already_started``) and for an interview no longer scheduled (cancelled, marked,
    replaced: ``not_scheduled``). Raises ``ValueError`` like ``cancel_interview_for_candidate`` for ``via``.
    """
    actor_type = _check_via(via, actor)
    locked = _lock_interview(interview)
    if locked.status == Interview.Status.CONFIRMED:
        return ConfirmationOutcome(ConfirmationResult.ALREADY_CONFIRMED, locked)
    if locked.status != Interview.Status.SCHEDULED:
        return ConfirmationOutcome(ConfirmationResult.NOT_SCHEDULED, locked)
    if now >= locked.starts_at:
        return ConfirmationOutcome(ConfirmationResult.ALREADY_STARTED, locked)
    locked.status = Interview.Status.CONFIRMED
    locked.save(update_fields=["status", "updated_at"])
    record_event(
        kind=EVENT_CONFIRMED,
        summary=f"Confirmed they will attend interview round {locked.round}"
        + (" (recorded by the recruiter)" if via == Via.RECRUITER else ""),
        actor=actor if via == Via.RECRUITER else None,
        actor_type=actor_type,
        interview=locked,
        data={"via": str(via)},
    )
    return ConfirmationOutcome(ConfirmationResult.CONFIRMED, locked)


class FollowUpPlan(StrEnum):
    """What the follow-ups engine plans after an outcome is marked (``InterviewOutcome.follow_up``)."""

    # Completed: the post-interview cadences (PRODUCT.md rule 1) for candidate and hiring manager.
    FOLLOW_UP_CADENCE = "follow_up_cadence"
    # No-show: no cadence, a single "we missed you — is everything all right?" message instead.
    MISSED_YOU = "missed_you"


@dataclass(frozen=True)
class InterviewOutcome:
    """What ``mark_interview_outcome`` did. ``follow_up`` is None when nothing changed (a repeat click),
    so a caller that plans from it never plans twice."""

    interview: Interview
    status: str
    changed: bool
    follow_up: FollowUpPlan | None
    closed_tasks: tuple[Task, ...] = ()


@transaction.atomic
def mark_interview_outcome(
    interview: Interview,
    *,
    outcome: str,
    now: datetime,
    actor: User | None,
    actor_type: str | None = None,
    note: str = "",
) -> InterviewOutcome:
    """Record what happened at an interview that has ended: ``completed`` (attended) or ``no_show``.

    Writes an ``interview.completed`` / ``interview.no_show`` Event (the reliability record counts them)
    and closes the interview's open "mark the outcome" tasks; what follows (the cadences, or "we missed
    you" for a no-show) is planned by ``followups.interview_plan.after_interview_outcome``. Marking the
    same outcome again changes nothing (``changed`` False). Raises ``ValidationError`` keyed ``outcome``
    and changes nothing when the outcome is unknown, the interview has not ended yet at ``now``, it was
    cancelled or replaced, or it already carries the other outcome (the record is append-only; it is not
    silently rewritten).
    ``actor`` is None when Candidly or a hiring manager's feedback marks it; ``actor_type`` then says who.
    """
    if outcome not in OUTCOME_STATUSES:
        raise ValidationError({"outcome": f"“{outcome}” is not an interview outcome."})
    locked = _lock_interview(interview)
    if locked.status == outcome:
        return InterviewOutcome(locked, outcome, changed=False, follow_up=None)
    if locked.status in OUTCOME_STATUSES:
        raise ValidationError(
            {"outcome": f"This interview is already marked “{locked.get_status_display()}”."}
        )
    if locked.status not in Interview.UPCOMING_STATUSES:
        raise ValidationError(
            {"outcome": f"This interview is “{locked.get_status_display()}”; there is no outcome to record."}
        )
    if now < locked.ends_at:
        ends = _local(locked.ends_at, locked.time_zone)
        raise ValidationError(
            {
                "outcome": f"The interview has not ended yet (it ends {ends}); "
                "record what happened after it ends."
            }
        )
    locked.status = outcome
    locked.save(update_fields=["status", "updated_at"])
    attended = outcome == Interview.Status.COMPLETED
    closed = close_interview_tasks(
        locked,
        kind=Task.Kind.MARK_INTERVIEW,
        now=now,
        done_by=actor,
        outcome="Marked attended" if attended else "Marked no-show",
    )
    record_event(
        kind=EVENT_COMPLETED if attended else EVENT_NO_SHOW,
        summary=(
            f"Attended interview round {locked.round}"
            if attended
            else f"No-show at interview round {locked.round}: did not attend and did not tell us"
        ),
        actor=actor,
        actor_type=actor_type,
        interview=locked,
        data={"note": note, "closed_tasks": [task.pk for task in closed]},
    )
    follow_up = FollowUpPlan.FOLLOW_UP_CADENCE if attended else FollowUpPlan.MISSED_YOU
    interview_plan.after_interview_outcome(locked, follow_up, now=now)
    return InterviewOutcome(locked, outcome, changed=True, follow_up=follow_up, closed_tasks=tuple(closed))
