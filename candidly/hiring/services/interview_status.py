"""An interview's status changes here only: one service per change, each writing the Event the
reliability record counts (``hiring/reliability.py``) and re-planning what people hear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string

from candidly.accounts.models import AgencySettings, User
from candidly.followups import interview_plan
from candidly.followups.models import Task, Touchpoint
from candidly.followups.tasks import close_interview_tasks, create_task
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason, CancellationTiming, FollowUpPlan, classify_cancellation
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.lib.phones import display_phone
from candidly.messaging.prepared import PreparedEmail, local_moment, prepare_manager_cancellation_email
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

# --- Confirmations, cancellations and outcomes ------------------------------------------------------
#
# These services change an interview's status. Each writes one Event whose kind the reliability record
# counts (``hiring/reliability.py``), so the record and the timeline can never disagree.


OUTCOME_STATUSES = (Interview.Status.COMPLETED, Interview.Status.NO_SHOW)


class Via(StrEnum):
    """How the candidate reached us: their signed link, their calendar app's answer to the invite (an iTIP
    REPLY to their own reply address, ``messaging.calendar_replies``), or a recruiter recording what they
    said."""

    LINK = "link"
    CALENDAR = "calendar"
    RECRUITER = "recruiter"


class CancellationResult(StrEnum):
    CANCELLED_WITH_NOTICE = "cancelled_with_notice"
    LATE_CANCELLATION = "late_cancellation"
    # Refusals and repeats: nothing was changed.
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_STARTED = "already_started"
    NOT_SCHEDULED = "not_scheduled"


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
    if via in (Via.LINK, Via.CALENDAR):
        return Event.Actor.CANDIDATE
    if via == Via.RECRUITER:
        if actor is None:
            raise ValueError("A recruiter acting for the candidate must be given as actor.")
        return None
    raise ValueError(f"Unknown via {via!r}; use 'link' or 'recruiter'.")


def _via_note(via: str, *, calendar_answer: str) -> str:
    """How the timeline says who acted, after the summary: nothing for the candidate's own link."""
    if via == Via.RECRUITER:
        return " (recorded by the recruiter)"
    if via == Via.CALENDAR:
        return f" ({calendar_answer} the calendar invite)"
    return ""


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
    if locked.status in Interview.CANCELLED_STATUSES:
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
    recruiter = submission.responsible_recruiter
    reason_label = CancellationReason(reason_kind).label
    email = prepare_manager_cancellation_email(locked, reason=reason_kind, recruiter=recruiter)
    record_event(
        kind=EventKind.INTERVIEW_LATE_CANCELLATION if late else EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
        summary=(
            f"{'Late cancellation' if late else 'Cancelled with notice'} of interview round {locked.round}, "
            f"{_hours(notice)} before the start: {reason_label.lower()}"
            + _via_note(via, calendar_answer="declined")
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
    # An outcome: the candidate is no longer *new* in the talent pool.
    refresh_pool_figures([candidate.pk])
    context = {
        "interview": locked,
        "candidate": candidate,
        "company": company,
        "manager": manager,
        "manager_phone": display_phone(manager.phone) if manager.phone else "",
        "candidate_phone": display_phone(candidate.phone) if candidate.phone else "",
        "when": local_moment(locked.starts_at, manager.time_zone),
        "candidate_when": local_moment(locked.starts_at, candidate.time_zone),
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
        create_task(
            interview=locked,
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
            create_task(
                interview=locked,
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
        kind=EventKind.INTERVIEW_CONFIRMED,
        summary=f"Confirmed they will attend interview round {locked.round}"
        + _via_note(via, calendar_answer="accepted"),
        actor=actor if via == Via.RECRUITER else None,
        actor_type=actor_type,
        interview=locked,
        data={"via": str(via)},
    )
    return ConfirmationOutcome(ConfirmationResult.CONFIRMED, locked)


def ask_to_confirm_again(locked: Interview, *, actor: User, by_company: bool) -> bool:
    """The interview moved after the candidate confirmed: *confirmed* → *scheduled*, with an
    ``interview.unconfirmed`` Event, so the new time is confirmed again (the updated confirmation email
    asks for it). Returns False and changes nothing unless the interview is confirmed.

    For ``hiring.services.interviews.update_interview``, inside its transaction, with the row it locked.
    The candidate's confirmation stays on their record: they did confirm the time they were given.
    """
    if locked.status != Interview.Status.CONFIRMED:
        return False
    locked.status = Interview.Status.SCHEDULED
    locked.save(update_fields=["status", "updated_at"])
    who = "the company" if by_company else "us"
    record_event(
        kind=EventKind.INTERVIEW_UNCONFIRMED,
        summary=f"Interview round {locked.round} was moved by {who} after the candidate confirmed: "
        "scheduled again until they confirm the new time",
        actor=actor,
        interview=locked,
        data={"sequence": locked.sequence, "by_company": by_company},
    )
    return True


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
        ends = local_moment(locked.ends_at, locked.time_zone)
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
        kind=EventKind.INTERVIEW_COMPLETED if attended else EventKind.INTERVIEW_NO_SHOW,
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
    refresh_pool_figures([locked.submission.candidate_id])
    follow_up = FollowUpPlan.FOLLOW_UP_CADENCE if attended else FollowUpPlan.MISSED_YOU
    interview_plan.after_interview_outcome(locked, follow_up, now=now)
    return InterviewOutcome(locked, outcome, changed=True, follow_up=follow_up, closed_tasks=tuple(closed))


# What a recorded outcome can be corrected from and to, and the Event kind each one is counted by.
CORRECTABLE_STATUSES: dict[str, str] = {
    Interview.Status.COMPLETED: EventKind.INTERVIEW_COMPLETED,
    Interview.Status.NO_SHOW: EventKind.INTERVIEW_NO_SHOW,
    Interview.Status.CANCELLED_WITH_NOTICE: EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
    Interview.Status.LATE_CANCELLATION: EventKind.INTERVIEW_LATE_CANCELLATION,
    Interview.Status.CANCELLED_BY_COMPANY: EventKind.INTERVIEW_CANCELLED_BY_COMPANY,
}


def outcome_label(status: str) -> str:
    """A recorded outcome as recruiters say it: "Attended" for *completed*, else the status's label."""
    if status == Interview.Status.COMPLETED:
        return "Attended"
    return str(Interview.Status(status).label)


@dataclass(frozen=True)
class Correction:
    """What ``correct_interview_outcome`` did: the status before and after, its Event, what was planned."""

    interview: Interview
    before: str
    after: str
    event: Event
    planned: tuple[Touchpoint, ...] = ()


@transaction.atomic
def correct_interview_outcome(
    interview: Interview, *, to: str, reason: str, actor: User, now: datetime
) -> Correction:
    """Correct a wrongly recorded outcome (attended, no-show, or the kind of cancellation) to ``to``.

    One ``interview.outcome_corrected`` Event, "corrected from X to Y by Z: reason", whose ``data.from_kind``
    and ``data.to_kind`` move one count of the reliability record (``hiring.reliability``); the original
    Event stays (append-only). What people hear is re-planned (``interview_plan.after_correction``):
    attended plans the cadences, a no-show skips them and plans "we missed you", a cancellation skips
    what is left.

    Raises ``ValidationError`` keyed ``to`` / ``reason`` and changes nothing when the reason is empty, the
    interview has no recorded outcome to correct (still upcoming), ``to`` is its status already or not a
    correctable one, or ``to`` is attended / no-show for an interview that has not ended at ``now``.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record was wrong; it goes on the timeline."})
    if to not in CORRECTABLE_STATUSES:
        raise ValidationError({"to": f"“{to}” is not an outcome that can be recorded."})
    locked = _lock_interview(interview)
    before = locked.status
    if before not in CORRECTABLE_STATUSES:
        raise ValidationError(
            {"to": f"This interview is “{locked.get_status_display()}”: there is no outcome to correct yet."}
        )
    if to == before:
        raise ValidationError({"to": f"It is already recorded as “{locked.get_status_display()}”."})
    if to in OUTCOME_STATUSES and now < locked.ends_at:
        raise ValidationError(
            {"to": "The interview has not ended yet; it cannot have been attended or missed."}
        )
    before_label = outcome_label(before)
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    after_label = outcome_label(to)
    event = record_event(
        kind=EventKind.INTERVIEW_OUTCOME_CORRECTED,
        summary=f"Interview round {locked.round} corrected from “{before_label}” to “{after_label}” "
        f"by {actor}: {reason}",
        actor=actor,
        interview=locked,
        data={
            "from": before,
            "to": to,
            "from_kind": CORRECTABLE_STATUSES[before],
            "to_kind": CORRECTABLE_STATUSES[to],
            "reason": reason,
        },
    )
    refresh_pool_figures([locked.submission.candidate_id])
    corrections = Event.objects.filter(interview=locked, kind=EventKind.INTERVIEW_OUTCOME_CORRECTED).count()
    planned = interview_plan.after_correction(locked, now=now, corrections=corrections)
    return Correction(locked, before, to, event, tuple(planned))


@transaction.atomic
def call_off_interview(interview: Interview, *, now: datetime, actor: User, reason: str) -> Interview | None:
    """The company calls off a round that has not started (it declined the candidate); return the interview,
    or ``None`` when it was not on any more (already cancelled, marked or started: nothing changes).

    Status *cancelled by the company*, ``sequence`` raised, and an ``interview.cancelled_by_company`` Event
    that the candidate's reliability record never counts (it was not their doing). What people hear is
    re-planned like any cancellation: the planned reminders are skipped and the candidate gets the calendar
    cancellation (METHOD:CANCEL, same UID, higher SEQUENCE); the hiring manager is not emailed (it was
    their decision).
    """
    locked = _lock_interview(interview)
    if locked.status not in Interview.UPCOMING_STATUSES or locked.starts_at <= now:
        return None
    locked.status = Interview.Status.CANCELLED_BY_COMPANY
    # A higher SEQUENCE lets the calendar invite's CANCEL replace the event the candidate has.
    locked.sequence += 1
    locked.save(update_fields=["status", "sequence", "updated_at"])
    record_event(
        kind=EventKind.INTERVIEW_CANCELLED_BY_COMPANY,
        summary=f"Interview round {locked.round} called off by the company: {reason}",
        actor=actor,
        interview=locked,
        data={"sequence": locked.sequence, "reason": reason},
    )
    interview_plan.cancel_interview_touchpoints(locked, now=now, notify_manager=False)
    return locked
