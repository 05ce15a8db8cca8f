"""What people hear about an interview, planned as touchpoints, and replanned when the interview changes.

The hiring services call in here from the same transaction as the change (``hiring/services.py``):

- **Booked** (:func:`plan_interview_touchpoints`): a confirmation with the calendar invite (by email), a
  reminder the day before and a reminder 2 h before the start (by SMS for a candidate who prefers it).
- **Moved or changed** (:func:`replan_interview_touchpoints`, any change that raised ``Interview.sequence``):
  the planned messages of the old version are skipped with the reason, and the set is planned again for
  the new version (an updated invite: same UID, higher SEQUENCE).
- **Cancelled** (:func:`cancel_interview_touchpoints`): every planned touchpoint of the interview is
  skipped; the candidate gets the METHOD:CANCEL invite and, when the agency enabled it, the hiring manager
  a polite cancellation email.
- **Marked** (:func:`after_interview_outcome`): a no-show replaces the candidate's follow-up cadence with a
  single "we missed you" message; an attended interview starts the cadences (``followups.cadences``).
- **Not marked** (:func:`sweep_unmarked_interviews`, run by the worker): the next business day the recruiter
  gets a task "Mark the interview's outcome".

Times, in the candidate's own zone and the agency's business hours (:func:`day_before_reminder_due`):

- The **confirmation** goes now, or at the next opening of business hours if it is night or a weekend where
  the candidate is -- unless that opening comes later than 2 h before the start; then it goes now.
- The **2-hour reminder** is logistics: exactly 2 h before the start, on any day -- but never at night where
  the candidate is (``lib.businesstime.is_night``, 21:00 to 08:00). The reminder of an 08:00 interview
  goes the evening before (30 minutes before the night starts), or is *folded* into another message: left
  out when the day-before reminder went that same day, or when the confirmation went less than 3 h before.
- The **day-before reminder** aims at 24 h before the start. If that moment is in business hours it goes
  then. Otherwise it goes at whichever is nearer to the aim (the earlier on a tie): the end of the last
  business day before the aim (30 minutes before closing) or the next opening after it -- the opening only
  if it is still at least 2 h before the start, so it never collides with the 2-hour reminder. It is left
  out when it would go less than 3 h after planning: the confirmation just said the same.

Logistics are *pinned* (``respects_business_hours=False``) at the time chosen here: the worker must not
push a reminder chosen for 17:30 past the interview because it ran a minute late. Each row's ``step`` is
``sequence * 10 + slot``, so the idempotency keys of an interview's versions never collide, and the worker
can tell a message of an older version (:func:`reason_no_longer_applies`) and not send it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from candidly.accounts.models import AgencySettings
from candidly.followups.cadences import plan_follow_up_cadences, replan_follow_up_cadences
from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import business_moment, hours_for, plan_touchpoint
from candidly.followups.skips import skip_touchpoints
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview
from candidly.hiring.rules import FollowUpPlan
from candidly.lib.businesstime import (
    BusinessHours,
    evening_before,
    is_business_moment,
    is_night,
    next_business_moment,
)
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

Kind = Touchpoint.Kind
Status = Touchpoint.Status

DAY_BEFORE = timedelta(hours=24)
LAST_REMINDER = timedelta(hours=2)
# Sent this long before closing time, so a worker running a little late still lands in business hours.
CLOSING_MARGIN = timedelta(minutes=30)
# A day-before reminder this close to the confirmation repeats it: leave it out.
AFTER_CONFIRMATION = timedelta(hours=3)
# The newest unmarked interviews a sweep looks at; the next sweep takes the rest.
SWEEP_LIMIT = 100
# Interviews per batch of the whole sweep (unmarked_interview_batches): a batch takes a second or two.
SWEEP_BATCH = 10

LOGISTICS_KINDS = frozenset({Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_REMINDER})
CANCELLATION_KINDS = frozenset({Kind.INTERVIEW_CANCELLED, Kind.MANAGER_CANCELLATION})
# The Events hiring.services.cancel_interview_for_candidate writes (their data holds the reason).
CANCELLATION_EVENT_KINDS = (EventKind.INTERVIEW_CANCELLED_WITH_NOTICE, EventKind.INTERVIEW_LATE_CANCELLATION)


class Slot(IntEnum):
    """The last digit of a logistics touchpoint's ``step``: which message of the interview's version."""

    CONFIRMATION = 0
    DAY_BEFORE_REMINDER = 1
    LAST_REMINDER = 2
    CANCELLATION = 3


def logistics_step(sequence: int, slot: Slot) -> int:
    """The ``step`` of ``slot`` for the interview's version ``sequence`` (its iCalendar SEQUENCE)."""
    return sequence * 10 + slot


def step_sequence(step: int) -> int:
    """The interview version (``Interview.sequence``) a logistics touchpoint was planned for."""
    return step // 10


@dataclass(frozen=True)
class Replan:
    """What a replanning did: the touchpoints it skipped and the ones it planned."""

    skipped: tuple[Touchpoint, ...] = ()
    planned: tuple[Touchpoint, ...] = ()


# --- times ---------------------------------------------------------------------------------------------


def last_closing_before(at: datetime, zone: str, hours: BusinessHours) -> datetime | None:
    """``CLOSING_MARGIN`` before the end of the last business window that closes before ``at``, in UTC.

    ``None`` when no business day lies in the two weeks before ``at`` (hours that never open).
    """
    tz = zoneinfo.ZoneInfo(zone)
    day: date = at.astimezone(tz).date()
    for _ in range(15):
        if hours.is_business_day(day):
            opening = datetime.combine(day, hours.start, tzinfo=tz)
            # Same-zone arithmetic is wall-clock: 18:00 - 30 min is 17:30 local, whatever the offset.
            moment = max(datetime.combine(day, hours.end, tzinfo=tz) - CLOSING_MARGIN, opening)
            if moment < at and is_business_moment(moment, zone, hours):
                return moment.astimezone(UTC)
        day -= timedelta(days=1)
    return None


def day_before_reminder_due(
    starts_at: datetime, *, zone: str, hours: BusinessHours, now: datetime
) -> datetime | None:
    """When the day-before reminder goes (see the module docstring), or ``None`` when there is none."""
    aim = starts_at - DAY_BEFORE
    if is_business_moment(aim, zone, hours):
        options = [aim]
    else:
        options = []
        opening = next_business_moment(aim, zone, hours)
        if opening <= starts_at - LAST_REMINDER:
            options.append(opening)
        closing = last_closing_before(aim, zone, hours)
        if closing is not None:
            options.append(closing)
    options = [moment for moment in options if moment >= now + AFTER_CONFIRMATION]
    return min(options, key=lambda moment: (abs(moment - aim), moment), default=None)


def last_reminder_due(
    starts_at: datetime, *, zone: str, day_before: datetime | None, now: datetime, confirmation: bool = True
) -> datetime | None:
    """When the 2-hour reminder goes (see the module docstring), or ``None`` when there is none.
    ``confirmation`` says a confirmation is planned along with it (it may fold the reminder in)."""
    aim = starts_at - LAST_REMINDER
    if aim <= now:
        return None
    if not is_night(aim, zone):
        return aim
    evening = evening_before(aim, zone, margin=CLOSING_MARGIN)
    tz = zoneinfo.ZoneInfo(zone)
    if day_before is not None and day_before.astimezone(tz).date() == evening.astimezone(tz).date():
        return None  # folded: that day's reminder already said "tomorrow at …"
    if confirmation and evening < now + AFTER_CONFIRMATION:
        return None  # folded into the confirmation, which is going now
    return evening if evening >= now else None


def _soon_in_hours(
    person: Candidate | Contact, *, now: datetime, deadline: datetime, agency: AgencySettings
) -> datetime:
    """``now`` moved into ``person``'s business hours, unless that is after ``deadline``: then ``now``."""
    moment = business_moment(now, person, agency=agency)
    return moment if moment <= deadline else now


# --- planning ------------------------------------------------------------------------------------------


def _plan_logistics(
    interview: Interview,
    person: Candidate | Contact,
    kind: str,
    slot: Slot,
    due_at: datetime,
    channel: str = Touchpoint.Channel.EMAIL,
) -> Touchpoint | None:
    touchpoint, created = plan_touchpoint(
        person=person,
        kind=kind,
        channel=channel,
        due_at=due_at,
        interview=interview,
        step=logistics_step(interview.sequence, slot),
        respects_business_hours=False,
    )
    return touchpoint if created else None


def plan_interview_touchpoints(
    interview: Interview,
    *,
    now: datetime,
    confirmation: bool = True,
    agency: AgencySettings | None = None,
) -> list[Touchpoint]:
    """Plan the confirmation (unless ``confirmation=False``) and both reminders for the interview's current
    version; return the touchpoints this call created.

    Idempotent: a second call for the same version plans nothing more. Plans nothing for an interview that
    is not upcoming or has started. Reads the interview's submission and candidate. Call it inside the
    transaction that booked or changed the interview.
    """
    if not interview.is_upcoming or interview.starts_at <= now:
        return []
    agency = agency or AgencySettings.load()
    candidate = interview.submission.candidate
    starts_at = interview.starts_at
    wanted: list[tuple[str, Slot, datetime]] = []
    if confirmation:
        due = _soon_in_hours(candidate, now=now, deadline=starts_at - LAST_REMINDER, agency=agency)
        wanted.append((Kind.INTERVIEW_CONFIRMATION, Slot.CONFIRMATION, due))
    day_before = day_before_reminder_due(
        starts_at, zone=candidate.time_zone, hours=hours_for(candidate, agency), now=now
    )
    if day_before is not None:
        wanted.append((Kind.INTERVIEW_REMINDER, Slot.DAY_BEFORE_REMINDER, day_before))
    last = last_reminder_due(
        starts_at, zone=candidate.time_zone, day_before=day_before, now=now, confirmation=confirmation
    )
    if last is not None:
        wanted.append((Kind.INTERVIEW_REMINDER, Slot.LAST_REMINDER, last))
    # The confirmation carries the calendar invite: always email. Reminders go the way the candidate reads.
    reminders = Touchpoint.Channel.SMS if candidate.prefers_sms else Touchpoint.Channel.EMAIL
    planned = [
        _plan_logistics(
            interview,
            candidate,
            kind,
            slot,
            due,
            channel=reminders if kind == Kind.INTERVIEW_REMINDER else Touchpoint.Channel.EMAIL,
        )
        for kind, slot, due in wanted
    ]
    return [touchpoint for touchpoint in planned if touchpoint is not None]


def skip_planned(
    interview: Interview,
    *,
    reason: str,
    now: datetime,
    kinds: Iterable[str] | None = None,
    candidate_only: bool = False,
    before_sequence: int | None = None,
) -> list[Touchpoint]:
    """Skip the interview's still-planned touchpoints (optionally only some kinds, only the candidate's,
    only logistics of versions before ``before_sequence``); return the rows this call skipped.

    Conditional on ``status='planned'``, the condition the worker claims on: a row is either claimed or
    skipped, never both. A row already claimed is stopped at perform time (:func:`reason_no_longer_applies`).
    Records one ``touchpoint.skipped`` Event for the lot when it skipped any (``followups.skips``).
    """
    rows = Touchpoint.objects.filter(interview=interview, status=Status.PLANNED)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if candidate_only:
        rows = rows.filter(candidate_id=interview.submission.candidate_id)
    if before_sequence is not None:
        rows = rows.filter(step__lt=before_sequence * 10)
    return skip_touchpoints(rows, reason=reason, now=now, record_on=interview)


def replan_interview_touchpoints(interview: Interview, *, now: datetime) -> Replan:
    """After a change that raised ``interview.sequence``: skip the older versions' planned logistics and
    plan the new version's (an updated confirmation with the new invite, and the reminders for the new
    time). Reminders whose moment has passed are not planned again."""
    skipped = skip_planned(
        interview,
        reason="The interview changed (new time or place); the messages for the new details replace these.",
        now=now,
        kinds=LOGISTICS_KINDS,
        before_sequence=interview.sequence,
    )
    return Replan(skipped=tuple(skipped), planned=tuple(plan_interview_touchpoints(interview, now=now)))


def cancel_interview_touchpoints(interview: Interview, *, now: datetime, notify_manager: bool) -> Replan:
    """After a cancellation: skip every planned touchpoint of the interview, plan the candidate's
    METHOD:CANCEL email and, with ``notify_manager``, the hiring manager's polite cancellation email.

    Both go soon, in the recipient's business hours unless that would be after the start. Idempotent per
    version (a repeat plans nothing more).
    """
    skipped = skip_planned(interview, reason="The interview was cancelled.", now=now)
    agency = AgencySettings.load()
    submission = interview.submission
    people: list[tuple[Candidate | Contact, str]] = [(submission.candidate, Kind.INTERVIEW_CANCELLED)]
    if notify_manager:
        people.append((submission.role.hiring_manager, Kind.MANAGER_CANCELLATION))
    planned = []
    for person, kind in people:
        due = _soon_in_hours(person, now=now, deadline=interview.starts_at, agency=agency)
        touchpoint = _plan_logistics(interview, person, kind, Slot.CANCELLATION, due)
        if touchpoint is not None:
            planned.append(touchpoint)
    return Replan(skipped=tuple(skipped), planned=tuple(planned))


def after_interview_outcome(
    interview: Interview, follow_up: FollowUpPlan | None, *, now: datetime
) -> list[Touchpoint]:
    """Plan what follows a recorded outcome (``InterviewOutcome.follow_up``); return what was planned.

    - ``None`` (nothing changed, e.g. a second click): nothing.
    - ``missed_you`` (no-show): the candidate's planned touchpoints for the interview (their follow-up
      cadence, if any) are skipped, and one "we missed you" email is planned, due now in their business
      hours.
    - ``follow_up_cadence`` (attended): the cadences (``followups.cadences.plan_follow_up_cadences``).
    Either way, reminders still planned for the interview are skipped: it is over.
    """
    if follow_up is None:
        return []
    skip_planned(interview, reason="The interview is over.", now=now, kinds=LOGISTICS_KINDS)
    if follow_up == FollowUpPlan.MISSED_YOU:
        skip_planned(
            interview,
            reason="No-show: a single “we missed you” message replaces the follow-up cadence.",
            now=now,
            candidate_only=True,
        )
        touchpoint, created = plan_touchpoint(
            person=interview.submission.candidate,
            kind=Kind.MISSED_YOU,
            channel=Touchpoint.Channel.EMAIL,
            due_at=now,
            interview=interview,
        )
        return [touchpoint] if created else []
    if follow_up == FollowUpPlan.FOLLOW_UP_CADENCE:
        return plan_follow_up_cadences(interview)
    return []


# Steps planned again after the n-th correction of an outcome start at n x this (clear of the first run's).
CORRECTION_STEPS = 1000


def after_correction(interview: Interview, *, now: datetime, corrections: int) -> list[Touchpoint]:
    """Re-plan what people hear after a recruiter corrected a recorded outcome (``interview.status`` is the
    corrected one); return the touchpoints planned. ``corrections`` counts this interview's corrections,
    this one included (it numbers the steps planned again).

    - **attended**: "we missed you" is skipped if it has not gone; both cadences are planned again,
      anchored at the later of the interview's end and ``now`` (:func:`cadences.replan_follow_up_cadences`).
    - **no-show**: everything still planned or with the recruiter (a follow-up call) is skipped, for the
      candidate and the hiring manager; the candidate gets "we missed you" unless one is sent or waiting.
    - **a cancellation kind**: everything still planned is skipped but the calendar cancellation; nothing new
      is sent (the record changes).
    """
    reason = f"The outcome was corrected to “{interview.get_status_display().lower()}”."
    rows = Touchpoint.objects.filter(interview=interview)
    if interview.status == Interview.Status.COMPLETED:
        skip_touchpoints(rows.filter(kind=Kind.MISSED_YOU), reason=reason, now=now, record_on=interview)
        anchor = max(interview.ends_at, now)
        return replan_follow_up_cadences(interview, anchor=anchor, step_base=CORRECTION_STEPS * corrections)
    no_show = interview.status == Interview.Status.NO_SHOW
    # The calendar cancellation of a cancelled interview still goes, whichever kind of cancellation it was.
    skip_touchpoints(
        rows.exclude(kind__in=[Kind.MISSED_YOU, *CANCELLATION_KINDS]),
        reason=reason,
        now=now,
        include_due=True,
        task_outcome=reason,
        record_on=interview,
    )
    if not no_show:
        return []
    # "We missed you" once: not again if one is sent or on its way (a no-show, corrected, and back again).
    if rows.filter(kind=Kind.MISSED_YOU).exclude(status__in=(Status.SKIPPED, Status.FAILED)).exists():
        return []
    touchpoint, created = plan_touchpoint(
        person=interview.submission.candidate,
        kind=Kind.MISSED_YOU,
        channel=Touchpoint.Channel.EMAIL,
        due_at=now,
        interview=interview,
        step=CORRECTION_STEPS * corrections,
    )
    return [touchpoint] if created else []


def cancellation_reason(interview: Interview) -> str:
    """Why the interview was cancelled (a ``CancellationReason`` value: ``reschedule`` or
    ``not_interested``), read from its cancellation Event; ``reschedule`` when there is none (the kinder
    default: nobody gave up on anything)."""
    data = (
        Event.objects.filter(interview=interview, kind__in=CANCELLATION_EVENT_KINDS)
        .order_by("-occurred_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    return str((data or {}).get("reason") or "reschedule")


@dataclass(frozen=True)
class VersionChange:
    """Why an interview's version ``sequence`` exists, as its ``interview.rescheduled`` / ``updated`` Event
    says: the company asked for it, and the candidate must confirm the new time again."""

    by_company: bool = False
    reconfirm: bool = False


def version_change(interview: Interview, sequence: int) -> VersionChange:
    """What changed to make ``interview``'s version ``sequence`` (``hiring.services.interviews`` records it);
    the defaults for the first version or a change made before these were recorded."""
    data = (
        Event.objects.filter(
            interview=interview,
            kind__in=(EventKind.INTERVIEW_RESCHEDULED, EventKind.INTERVIEW_UPDATED),
            data__sequence=sequence,
        )
        .order_by("-occurred_at", "-id")
        .values_list("data", flat=True)
        .first()
    ) or {}
    return VersionChange(by_company=bool(data.get("by_company")), reconfirm=bool(data.get("reconfirm")))


# --- at perform time -----------------------------------------------------------------------------------


def reason_no_longer_applies(touchpoint: Touchpoint, *, now: datetime) -> str:
    """Why an interview's message must not go out any more, or ``""`` when it still applies.

    The worker may have claimed a row just before the interview changed, so this is checked again right
    before sending; ``touchpoint.interview`` must be fresh from the database (status, times, sequence).
    Logistics stop once the interview is off, has started, or changed since they were planned (the newer
    version's messages replace them); cancellation messages need a cancelled interview. (A no-show is
    final, so "we missed you" always still applies.)
    """
    interview = touchpoint.interview
    if interview is None:
        return ""
    kind = touchpoint.kind
    if kind in LOGISTICS_KINDS:
        if not interview.is_upcoming:
            return "The interview is no longer on; the logistics message was not sent."
        if interview.starts_at <= now:
            return "The interview has already started; the logistics message was not sent."
        if step_sequence(touchpoint.step) < interview.sequence:
            return "The interview changed after this was planned; a message with the new details replaces it."
    elif kind in CANCELLATION_KINDS and interview.status not in Interview.CANCELLED_STATUSES:
        return "The interview is not cancelled; the cancellation message was not sent."
    return ""


# --- interviews nobody marked --------------------------------------------------------------------------


def _recruiter_zone(interview: Interview) -> str:
    recruiter = interview.submission.responsible_recruiter
    return recruiter.time_zone if recruiter is not None else settings.CANDIDLY_DEFAULT_TIME_ZONE


def mark_task_due(interview: Interview, *, agency: AgencySettings) -> datetime:
    """The opening of the first business day after the interview's end, in its recruiter's zone."""
    zone = _recruiter_zone(interview)
    tz = zoneinfo.ZoneInfo(zone)
    next_day = interview.ends_at.astimezone(tz).date() + timedelta(days=1)
    midnight = datetime.combine(next_day, datetime.min.time(), tzinfo=tz)
    return next_business_moment(midnight, zone, agency.business_hours())


def sweep_unmarked_interviews(
    *, now: datetime, after: tuple[datetime, int] | None = None, limit: int = SWEEP_LIMIT
) -> list[Task]:
    """Give the recruiter a "Mark the interview's outcome" task for each interview that ended, still says
    scheduled or confirmed, and whose next business day has come; return the tasks created.

    Looks at ``limit`` such interviews without a task, the earliest ended first (after ``after``, an
    (end, id) position of an earlier batch). One task per interview ever (a done or cancelled one counts):
    a sweep repeated, or run by several workers at once, creates no second one -- each interview is
    re-checked under its row lock (PostgreSQL skips rows another worker holds). Cheap when there is
    nothing to do: one indexed query.
    """
    return _sweep_batch(_waiting(now=now, after=after, limit=limit), now=now)


def unmarked_interview_batches(now: datetime, stop_requested: Callable[[], bool]) -> Iterator[int]:
    """The sweep over every unmarked interview in bounded batches of :data:`SWEEP_BATCH`, keyset over
    (end, id) so no batch reads again what an earlier one did: yields how many tasks each batch created.
    Stops early between batches when ``stop_requested()`` says so."""
    after: tuple[datetime, int] | None = None
    while True:
        waiting = _waiting(now=now, after=after, limit=SWEEP_BATCH)
        if not waiting:
            return
        yield len(_sweep_batch(waiting, now=now))
        if len(waiting) < SWEEP_BATCH or stop_requested():
            return
        after = (waiting[-1].ends_at, waiting[-1].pk)


def _has_task() -> Exists:
    return Exists(Task.objects.filter(interview=OuterRef("pk"), kind=Task.Kind.MARK_INTERVIEW))


def _waiting(*, now: datetime, after: tuple[datetime, int] | None, limit: int) -> list[Interview]:
    waiting = Interview.objects.filter(status__in=Interview.UPCOMING_STATUSES, ends_at__lte=now).exclude(
        _has_task()
    )
    if after is not None:
        waiting = waiting.filter(Q(ends_at__gt=after[0]) | Q(ends_at=after[0], pk__gt=after[1]))
    return list(
        waiting.select_related(
            "submission__candidate__recruiter",
            "submission__recruiter",
            "submission__role__company",
            "submission__role__recruiter",
        ).order_by("ends_at", "pk")[:limit]
    )


def _sweep_batch(waiting: list[Interview], *, now: datetime) -> list[Task]:
    if not waiting:
        return []
    agency = AgencySettings.load()
    created: list[Task] = []
    for interview in waiting:
        due = mark_task_due(interview, agency=agency)
        if due > now:
            continue
        with transaction.atomic():
            locked = (
                Interview.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=interview.pk, status__in=Interview.UPCOMING_STATUSES)
                .exclude(_has_task())
                .first()
            )
            if locked is None:
                continue
            submission = interview.submission
            candidate, company = submission.candidate, submission.role.company
            ended = interview.ends_at.astimezone(zoneinfo.ZoneInfo(_recruiter_zone(interview)))
            created.append(
                create_task(
                    interview=interview,
                    kind=Task.Kind.MARK_INTERVIEW,
                    title=f"Mark the interview's outcome: {candidate.name} with {company.name}, "
                    f"round {interview.round}",
                    details=f"The interview ended {ended:%A %d %B at %H:%M} ({ended.tzname()}) and nobody "
                    "recorded whether the candidate attended. Mark it “Attended” or “No-show” from the "
                    "interview page: that starts the follow-ups or the “we missed you” message.",
                    urgent=False,
                    due_at=due,
                    actor=None,
                    actor_type=Event.Actor.SYSTEM,
                )
            )
    return created
