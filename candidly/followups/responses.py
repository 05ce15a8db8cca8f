"""Responses (PRODUCT.md rules 1, 2, 5): anything that proves a person is not silent stops their cadence.

A submitted form, a call logged as reached, an email or SMS reply all go through :func:`record_response`,
one transaction that saves the answers (``Feedback``), skips the person's remaining touchpoints for the
interview with the reason, clears "gone quiet", writes the Events the records count and queues the
recruiter's tasks. Calls are logged by :func:`log_call`: *reached* is a response, *voicemail* and *no answer*
are not (the cadence goes on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from candidly.accounts.models import AgencySettings, User
from candidly.followups.cadences import CADENCE_KINDS
from candidly.followups.gone_quiet import clear_gone_quiet
from candidly.followups.models import Cadence, CadenceRun, Feedback, Task, Touchpoint
from candidly.followups.skips import skip_touchpoints
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview, Submission
from candidly.hiring.services import interview_status
from candidly.lib.businesstime import BusinessHours, next_business_moment
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

Channel = Feedback.Channel
REASONS: dict[str, str] = {
    Channel.FORM: "answered the feedback form",
    Channel.PHONE: "responded by phone",
    Channel.EMAIL: "responded by email",
    Channel.SMS: "responded by SMS",
}
CALL_WINDOWS: dict[str, tuple[time, time]] = {
    Feedback.CallWindow.MORNING: (time(9, 0), time(12, 0)),
    Feedback.CallWindow.MIDDAY: (time(12, 0), time(14, 0)),
    Feedback.CallWindow.AFTERNOON: (time(14, 0), time(18, 0)),
}


@dataclass(frozen=True)
class Answers:
    """The candidate's three questions (all optional when they only ask to be called)."""

    enjoyment: int | None = None
    difference: str = ""
    difference_note: str = ""
    excitement: str = ""
    notes: str = ""
    call_me: bool = False
    call_window: str = ""
    # The optional 0-10 "would you recommend us?" and why; ``None`` keeps a score given before (the
    # recruiter's call form does not ask it).
    recommend: int | None = None
    recommend_comment: str = ""

    @property
    def is_out(self) -> bool:
        return self.excitement == Feedback.Excitement.NO


@dataclass(frozen=True)
class Verdict:
    """The hiring manager's answer."""

    verdict: str
    notes: str = ""


@dataclass
class Response:
    """What :func:`record_response` changed."""

    feedback: Feedback | None = None
    # Answered again with different answers (the same answers again change nothing and write no Event).
    corrected: bool = False
    # The person's first response about this interview: only that one is timed on the records.
    first: bool = False
    skipped: list[Touchpoint] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    cleared_gone_quiet: bool = False


def record_response(
    *,
    person: Candidate | Contact,
    interview: Interview | None,
    channel: str,
    answers: Answers | Verdict | None = None,
    received_at: datetime,
    submission: Submission | None = None,
    actor: User | None = None,
    text: str = "",
) -> Response:
    """Record that ``person`` responded about ``interview`` (or, for a message about no interview,
    ``submission``) by ``channel`` (a ``Feedback.Channel``), in one transaction.

    - ``answers`` (the three questions for a candidate, a ``Verdict`` for a contact) are saved as the
      person's ``Feedback`` for the interview; answering again corrects it (``feedback.corrected``), and
      the very same answers again (a form sent twice) change nothing and write no Event.
    - The person's still-planned touchpoints for the interview, and a call still with the recruiter, are
      skipped with the reason ("responded by email"); a ``Task`` made pointless by it is cancelled.
    - The first response after the cadence started writes ``followup.responded`` (candidate) or
      ``followup.manager_responded`` (contact) with ``data.response_seconds`` from the interview's end.
    - A candidate's response clears "gone quiet" on the submission (with its Event).
    - Tasks: "call me" gives an urgent call task in the chosen window; "not excited" a task to talk it
      through; a manager's verdict a task to tell the candidate. "Did not attend" marks the interview a
      no-show (``mark_interview_outcome``) and plans the "we missed you" message instead.

    ``actor`` is the recruiter when they record it (a call); otherwise the person acted. Raises
    ``ValueError`` for answers that do not fit the person (a verdict from a candidate).
    """
    is_candidate = isinstance(person, Candidate)
    if answers is not None and isinstance(answers, Verdict) == is_candidate:
        raise ValueError("Candidates answer the three questions; contacts give a verdict.")
    if interview is None and submission is None:
        raise ValueError("A response is about an interview or a submission.")
    actor_type = (
        None if actor is not None else (Event.Actor.CANDIDATE if is_candidate else Event.Actor.CONTACT)
    )
    with transaction.atomic():
        if interview is not None:
            # Serialise responses about one interview: the "first response" check below must not race.
            interview = (
                Interview.objects.select_for_update(of=("self",))
                .select_related("submission__candidate", "submission__role__company", "submission__recruiter")
                .get(pk=interview.pk)
            )
            submission = interview.submission
        assert submission is not None
        result = Response()
        previous = None
        if answers is not None and interview is not None:
            result.feedback, previous, changed = _save_feedback(
                person, interview, answers, channel=channel, actor=actor, now=received_at
            )
            result.corrected = previous is not None and changed
        reason = REASONS.get(channel, f"responded by {channel}")
        result.skipped = _stop_cadence(person, interview, submission, reason=reason, now=received_at)
        if interview is not None:
            result.first = _record_first_response(
                person, interview, channel=channel, actor=actor, actor_type=actor_type, now=received_at
            )
        if is_candidate:
            result.cleared_gone_quiet = clear_gone_quiet(
                submission, now=received_at, how=reason, actor=actor, actor_type=actor_type
            )
        if result.feedback is not None and interview is not None:
            result.tasks = _tasks_for_answers(
                result.feedback, previous, interview, actor=actor, actor_type=actor_type, now=received_at
            )
    return result


# --- feedback ------------------------------------------------------------------------------------------


ANSWER_FIELDS = (
    "enjoyment",
    "difference",
    "difference_note",
    "excitement",
    "notes",
    "call_me",
    "call_window",
)


@dataclass(frozen=True)
class _Previous:
    excitement: str
    call_me: bool
    call_window: str
    verdict: str


def _save_feedback(
    person: Candidate | Contact,
    interview: Interview,
    answers: Answers | Verdict,
    *,
    channel: str,
    actor: User | None,
    now: datetime,
) -> tuple[Feedback, _Previous | None, bool]:
    """Save the answers; returns the row, what it said before (None: first answer) and whether it changed."""
    who: dict[str, Candidate | Contact] = (
        {"candidate": person} if isinstance(person, Candidate) else {"contact": person}
    )
    feedback = Feedback.objects.select_for_update().filter(interview=interview, **who).first()
    previous = None
    if isinstance(answers, Answers):
        values: dict[str, object] = {name: getattr(answers, name) for name in ANSWER_FIELDS}
        # The recruiter's call form does not ask the optional score: a score given before is kept.
        if answers.recommend is not None:
            values["recommend_score"] = answers.recommend
        if answers.recommend is not None or answers.recommend_comment:
            values["recommend_comment"] = answers.recommend_comment
    else:
        values = {"verdict": answers.verdict, "notes": answers.notes}
    if feedback is None:
        feedback = Feedback(interview=interview, created_at=now, **who)
    else:
        previous = _Previous(feedback.excitement, feedback.call_me, feedback.call_window, feedback.verdict)
        if all(getattr(feedback, name) == value for name, value in values.items()):
            return feedback, previous, False
    feedback.channel = channel
    feedback.recorded_by = actor
    feedback.updated_at = now
    for name, value in values.items():
        setattr(feedback, name, value)
    feedback.save()
    record_event(
        kind=EventKind.FEEDBACK_CORRECTED if previous is not None else EventKind.FEEDBACK_GIVEN,
        summary=("Corrected their answers: " if previous is not None else "Answered: ") + describe(feedback),
        actor=actor,
        actor_type=None
        if actor
        else (Event.Actor.CANDIDATE if isinstance(person, Candidate) else Event.Actor.CONTACT),
        contact=person if isinstance(person, Contact) else None,
        interview=interview,
        data={"feedback": feedback.pk, "channel": channel, **_answer_data(feedback)},
    )
    return feedback, previous, True


def describe(feedback: Feedback) -> str:
    """One line for the timeline: the answers, never the free text (it is on the interview page)."""
    if feedback.is_verdict:
        return f"verdict “{feedback.get_verdict_display()}”" + (" with notes" if feedback.notes else "")
    parts = []
    if feedback.enjoyment:
        parts.append(f"enjoyed it {feedback.enjoyment}/5")
    if feedback.difference:
        parts.append(f"different from expected: {feedback.get_difference_display().lower()}")
    if feedback.excitement:
        parts.append(f"still excited: {feedback.get_excitement_display().lower()}")
    if feedback.recommend_score is not None:
        parts.append(f"would recommend us {feedback.recommend_score}/10")
    if feedback.call_me:
        parts.append(f"asked to be called ({feedback.get_call_window_display().lower()})")
    return "; ".join(parts) or "a note"


def _answer_data(feedback: Feedback) -> dict[str, object]:
    if feedback.is_verdict:
        return {"verdict": feedback.verdict}
    return {
        "enjoyment": feedback.enjoyment,
        "difference": feedback.difference,
        "excitement": feedback.excitement,
        "call_me": feedback.call_me,
        "call_window": feedback.call_window,
        "recommend": feedback.recommend_score,
    }


# --- stopping the cadence ------------------------------------------------------------------------------


def _stop_cadence(
    person: Candidate | Contact,
    interview: Interview | None,
    submission: Submission,
    *,
    reason: str,
    now: datetime,
    keep_kinds: tuple[str, ...] = (),
) -> list[Touchpoint]:
    """Skip the person's planned touchpoints (and a follow-up call still with the recruiter) about the
    interview, except ``keep_kinds``; cancel the open tasks of those calls. Conditional on the status, like
    the worker's claim."""
    mine = Q(candidate=person) if isinstance(person, Candidate) else Q(contact=person)
    about = (
        Q(interview=interview) if interview is not None else Q(submission=submission, interview__isnull=True)
    )
    pending = Q(status=Touchpoint.Status.PLANNED) | Q(
        status=Touchpoint.Status.DUE, kind=Touchpoint.Kind.FOLLOW_UP_CALL
    )
    skipped = skip_touchpoints(
        Touchpoint.objects.filter(mine & about & pending).exclude(kind__in=keep_kinds),
        reason=reason,
        now=now,
        include_due=True,
        task_outcome=f"Not needed: {person.name} {reason}.",
    )
    if isinstance(person, Contact) and interview is not None:
        # A chase task is pointless once the manager has answered.
        Task.objects.filter(
            interview=interview, kind=Task.Kind.CHASE_COMPANY, status=Task.Status.OPEN
        ).update(status=Task.Status.DONE, done_at=now, outcome=f"{person.name} {reason}."[:300])
    return skipped


def _record_first_response(
    person: Candidate | Contact,
    interview: Interview,
    *,
    channel: str,
    actor: User | None,
    actor_type: str | None,
    now: datetime,
) -> bool:
    """Write the timed response Event once per person and interview, and only once the cadence started
    (a call about a late cancellation is not a follow-up response)."""
    is_candidate = isinstance(person, Candidate)
    audience = Cadence.Audience.CANDIDATE if is_candidate else Cadence.Audience.HIRING_MANAGER
    run = CadenceRun.objects.filter(interview=interview, audience=audience).first()
    if run is None or run.responded_at is not None:
        return False
    if not is_candidate and run.contact_id != person.pk:
        return False  # another contact of the company answered; the manager's record stays theirs
    CadenceRun.objects.filter(pk=run.pk).update(responded_at=now)
    seconds = max(0, round((now - interview.ends_at).total_seconds()))
    data: dict[str, object] = {
        "response_seconds": seconds,
        "channel": channel,
        **_step_drawn(person, interview, now=now),
    }
    if is_candidate:
        kind, summary = (
            EventKind.FOLLOWUP_RESPONDED,
            f"Responded after the interview ({REASONS.get(channel, channel)})",
        )
    else:
        within = run.respond_by is None or now <= run.respond_by
        data["within_window"] = within
        kind = EventKind.FOLLOWUP_MANAGER_RESPONDED
        summary = f"{person.name} gave feedback" + (" within the window" if within else " late")
    record_event(
        kind=kind,
        summary=summary,
        actor=actor,
        actor_type=actor_type,
        contact=person if isinstance(person, Contact) else None,
        interview=interview,
        data=data,
    )
    return True


def _step_drawn(person: Candidate | Contact, interview: Interview, *, now: datetime) -> dict[str, object]:
    """Which cadence step drew the response: the person's last step performed before it (a message sent,
    a call made, a task handed over), as ``after_step`` (its ``Touchpoint.Kind``) and ``after_step_channel``;
    empty strings when they answered before any step (the "which follow-up works" report counts these)."""
    mine = Q(candidate=person) if isinstance(person, Candidate) else Q(contact=person)
    last = (
        Touchpoint.objects.filter(
            mine, interview=interview, kind__in=CADENCE_KINDS, status=Touchpoint.Status.DONE
        )
        .filter(done_at__lte=now)
        .order_by("-done_at", "-pk")
        .values_list("kind", "channel")
        .first()
    )
    kind, step_channel = last or ("", "")
    return {"after_step": kind, "after_step_channel": step_channel}


# --- tasks the answers call for ------------------------------------------------------------------------


def _tasks_for_answers(
    feedback: Feedback,
    previous: _Previous | None,
    interview: Interview,
    *,
    actor: User | None,
    actor_type: str | None,
    now: datetime,
) -> list[Task]:
    """Tasks for what changed in the answers (a correction that changes nothing adds no task)."""
    before = previous or _Previous("", False, "", "")
    candidate = interview.submission.candidate
    company = interview.submission.role.company.name
    tasks: list[Task] = []
    if feedback.is_verdict:
        if feedback.verdict != before.verdict:
            tasks += _verdict_tasks(feedback, interview, actor=actor, now=now)
        return tasks
    if feedback.call_me and (not before.call_me or feedback.call_window != before.call_window):
        due = call_window_start(candidate, feedback.call_window, now=now)
        window = feedback.get_call_window_display().lower()
        tasks.append(
            create_task(
                interview=interview,
                kind=Task.Kind.CALL,
                title=f"Call {candidate.name}: they asked to talk about {company} ({window}, their time)",
                details=f"{candidate.name} asked to be called after round {interview.round} instead of "
                "answering in writing. Ask the three questions and log the call.",
                urgent=True,
                due_at=due,
                actor=actor,
                actor_type=actor_type,
            )
        )
    if feedback.excitement == Feedback.Excitement.NO and before.excitement != Feedback.Excitement.NO:
        tasks.append(
            create_task(
                interview=interview,
                kind=Task.Kind.CALL,
                title=f"{candidate.name} is not keen to go on with {company}: talk it through",
                details="They answered “no” to “still excited to move forward?”. They were offered the "
                "withdrawal page; if they have not used it, call them, then tell the company.",
                urgent=False,
                due_at=now,
                actor=actor,
                actor_type=actor_type,
            )
        )
    return tasks


def _verdict_tasks(
    feedback: Feedback, interview: Interview, *, actor: User | None, now: datetime
) -> list[Task]:
    contact = feedback.contact
    assert contact is not None
    candidate = interview.submission.candidate
    tasks: list[Task] = []
    if feedback.verdict == Feedback.Verdict.DID_NOT_ATTEND:
        tasks += _mark_no_show(interview, contact, now=now)
        return tasks
    if interview.status in Interview.UPCOMING_STATUSES and interview.ends_at <= now:
        # A verdict on the candidate means they were there: record the attendance nobody marked.
        interview_status.mark_interview_outcome(
            interview,
            outcome=Interview.Status.COMPLETED,
            now=now,
            actor=None,
            actor_type=Event.Actor.CONTACT,
            note=f"From {contact.name}'s feedback",
        )
    headline: str = {
        Feedback.Verdict.ADVANCE: "{company} wants to move forward with {name}",
        Feedback.Verdict.REJECT: "{company} is not moving forward with {name}",
        Feedback.Verdict.HOLD: "{company} put {name} on hold",
    }[Feedback.Verdict(feedback.verdict)].format(company=contact.company.name, name=candidate.name)
    tasks.append(
        create_task(
            interview=interview,
            kind=Task.Kind.RELAY_VERDICT,
            title=f"{headline}: tell {candidate.name}",
            details=f"{contact.name}'s verdict after round {interview.round}: "
            f"{feedback.get_verdict_display()}."
            + (f"\n\nTheir notes (for you, not the candidate):\n{feedback.notes}" if feedback.notes else ""),
            urgent=False,
            due_at=now,
            actor=None,
            actor_type=Event.Actor.CONTACT,
        )
    )
    return tasks


def _mark_no_show(interview: Interview, contact: Contact, *, now: datetime) -> list[Task]:
    """The manager says the candidate did not attend: a no-show (when nobody marked it otherwise), the
    candidate's follow-ups stop, and the single "we missed you" message is planned instead."""
    candidate = interview.submission.candidate
    try:
        outcome = interview_status.mark_interview_outcome(
            interview,
            outcome=Interview.Status.NO_SHOW,
            now=now,
            actor=None,
            actor_type=Event.Actor.CONTACT,
            note=f"From {contact.name}'s feedback",
        )
    except ValidationError as exc:
        # Already marked attended (or cancelled): the record is append-only, so a person must look.
        return [
            create_task(
                interview=interview,
                kind=Task.Kind.OTHER,
                title=f"{contact.name} says {candidate.name} did not attend round {interview.round}: check",
                details=" ".join(exc.messages),
                urgent=True,
                due_at=now,
                actor=None,
                actor_type=Event.Actor.CONTACT,
            )
        ]
    if outcome.changed:
        # mark_interview_outcome has planned the single "we missed you" message; stop everything else.
        _stop_cadence(
            candidate,
            interview,
            interview.submission,
            reason="the candidate did not attend",
            now=now,
            keep_kinds=(Touchpoint.Kind.MISSED_YOU,),
        )
    return []


def call_window_start(
    candidate: Candidate, window: str, *, now: datetime, agency: AgencySettings | None = None
) -> datetime:
    """The first moment from ``now`` inside both the chosen window and the agency's business hours, in the
    candidate's zone (a window outside business hours falls back to business hours)."""
    agency = agency or AgencySettings.load()
    hours = agency.business_hours()
    start, end = CALL_WINDOWS.get(window, (hours.start, hours.end))
    start, end = max(start, hours.start), min(end, hours.end)
    if start < end:
        hours = BusinessHours(start=start, end=end, weekdays=hours.weekdays, country=hours.country)
    return next_business_moment(now, candidate.time_zone, hours)


# --- calls -----------------------------------------------------------------------------------------------

CALL_REACHED = "Reached"
CALL_VOICEMAIL = "Left a voicemail"
CALL_NO_ANSWER = "No answer"
CALL_OUTCOMES = {"reached": CALL_REACHED, "voicemail": CALL_VOICEMAIL, "no_answer": CALL_NO_ANSWER}


@dataclass
class CallLog:
    task: Task
    outcome: str
    response: Response | None = None


def log_call(
    task: Task, *, outcome: str, actor: User, now: datetime, answers: Answers | None = None
) -> CallLog | None:
    """Log a call task's outcome: ``reached`` (with the three answers when the call was a follow-up),
    ``voicemail`` or ``no_answer``. One transaction: the task is done with the outcome, its touchpoint
    (a follow-up call) is done, a ``call.logged`` Event is written; *reached* is then recorded as the
    candidate's response (channel phone), the others leave the cadence running.

    Returns ``None`` when the task was no longer open (a second click, or another recruiter was faster):
    nothing changes then. Raises ``ValueError`` for an unknown outcome or a task without a candidate.
    """
    if outcome not in CALL_OUTCOMES:
        raise ValueError(f"Unknown call outcome {outcome!r}.")
    candidate = task.candidate
    if candidate is None:
        raise ValueError("Only calls to a candidate are logged here.")
    label = CALL_OUTCOMES[outcome]
    with transaction.atomic():
        closed = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=actor, outcome=label
        )
        if not closed:
            return None
        task.status, task.done_at, task.done_by, task.outcome = Task.Status.DONE, now, actor, label
        if task.touchpoint_id is not None:
            Touchpoint.objects.filter(pk=task.touchpoint_id, status=Touchpoint.Status.DUE).update(
                status=Touchpoint.Status.DONE, done_at=now, updated_at=now
            )
        record_event(
            kind=EventKind.CALL_LOGGED,
            summary=f"Called {candidate.name}: {label.lower()}",
            actor=actor,
            candidate=candidate,
            submission=task.submission,
            interview=task.interview,
            data={"task": task.pk, "outcome": outcome},
        )
        log = CallLog(task=task, outcome=outcome)
        if outcome == "reached" and (task.interview is not None or task.submission is not None):
            log.response = record_response(
                person=candidate,
                interview=task.interview,
                submission=task.submission,
                channel=Channel.PHONE,
                answers=answers,
                received_at=now,
                actor=actor,
            )
    return log
