"""Follow-up cadences (PRODUCT.md rule 1): what happens after every interview, and when.

Two cadences exist, one per audience: the candidate's (call, email with the three questions, nudge, last
message, the gone-quiet check) and the hiring manager's (feedback request, reminder, escalation). Admins edit
them on ``/settings/cadences/``; :func:`load_cadence` creates the defaults the first time one is read.

:func:`plan_follow_up_cadences` turns both into Touchpoints for one interview. The steps are copied (kind,
channel, due time) into the rows, so editing a cadence changes interviews that end afterwards only. A
``CadenceRun`` row per (interview, audience) is the once-only marker: two triggers racing (the recruiter
marking the interview completed while the worker's sweep finds it ended) plan one cadence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from candidly.accounts.models import AgencySettings, User
from candidly.followups.models import Cadence, CadenceRun, CadenceStep, Feedback, Touchpoint
from candidly.followups.services import hours_for, plan_touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.lib.businesstime import add_business_days, morning_after
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

Kind = Touchpoint.Kind
Audience = Cadence.Audience
Unit = CadenceStep.Unit
StepChannel = CadenceStep.Channel

# An interview still "scheduled" this long after its end passes as completed: its cadences are planned
# (a recruiter who forgets to click "Attended" must not leave the candidate in silence).
PASS_AS_COMPLETED_AFTER = timedelta(minutes=30)
# The sweep looks back this far: older unmarked interviews are the recruiter's to sort out by hand.
SWEEP_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class StepSpec:
    offset: int
    unit: str
    channel: str
    kind: str
    respects_business_hours: bool = True


DEFAULT_STEPS: dict[str, tuple[StepSpec, ...]] = {
    Audience.CANDIDATE: (
        StepSpec(1, Unit.HOURS, StepChannel.CALL, Kind.FOLLOW_UP_CALL),
        StepSpec(3, Unit.HOURS, StepChannel.EMAIL, Kind.FOLLOW_UP_EMAIL),
        StepSpec(1, Unit.BUSINESS_DAYS, StepChannel.WRITTEN, Kind.NUDGE),
        StepSpec(3, Unit.BUSINESS_DAYS, StepChannel.WRITTEN, Kind.LAST_CALL),
        StepSpec(5, Unit.BUSINESS_DAYS, StepChannel.TASK, Kind.GONE_QUIET),
    ),
    Audience.HIRING_MANAGER: (
        StepSpec(1, Unit.HOURS, StepChannel.EMAIL, Kind.FEEDBACK_REQUEST),
        StepSpec(1, Unit.BUSINESS_DAYS, StepChannel.EMAIL, Kind.FEEDBACK_REMINDER),
        StepSpec(2, Unit.BUSINESS_DAYS, StepChannel.TASK, Kind.ESCALATION),
    ),
}

# Which kinds a cadence may hold and on which channels (the settings form enforces it).
AUDIENCE_KINDS: dict[str, tuple[str, ...]] = {
    Audience.CANDIDATE: (
        Kind.FOLLOW_UP_CALL,
        Kind.FOLLOW_UP_EMAIL,
        Kind.NUDGE,
        Kind.LAST_CALL,
        Kind.GONE_QUIET,
    ),
    Audience.HIRING_MANAGER: (Kind.FEEDBACK_REQUEST, Kind.FEEDBACK_REMINDER, Kind.ESCALATION),
}
WRITTEN = (StepChannel.EMAIL, StepChannel.SMS, StepChannel.WRITTEN)
KIND_CHANNELS: dict[str, tuple[str, ...]] = {
    Kind.FOLLOW_UP_CALL: (StepChannel.CALL,),
    Kind.FOLLOW_UP_EMAIL: WRITTEN,
    Kind.NUDGE: WRITTEN,
    Kind.LAST_CALL: WRITTEN,
    Kind.GONE_QUIET: (StepChannel.TASK,),
    # Hiring managers have no phone channel in Candidly: email only.
    Kind.FEEDBACK_REQUEST: (StepChannel.EMAIL,),
    Kind.FEEDBACK_REMINDER: (StepChannel.EMAIL,),
    Kind.ESCALATION: (StepChannel.TASK,),
}
CADENCE_KINDS = frozenset(KIND_CHANNELS)

# Once an interview is one of these, its cadences have nothing left to do.
STOPPED_INTERVIEW_STATUSES = frozenset({Interview.Status.NO_SHOW, *Interview.CANCELLED_STATUSES})


def load_cadence(audience: str) -> Cadence:
    """The cadence for ``audience`` with its steps prefetched; created with the defaults on first use.

    Safe when two processes create it at once: the unique audience decides, the loser reads the winner's
    row (its steps were committed in the same transaction).
    """
    cadence = Cadence.objects.filter(audience=audience).prefetch_related("steps").first()
    if cadence is not None:
        return cadence
    try:
        with transaction.atomic():
            cadence = Cadence.objects.create(audience=audience)
            CadenceStep.objects.bulk_create(
                CadenceStep(
                    cadence=cadence,
                    position=position,
                    offset=spec.offset,
                    unit=spec.unit,
                    channel=spec.channel,
                    kind=spec.kind,
                    respects_business_hours=spec.respects_business_hours,
                )
                for position, spec in enumerate(DEFAULT_STEPS[audience], start=1)
            )
    except IntegrityError:
        pass
    return Cadence.objects.prefetch_related("steps").get(audience=audience)


def step_due_at(
    step: CadenceStep | StepSpec, *, anchor: datetime, person: Candidate | Contact, agency: AgencySettings
) -> datetime:
    """When ``step`` is due for ``person``: hours are plain time after ``anchor`` (moved into business
    hours when planned), business days are counted in the person's zone, at the same local time."""
    if step.unit == Unit.HOURS:
        return anchor + timedelta(hours=step.offset)
    return business_days_after(anchor, step.offset, person=person, agency=agency)


def business_days_after(
    anchor: datetime, days: int, *, person: Candidate | Contact, agency: AgencySettings
) -> datetime:
    """``days`` business days after ``anchor`` in ``person``'s zone, hours and holidays."""
    return add_business_days(anchor, days, person.time_zone, hours_for(person, agency))


def touchpoint_channel(step: CadenceStep | StepSpec, person: Candidate | Contact) -> str | None:
    """The touchpoint channel for ``step`` and ``person``; ``None`` when the step cannot reach them
    (an SMS to someone without a phone number or who texted STOP, or to a contact, falls back to email; a
    call to someone without a number is dropped)."""
    channel = step.channel
    if channel == StepChannel.WRITTEN:
        prefers_sms = isinstance(person, Candidate) and person.prefers_sms
        channel = StepChannel.SMS if prefers_sms else StepChannel.EMAIL
    if channel == StepChannel.SMS and not (isinstance(person, Candidate) and person.accepts_sms):
        channel = StepChannel.EMAIL
    if channel == StepChannel.CALL and not getattr(person, "phone", ""):
        return None  # nothing to dial; the written steps still follow
    return str(channel)


def plan_follow_up_cadences(interview: Interview) -> list[Touchpoint]:
    """Plan the candidate's and the hiring manager's cadences for ``interview``, anchored at its end.

    Exactly once per (interview, audience), also when two callers race: a ``CadenceRun`` row is inserted
    first (its unique constraint decides, inside a savepoint, so a caller's transaction survives a lost
    race) and only the winner plans. Returns the Touchpoints this call planned -- empty when the
    cadences were planned before. Steps are copied from the cadences as they are now. Writes one
    ``followup.planned`` Event per audience planned. Never fails for a person without a phone (call
    steps are left out, SMS falls back to email).
    """
    interview = Interview.objects.select_related(
        "submission__candidate", "submission__role__hiring_manager__company", "submission__role__company"
    ).get(pk=interview.pk)
    submission = interview.submission
    agency = AgencySettings.load()
    now = timezone.now()
    planned: list[Touchpoint] = []
    people: Sequence[tuple[str, Candidate | Contact]] = (
        (Audience.CANDIDATE, submission.candidate),
        (Audience.HIRING_MANAGER, submission.role.hiring_manager),
    )
    with transaction.atomic():
        for audience, person in people:
            cadence = load_cadence(audience)
            run = _start_run(
                interview, audience=audience, person=person, cadence=cadence, agency=agency, now=now
            )
            if run is None:
                continue
            created = _plan_steps(interview, cadence=cadence, person=person, agency=agency)
            planned.extend(created)
            record_event(
                kind=EventKind.FOLLOWUP_PLANNED,
                summary=f"Follow-ups planned for {person.name} after round {interview.round}: "
                + (", ".join(tp.get_kind_display().lower() for tp in created) or "none (empty cadence)"),
                actor_type=Event.Actor.SYSTEM,
                contact=person if isinstance(person, Contact) else None,
                interview=interview,
                data={"audience": audience, "touchpoints": [tp.pk for tp in created]},
            )
    return planned


def _start_run(
    interview: Interview,
    *,
    audience: str,
    person: Candidate | Contact,
    cadence: Cadence,
    agency: AgencySettings,
    now: datetime,
) -> CadenceRun | None:
    """Insert the once-only marker; ``None`` when another planner already did (or is doing) it."""
    respond_by = None
    if isinstance(person, Contact):
        respond_by = business_days_after(
            interview.ends_at, cadence.window_business_days, person=person, agency=agency
        )
    try:
        with transaction.atomic():
            return CadenceRun.objects.create(
                interview=interview,
                audience=audience,
                candidate=person if isinstance(person, Candidate) else None,
                contact=person if isinstance(person, Contact) else None,
                planned_at=now,
                respond_by=respond_by,
                # An outcome marked after the process ended still plans (the candidate hears from us).
                process_open=interview.submission.is_open,
            )
    except IntegrityError:
        # PostgreSQL made us wait for the other planner's commit; its touchpoints exist now.
        return None


def mark_process_runs(submission: Submission) -> int:
    """Copy whether ``submission``'s process is open onto its interviews' cadence runs (``process_open``);
    returns the rows changed. For ``hiring.services.submissions.move_submission``, inside its transaction
    with the submission locked, whenever a process ends or opens again: the one writer of the mark after a
    run's creation, so the lists of feedback still owed (Today, responsiveness) can trust it."""
    is_open = submission.is_open
    return (
        CadenceRun.objects.filter(interview__submission=submission)
        .exclude(process_open=is_open)
        .update(process_open=is_open)
    )


def replan_follow_up_cadences(interview: Interview, *, anchor: datetime, step_base: int) -> list[Touchpoint]:
    """Plan both cadences again after a corrected outcome (a no-show that was in fact attended), anchored at
    ``anchor`` (the correction, when the interview ended earlier) rather than the interview's end.

    Unlike :func:`plan_follow_up_cadences` it also plans when the cadences ran before (then stopped by the
    wrong outcome): the steps are numbered from ``step_base`` (one base per correction), so their keys never
    collide with the first run's. The ``CadenceRun`` markers are created when missing and otherwise kept.
    Returns the Touchpoints planned; writes one ``followup.planned`` Event per audience.
    """
    interview = Interview.objects.select_related(
        "submission__candidate", "submission__role__hiring_manager__company", "submission__role__company"
    ).get(pk=interview.pk)
    submission = interview.submission
    agency = AgencySettings.load()
    planned: list[Touchpoint] = []
    with transaction.atomic():
        for audience, person in (
            (Audience.CANDIDATE, submission.candidate),
            (Audience.HIRING_MANAGER, submission.role.hiring_manager),
        ):
            cadence = load_cadence(audience)
            _start_run(
                interview, audience=audience, person=person, cadence=cadence, agency=agency, now=anchor
            )
            created = _plan_steps(
                interview, cadence=cadence, person=person, agency=agency, anchor=anchor, step_base=step_base
            )
            planned.extend(created)
            record_event(
                kind=EventKind.FOLLOWUP_PLANNED,
                summary=f"Follow-ups planned again for {person.name} after round {interview.round} "
                "(outcome corrected): "
                + (", ".join(tp.get_kind_display().lower() for tp in created) or "none (empty cadence)"),
                actor_type=Event.Actor.SYSTEM,
                contact=person if isinstance(person, Contact) else None,
                interview=interview,
                data={"audience": audience, "touchpoints": [tp.pk for tp in created], "replanned": True},
            )
    return planned


def _plan_steps(
    interview: Interview,
    *,
    cadence: Cadence,
    person: Candidate | Contact,
    agency: AgencySettings,
    anchor: datetime | None = None,
    step_base: int = 0,
) -> list[Touchpoint]:
    created: list[Touchpoint] = []
    for step in cadence.steps.all():
        channel = touchpoint_channel(step, person)
        if channel is None:
            continue
        due_at = step_due_at(step, anchor=anchor or interview.ends_at, person=person, agency=agency)
        if not step.respects_business_hours:
            # Outside business hours is allowed; at night where they are, never (PRODUCT.md rule 1).
            due_at = morning_after(due_at, person.time_zone)
        touchpoint, new = plan_touchpoint(
            person=person,
            kind=step.kind,
            channel=channel,
            due_at=due_at,
            interview=interview,
            submission=interview.submission,
            step=step_base + step.position,
            respects_business_hours=step.respects_business_hours,
            agency=agency,
        )
        if new:
            created.append(touchpoint)
    return created


# Interviews planned per batch of the worker's sweep: each is ~10 rows and Events, about 0.2-0.5 s.
SWEEP_BATCH = 5


def plan_for_ended_interviews(*, now: datetime, limit: int = 200) -> int:
    """The worker's sweep: plan cadences for interviews that ended at least ``PASS_AS_COMPLETED_AFTER``
    ago (within ``SWEEP_LOOKBACK``), still scheduled or confirmed, with nothing planned yet; at most
    ``limit`` of them (the oldest first).

    Returns how many interviews got cadences. Idempotent and safe in several workers at once (see
    :func:`plan_follow_up_cadences`); an interview failing to plan is logged by the caller's loop and
    retried on the next sweep.
    """
    return sum(_plan(pk) for pk in _ended_unplanned(now=now, after=None, limit=limit))


def ended_interview_batches(now: datetime, stop_requested: Callable[[], bool]) -> Iterator[int]:
    """The sweep in bounded batches of :data:`SWEEP_BATCH` interviews, keyset over (end, id): yields how
    many interviews each batch gave cadences. Stops early between batches when ``stop_requested()``."""
    after: tuple[datetime, int] | None = None
    while True:
        batch = _ended_unplanned(now=now, after=after, limit=SWEEP_BATCH)
        if not batch:
            return
        yield sum(_plan(pk) for pk in batch)
        if len(batch) < SWEEP_BATCH or stop_requested():
            return
        after = Interview.objects.values_list("ends_at", "pk").get(pk=batch[-1])


def _ended_unplanned(*, now: datetime, after: tuple[datetime, int] | None, limit: int) -> list[int]:
    ended = Interview.objects.filter(
        status__in=Interview.UPCOMING_STATUSES,
        ends_at__lte=now - PASS_AS_COMPLETED_AFTER,
        ends_at__gt=now - SWEEP_LOOKBACK,
        submission__stage__in=Submission.OPEN_STAGES,
    ).exclude(cadence_runs__isnull=False)
    if after is not None:
        ended = ended.filter(Q(ends_at__gt=after[0]) | Q(ends_at=after[0], pk__gt=after[1]))
    return list(ended.order_by("ends_at", "pk").values_list("pk", flat=True)[:limit])


def _plan(pk: int) -> int:
    return 1 if plan_follow_up_cadences(Interview(pk=pk)) else 0


def reason_to_stop(touchpoint: Touchpoint) -> str:
    """Why a claimed cadence step must not run any more (empty when it may): the interview turned out a
    no-show or was cancelled, or the process ended. Other kinds always may run.

    Reads the interview and submission loaded with the claimed batch (no query of its own): they were
    read right after the claim, so they are as fresh as the claim itself.
    """
    if touchpoint.kind not in CADENCE_KINDS:
        return ""
    interview, submission = touchpoint.interview, touchpoint.submission
    if interview is not None and interview.status in STOPPED_INTERVIEW_STATUSES:
        return f"The interview is now “{interview.get_status_display().lower()}”."
    if submission is not None and not submission.is_open:
        return f"The process has ended ({submission.get_stage_display().lower()})."
    return ""


# --- the settings page's service -----------------------------------------------------------------------


@dataclass(frozen=True)
class StepChange:
    offset: int
    unit: str
    channel: str
    kind: str
    respects_business_hours: bool


@transaction.atomic
def update_cadence(
    cadence: Cadence, *, steps: Sequence[StepChange], window_business_days: int | None = None, actor: User
) -> Cadence:
    """Replace ``cadence``'s steps with ``steps`` (in that order) and write a ``cadence.updated`` Event.

    Interviews already planned keep their touchpoints; the new steps apply to interviews whose cadences
    are planned from now on. Raises ``PermissionDenied`` unless ``actor`` is an admin and ``ValueError``
    for a kind or channel the audience cannot use (the form checks both first); nothing is saved then.
    """
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can change the cadences.")
    for step in steps:
        if step.kind not in AUDIENCE_KINDS[cadence.audience] or step.channel not in KIND_CHANNELS[step.kind]:
            raise ValueError(
                f"{step.kind} by {step.channel} is not a step of the {cadence.audience} cadence."
            )
    locked = Cadence.objects.select_for_update().get(pk=cadence.pk)
    before = [str(step) for step in locked.steps.order_by("position")]
    locked.steps.all().delete()
    CadenceStep.objects.bulk_create(
        CadenceStep(cadence=locked, position=position, **vars(step)) for position, step in enumerate(steps, 1)
    )
    if window_business_days is not None:
        locked.window_business_days = window_business_days
    locked.updated_by = actor
    locked.save(update_fields=["window_business_days", "updated_by", "updated_at"])
    after = [str(step) for step in locked.steps.order_by("position")]
    record_event(
        kind=EventKind.CADENCE_UPDATED,
        summary=f"{locked} changed: {len(after)} step(s)",
        actor=actor,
        data={"audience": locked.audience, "before": before, "after": after},
    )
    return Cadence.objects.prefetch_related("steps").get(pk=locked.pk)


# --- the recruiter's "remind now" (Today page) ----------------------------------------------------------

# Extra reminders a recruiter asks for are numbered from here, clear of the cadence's own step numbers.
EXTRA_REMINDER_STEPS = 100


def remind_manager_now(run: CadenceRun, *, actor: User, now: datetime) -> Touchpoint | None:
    """Queue one more feedback reminder to the hiring manager of ``run``, due now (the worker sends it in
    their business hours), with an Event. Returns the reminder, or ``None`` when they have answered.

    A reminder already queued and not yet sent is returned instead of a second one (a double click).
    """
    if run.audience != Audience.HIRING_MANAGER or run.contact is None:
        raise ValueError("Only a hiring manager's cadence has feedback reminders.")
    with transaction.atomic():
        run = (
            CadenceRun.objects.select_for_update(of=("self",))
            .select_related("contact", "interview")
            .get(pk=run.pk)
        )
        if run.responded_at is not None:
            return None
        extra = Touchpoint.objects.filter(
            contact=run.contact,
            interview=run.interview,
            kind=Kind.FEEDBACK_REMINDER,
            step__gte=EXTRA_REMINDER_STEPS,
        )
        waiting = extra.filter(status=Touchpoint.Status.PLANNED).first()
        if waiting is not None:
            return waiting
        assert run.contact is not None
        touchpoint, _ = plan_touchpoint(
            person=run.contact,
            kind=Kind.FEEDBACK_REMINDER,
            channel=Touchpoint.Channel.EMAIL,
            due_at=now,
            interview=run.interview,
            step=EXTRA_REMINDER_STEPS + extra.count(),
        )
        record_event(
            kind=EventKind.FOLLOWUP_REMINDER_REQUESTED,
            summary=f"Extra feedback reminder to {run.contact.name} queued",
            actor=actor,
            contact=run.contact,
            interview=run.interview,
            data={"touchpoint": touchpoint.pk},
        )
    return touchpoint


# --- the rest of the panel --------------------------------------------------------------------------------


def ask_interviewer_for_feedback(
    interview: Interview, contact: Contact, *, actor: User, now: datetime
) -> Touchpoint:
    """Ask an interviewer on the panel other than the hiring manager (whose cadence asks them already) for
    their verdict: a feedback request by email, due now (the worker sends it in their business hours), and
    a ``followup.feedback_requested`` Event. Asking again after the request went queues a reminder.

    Raises ``ValidationError`` and plans nothing when ``contact`` is not on the panel or is the hiring
    manager, when the interview has not ended or did not take place, or when they have answered already.
    """
    with transaction.atomic():
        locked = (
            Interview.objects.select_for_update(of=("self",))
            .select_related("submission__role__company", "submission__candidate")
            .get(pk=interview.pk)
        )
        manager_id = locked.submission.role.hiring_manager_id
        if contact.pk == manager_id or not locked.interviewers.filter(pk=contact.pk).exists():
            raise ValidationError(f"{contact.name} is not one of the other interviewers of this round.")
        if now < locked.ends_at or locked.status in STOPPED_INTERVIEW_STATUSES:
            raise ValidationError("Feedback can be asked for once the interview has taken place.")
        if Feedback.objects.filter(interview=locked, contact=contact).exists():
            raise ValidationError(f"{contact.name} has already given feedback.")
        earlier = Touchpoint.objects.filter(
            interview=locked, contact=contact, kind=Kind.FEEDBACK_REQUEST
        ).first()
        if earlier is not None and earlier.status == Touchpoint.Status.PLANNED:
            return earlier
        kind = Kind.FEEDBACK_REQUEST if earlier is None else Kind.FEEDBACK_REMINDER
        step = (
            0
            if earlier is None
            else EXTRA_REMINDER_STEPS
            + Touchpoint.objects.filter(
                interview=locked, contact=contact, kind=Kind.FEEDBACK_REMINDER
            ).count()
        )
        touchpoint, _ = plan_touchpoint(
            person=contact,
            kind=kind,
            channel=Touchpoint.Channel.EMAIL,
            due_at=now,
            interview=locked,
            step=step,
        )
        record_event(
            kind=EventKind.FOLLOWUP_FEEDBACK_REQUESTED,
            summary=f"{actor} asked {contact.name} for feedback on round {locked.round}"
            + (" again" if earlier is not None else ""),
            actor=actor,
            contact=contact,
            interview=locked,
            data={"touchpoint": touchpoint.pk},
        )
    return touchpoint
