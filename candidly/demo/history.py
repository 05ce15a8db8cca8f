"""Half a year of the demo agency's past, so the reports have a shape on first start.

The live desk (``generator``: interviews around today) stays exactly as it was; this adds processes that
ended before it: interviews between ``GAP_DAYS`` and ``GAP_DAYS + 7 * WEEKS`` days ago, each with the rows
and Events the services would have written (outcome, cadence runs, responses with their times, feedback
with the optional recommendation score, escalations, "gone quiet", endings, better-suited roles and the
placements that followed them). Over the half year the agency gets better at its own discipline: fewer
no-shows and silences, faster answers, a rising candidate experience score.

Drawn from its own seeded ``random.Random`` (never the live desk's), so the same seed and clock give the
same history and the live desk does not move. The recent desk also gets the open tasks a working week
leaves behind (calls not made yet, companies to chase).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from candidly.accounts.models import User
from candidly.demo.data import REJECTION_NOTES, WITHDRAWAL_NOTES
from candidly.demo.hours import pick_slot, zones_share_a_day
from candidly.followups.models import Cadence, CadenceRun, Feedback, Task, Touchpoint
from candidly.hiring.models import Interview, Role, RoleSuggestion, Submission
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

WEEKS = 26
# History's interviews end this many days ago or earlier: before the live desk's (at most 10 days back).
GAP_DAYS = 11

Stage = Submission.Stage
Status = Interview.Status
Reason = Submission.EndReason
Kind = Touchpoint.Kind

COMMENTS = {
    "promoter": (
        "My recruiter called me right after the interview; I always knew where I stood.",
        "Honest about the role, the pay and the timeline. Rare.",
        "They told me it was fine to say no, and then found me a better fit.",
        "Fast answers, clear next steps.",
    ),
    "passive": (
        "Good overall, but I waited a week for the company's feedback.",
        "Helpful, though the role description could have been clearer.",
    ),
    "detractor": (
        "The role was not what was described.",
        "I heard nothing for days after the interview.",
        "Too many messages for one interview.",
    ),
}


@dataclass
class HistoryRows:
    """The rows history adds, besides submissions, interviews and Events (which go to the agency's lists)."""

    cadence_runs: list[CadenceRun]
    feedback: list[Feedback]
    suggestions: list[RoleSuggestion]
    tasks: list[Task]


def _lerp(start: float, end: float, progress: float) -> float:
    return start + (end - start) * progress


def _add_business_days(moment: datetime, days: int) -> datetime:
    """``days`` weekdays after ``moment`` (UTC weekdays: close enough for a demo's past)."""
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


class History:
    """Writes the past into ``agency``; ``event`` is the builder's Event maker."""

    def __init__(self, agency, *, now: datetime, seed: int, event) -> None:  # type: ignore[no-untyped-def]
        self.agency = agency
        self.now = now
        self.rng = random.Random(seed * 7 + 1)
        self.event = event
        self.rows = HistoryRows([], [], [], [])
        # A few hiring managers are slow to answer: the worst offenders the time-to-answer report ranks first.
        managers = sorted(
            {id(role.hiring_manager): role.hiring_manager for role in agency.roles}.values(),
            key=lambda c: c.name,
        )
        self.slow_managers = {id(manager) for manager in self.rng.sample(managers, 4)}
        self.role_tags: dict[int, set[str]] = {}
        for role, tag in agency.role_tags:
            self.role_tags.setdefault(id(role), set()).add(tag.name)

    # -- time ---------------------------------------------------------------------------------------------

    def slot(self, zone: str, day: date, candidate_zone: str) -> tuple[datetime, datetime] | None:
        """A round inside the company's and the candidate's working hours on ``day``, or ``None``."""
        return pick_slot(
            self.rng, day, company_zone=zone, candidate_zone=candidate_zone, lengths=(45, 60, 60, 90)
        )

    def hours(self, median: float, spread: float = 0.8) -> timedelta:
        return timedelta(hours=median * self.rng.lognormvariate(0, spread))

    # -- the past, week by week -----------------------------------------------------------------------------

    def build(self) -> HistoryRows:
        today = self.now.date()
        for week in range(WEEKS):
            progress = week / (WEEKS - 1)
            monday = today - timedelta(days=GAP_DAYS + 7 * (WEEKS - 1 - week))
            monday -= timedelta(days=monday.weekday())
            for _ in range(round(_lerp(26, 44, progress)) + self.rng.randrange(-3, 4)):
                day = monday + timedelta(days=self.rng.randrange(5))
                role = self.rng.choice(self.agency.roles)
                # Someone who shares enough of the company's working day (``demo.hours``).
                zone = role.company.time_zone
                people = [c for c in self.agency.candidates if zones_share_a_day(zone, c.time_zone, day)]
                person = self.rng.choice(people or self.agency.candidates)
                self.process(person, role, day, progress)
        self.live_follow_ups()
        return self.rows

    def process(
        self,
        person: Candidate,
        role: Role,
        day: date,
        progress: float,
        *,
        after: RoleSuggestion | None = None,
    ) -> Submission | None:
        found = self.slot(role.company.time_zone, day, person.time_zone)
        if found is None:
            return None  # no shared working hours that day: the round was another week
        starts_at, ends_at = found
        if ends_at > self.now - timedelta(days=GAP_DAYS):
            return None
        recruiter = person.recruiter
        submission = Submission(candidate=person, role=role, recruiter=recruiter, stage=Stage.INTERVIEWING)
        submission.created_at = starts_at - timedelta(days=self.rng.uniform(3, 10))
        interview = Interview(
            submission=submission,
            round=1,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=role.company.time_zone,
            format=Interview.Format.VIDEO,
            video_url="https://meet.example.com/past-demo-int",
            created_by=recruiter,
        )
        interview.created_at = interview.updated_at = submission.created_at + timedelta(
            hours=self.rng.uniform(2, 30)
        )
        self.agency.submissions.append(submission)
        self.agency.interviews.append(interview)
        self.agency.interviewers.append((interview, role.hiring_manager))
        events = self.agency.events
        events.append(
            self.event(
                submission.created_at,
                EventKind.SUBMISSION_CREATED,
                f"Submitted to {role.title} at {role.company.name}",
                submission=submission,
                actor=recruiter,
            )
        )
        events.append(
            self.event(
                interview.created_at,
                EventKind.INTERVIEW_SCHEDULED,
                f"Interview round 1 booked for {starts_at:%a %d %b %Y %H:%M} UTC",
                interview=interview,
                actor=recruiter,
                details={
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "time_zone": interview.time_zone,
                    "format": interview.format,
                },
            )
        )
        events.append(
            self.event(
                interview.created_at,
                EventKind.SUBMISSION_STAGE_CHANGED,
                "Stage: Submitted → Interviewing",
                submission=submission,
                actor=recruiter,
                details={"from": Stage.SUBMITTED, "to": Stage.INTERVIEWING, "reason": "", "note": ""},
            )
        )
        placed_now = after is not None
        outcome = Status.COMPLETED
        if not placed_now and self.rng.random() < _lerp(0.27, 0.11, progress):
            weights = (_lerp(11, 3, progress), _lerp(9, 4, progress), 7)
            outcome = self.rng.choices(
                (Status.NO_SHOW, Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE), weights
            )[0]
        interview.status = outcome
        if outcome in (Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE):
            late = outcome == Status.LATE_CANCELLATION
            notice = timedelta(hours=self.rng.uniform(2, 20) if late else self.rng.uniform(26, 60))
            asked = max(starts_at - notice, interview.created_at + timedelta(minutes=5))
            if not late and starts_at - asked < timedelta(hours=24):
                late, outcome = True, Status.LATE_CANCELLATION
                interview.status = outcome
            notice = starts_at - asked
            interview.sequence = 1
            events.append(
                self.event(
                    asked,
                    EventKind.INTERVIEW_LATE_CANCELLATION
                    if late
                    else EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
                    f"{'Late cancellation' if late else 'Cancelled with notice'} of interview round 1",
                    interview=interview,
                    actor_type=Event.Actor.CANDIDATE,
                    details={
                        "via": "link",
                        "reason": "not_interested",
                        "note": "",
                        "notice_seconds": int(notice.total_seconds()),
                        "sequence": 1,
                        "notify_manager": False,
                    },
                )
            )
            reason = self.rng.choice((Reason.OTHER_OFFER, Reason.PROCESS_SLOW, Reason.PERSONAL))
            self.end(
                submission, Stage.WITHDRAWN, reason, asked + timedelta(minutes=3), progress, by_candidate=True
            )
            return submission
        marked = ends_at + timedelta(minutes=self.rng.randrange(10, 120))
        attended = outcome == Status.COMPLETED
        events.append(
            self.event(
                marked,
                EventKind.INTERVIEW_COMPLETED if attended else EventKind.INTERVIEW_NO_SHOW,
                "Attended interview round 1" if attended else "No-show at interview round 1",
                interview=interview,
                actor=recruiter,
                details={"note": "", "closed_tasks": []},
            )
        )
        if not attended:
            self.end(
                submission,
                Stage.WITHDRAWN,
                Reason.OTHER,
                marked + timedelta(days=self.rng.uniform(1, 3)),
                progress,
            )
            return submission
        answered = self.candidate_side(submission, interview, marked, progress, must_answer=placed_now)
        verdict, verdict_at = self.manager_side(submission, interview, marked, progress)
        if answered is None:
            quiet = _add_business_days(ends_at, 5)
            submission.gone_quiet_at = quiet
            events.append(
                self.event(
                    quiet,
                    EventKind.SUBMISSION_GONE_QUIET,
                    "Gone quiet: no answer to any follow-up since round 1",
                    interview=interview,
                    actor_type=Event.Actor.SYSTEM,
                )
            )
            self.end(
                submission,
                Stage.WITHDRAWN,
                Reason.OTHER,
                quiet + timedelta(days=self.rng.uniform(2, 6)),
                progress,
            )
            return submission
        decided = max(answered, verdict_at or answered) + timedelta(hours=self.rng.uniform(4, 48))
        if placed_now or (verdict == Feedback.Verdict.ADVANCE and self.rng.random() < 0.45):
            self.end(submission, Stage.PLACED, Reason.HIRED, decided, progress)
        elif verdict == Feedback.Verdict.REJECT:
            self.end(submission, Stage.REJECTED, Reason.COMPANY_DECLINED, decided, progress)
        else:
            reason = self.rng.choice(
                (
                    Reason.ROLE_DIFFERENT,
                    Reason.TEAM_CULTURE,
                    Reason.COMPENSATION,
                    Reason.LOCATION,
                    Reason.OTHER_OFFER,
                )
            )
            self.end(submission, Stage.WITHDRAWN, reason, decided, progress, by_candidate=True)
        return submission

    # -- after the interview ----------------------------------------------------------------------------

    def candidate_side(
        self,
        submission: Submission,
        interview: Interview,
        marked: datetime,
        progress: float,
        *,
        must_answer: bool,
    ) -> datetime | None:
        """The candidate's cadence run and, usually, their answer (timed, credited to a step, feedback)."""
        person = submission.candidate
        run = CadenceRun(
            interview=interview, audience=Cadence.Audience.CANDIDATE, candidate=person, planned_at=marked
        )
        self.rows.cadence_runs.append(run)
        if self.rng.random() > _lerp(0.80, 0.94, progress) and not must_answer:
            return None
        delay = min(self.hours(_lerp(20, 5, progress)), timedelta(hours=110))
        at = interview.ends_at + delay
        if at > self.now:
            return None  # not yet: the live desk's cadence is still running
        channel = self.rng.choices(
            (Feedback.Channel.FORM, Feedback.Channel.PHONE, Feedback.Channel.EMAIL, Feedback.Channel.SMS),
            (45, 30, 15, 10),
        )[0]
        hours = delay.total_seconds() / 3600
        step: str
        step_channel: str
        if channel == Feedback.Channel.PHONE and hours >= 1:
            step, step_channel = Kind.FOLLOW_UP_CALL, "call"
        elif hours < 1:
            step, step_channel = "", ""
        elif hours < 3:
            step, step_channel = Kind.FOLLOW_UP_CALL, "call"
        elif hours < 24:
            step, step_channel = Kind.FOLLOW_UP_EMAIL, "email"
        elif hours < 72:
            step, step_channel = (
                Kind.NUDGE,
                "sms" if person.preferred_channel == Candidate.Channel.SMS else "email",
            )
        else:
            step, step_channel = Kind.LAST_CALL, "email"
        run.responded_at = at
        self.agency.events.append(
            self.event(
                at,
                EventKind.FOLLOWUP_RESPONDED,
                "Responded after the interview",
                interview=interview,
                actor_type=Event.Actor.CANDIDATE,
                details={
                    "response_seconds": round(delay.total_seconds()),
                    "channel": channel,
                    "after_step": step,
                    "after_step_channel": step_channel,
                },
            )
        )
        feedback = Feedback(
            interview=interview,
            candidate=person,
            channel=channel,
            created_at=at,
            updated_at=at,
            enjoyment=self.rng.choices((2, 3, 4, 5), (1, 3, 5, 3))[0],
            difference=self.rng.choices(("no", "a_little", "a_lot"), (6, 3, 1))[0],
            excitement=self.rng.choices(("yes", "not_sure", "no"), (6, 3, 1))[0],
        )
        if channel != Feedback.Channel.PHONE and self.rng.random() < 0.75:
            band = self.rng.choices(
                ("promoter", "passive", "detractor"), (_lerp(30, 62, progress), 35, _lerp(35, 8, progress))
            )[0]
            feedback.recommend_score = {
                "promoter": self.rng.choice((9, 10)),
                "passive": self.rng.choice((7, 8)),
                "detractor": self.rng.randrange(2, 7),
            }[band]
            if self.rng.random() < 0.3:
                feedback.recommend_comment = self.rng.choice(COMMENTS[band])
        self.rows.feedback.append(feedback)
        self.agency.events.append(
            self.event(
                at,
                EventKind.FEEDBACK_GIVEN,
                "Answered the three questions",
                interview=interview,
                actor_type=Event.Actor.CANDIDATE,
                details={"channel": channel, "recommend": feedback.recommend_score},
            )
        )
        return at

    def manager_side(
        self, submission: Submission, interview: Interview, marked: datetime, progress: float
    ) -> tuple[str | None, datetime | None]:
        """The hiring manager's run, the escalation when they were slow, and their verdict."""
        manager = submission.role.hiring_manager
        respond_by = _add_business_days(interview.ends_at, 2)
        run = CadenceRun(
            interview=interview,
            audience=Cadence.Audience.HIRING_MANAGER,
            contact=manager,
            planned_at=marked,
            respond_by=respond_by,
        )
        self.rows.cadence_runs.append(run)
        slowness = 2.2 if id(manager) in self.slow_managers else 1.0
        delay = self.hours(_lerp(40, 16, progress) * slowness, 0.7)
        never = self.rng.random() < _lerp(0.12, 0.03, progress)
        at = interview.ends_at + delay
        if (never or at > respond_by) and respond_by <= self.now:
            self.agency.events.append(
                self.event(
                    respond_by,
                    EventKind.FOLLOWUP_ESCALATED,
                    f"{manager.name} has not given feedback: escalated to the recruiter",
                    interview=interview,
                    actor_type=Event.Actor.SYSTEM,
                    details={"at": respond_by.isoformat()},
                    contact=manager,
                )
            )
        if never or at > self.now:
            return None, None
        run.responded_at = at
        within = at <= respond_by
        hours = delay.total_seconds() / 3600
        step = (
            Kind.FEEDBACK_REQUEST
            if hours < 24
            else Kind.FEEDBACK_REMINDER
            if not (at > respond_by)
            else Kind.ESCALATION
        )
        verdict = self.rng.choices((Feedback.Verdict.ADVANCE, Feedback.Verdict.REJECT), (55, 45))[0]
        self.agency.events.append(
            self.event(
                at,
                EventKind.FOLLOWUP_MANAGER_RESPONDED,
                f"{manager.name} gave feedback" + (" within the window" if within else " late"),
                interview=interview,
                actor_type=Event.Actor.CONTACT,
                contact=manager,
                details={
                    "response_seconds": round(delay.total_seconds()),
                    "channel": "form",
                    "within_window": within,
                    "after_step": step,
                    "after_step_channel": "task" if step == Kind.ESCALATION else "email",
                },
            )
        )
        self.rows.feedback.append(
            Feedback(
                interview=interview,
                contact=manager,
                channel=Feedback.Channel.FORM,
                verdict=verdict,
                created_at=at,
                updated_at=at,
            )
        )
        return verdict, at

    def end(
        self,
        submission: Submission,
        stage: str,
        reason: str,
        at: datetime,
        progress: float,
        *,
        by_candidate: bool = False,
    ) -> None:
        at = min(at, self.now - timedelta(hours=1))
        submission.stage, submission.end_reason, submission.ended_at, submission.updated_at = (
            stage,
            reason,
            at,
            at,
        )
        submission.end_note = (
            WITHDRAWAL_NOTES.get(reason, "")
            if stage == Stage.WITHDRAWN
            else (self.rng.choice(REJECTION_NOTES) if stage == Stage.REJECTED else "Offer accepted.")
        )
        self.agency.events.append(
            self.event(
                at,
                EventKind.SUBMISSION_STAGE_CHANGED,
                f"Stage: Interviewing → {Stage(stage).label} ({Reason(reason).label})",
                submission=submission,
                actor=None if by_candidate else submission.recruiter,
                actor_type=Event.Actor.CANDIDATE if by_candidate else None,
                details={
                    "from": Stage.INTERVIEWING,
                    "to": stage,
                    "reason": reason,
                    "note": submission.end_note,
                },
            )
        )
        if stage == Stage.REJECTED:
            self.agency.events.append(
                self.event(
                    at,
                    EventKind.SUBMISSION_REJECTED,
                    f"{submission.role.company.name} decided not to move forward",
                    submission=submission,
                    actor=submission.recruiter,
                    details={"note": ""},
                )
            )
        if stage != Stage.WITHDRAWN:
            return
        open_to_more = (
            reason in (Reason.COMPENSATION, Reason.LOCATION, Reason.ROLE_DIFFERENT, Reason.TEAM_CULTURE)
            and self.rng.random() < 0.7
        )
        submission.open_to_other_roles = open_to_more if by_candidate else None
        self.agency.events.append(
            self.event(
                at,
                EventKind.SUBMISSION_WITHDRAWN,
                f"Withdrew from {submission.role.title} at {submission.role.company.name}: "
                f"{Reason(reason).label}",
                submission=submission,
                actor=None if by_candidate else submission.recruiter,
                actor_type=Event.Actor.CANDIDATE if by_candidate else None,
                details={
                    "via": "link" if by_candidate else "recruiter",
                    "reason": reason,
                    "open_to_other_roles": submission.open_to_other_roles,
                },
            )
        )
        if open_to_more:
            self.suggest(submission, at, progress)

    def suggest(self, submission: Submission, at: datetime, progress: float) -> None:
        """Better-suited roles after a withdrawal: sent, sometimes "I'm interested", sometimes a placement."""
        person = submission.candidate
        wanted = self.role_tags.get(id(submission.role), set())
        options = [
            role
            for role in self.agency.roles
            if role is not submission.role
            and role.company is not submission.role.company
            and self.role_tags.get(id(role), set()) & wanted
        ]
        if not options:
            return
        sent = at + timedelta(days=self.rng.uniform(0.5, 3))
        picked = self.rng.sample(options, min(len(options), 3))
        rows = [
            RoleSuggestion(
                candidate=person,
                role=role,
                after_submission=submission,
                score=6 - index,
                reasons=["Matches their tags", "Away from why the last process ended"],
                suggested_by=submission.recruiter,
                created_at=sent,
                sent_at=sent,
            )
            for index, role in enumerate(picked)
        ]
        self.rows.suggestions.extend(rows)
        self.agency.events.append(
            self.event(
                sent,
                EventKind.CANDIDATE_ROLES_SUGGESTED,
                f"Sent {len(rows)} better-suited roles",
                submission=submission,
                actor=submission.recruiter,
                details={"roles": len(rows)},
            )
        )
        if self.rng.random() < _lerp(0.35, 0.6, progress):
            chosen = rows[0]
            chosen.interested_at = sent + timedelta(hours=self.rng.uniform(2, 48))
            if self.rng.random() < 0.6:
                day = (chosen.interested_at + timedelta(days=self.rng.uniform(4, 9))).date()
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                self.process(person, chosen.role, day, progress, after=chosen)

    # -- the live desk's leftovers ---------------------------------------------------------------------------

    def live_follow_ups(self) -> None:
        """The live desk's attended interviews: their cadence runs and the answers that came by now, and the
        tasks a working week leaves open (follow-up calls not made yet, companies to chase)."""
        recent = [
            i
            for i in self.agency.interviews
            if i.status == Status.COMPLETED and self.now - timedelta(days=GAP_DAYS) < i.ends_at < self.now
        ]
        for interview in recent:
            submission = interview.submission
            marked = min(interview.ends_at + timedelta(minutes=30), self.now)
            answered = None
            if submission.gone_quiet_at is None:  # the live desk's "gone quiet" never answered
                answered = self.candidate_side(submission, interview, marked, 1.0, must_answer=False)
            _, verdict_at = self.manager_side(submission, interview, marked, 1.0)
            recruiter: User | None = submission.recruiter
            call_due = interview.ends_at + timedelta(hours=1)
            if answered is None and call_due < self.now and self.rng.random() < 0.6:
                title = f"Call {submission.candidate.name} about {submission.role}"
                self.task(Task.Kind.CALL, title, call_due, interview, recruiter)
            chase_due = _add_business_days(interview.ends_at, 2)
            if verdict_at is None and chase_due < self.now:
                manager = submission.role.hiring_manager
                title = f"Chase {submission.role.company} for feedback from {manager.name} about "
                title += str(submission.role)
                self.task(Task.Kind.CHASE_COMPANY, title, chase_due, interview, recruiter, contact=manager)

    def task(
        self,
        kind: str,
        title: str,
        due: datetime,
        interview: Interview,
        recruiter: User | None,
        *,
        contact=None,
    ) -> None:  # type: ignore[no-untyped-def]
        submission = interview.submission
        task = Task(
            kind=kind,
            title=title[:300],
            assigned_to=recruiter,
            due_at=due,
            candidate=submission.candidate,
            submission=submission,
            interview=interview,
            contact=contact,
        )
        task.created_at = due
        self.rows.tasks.append(task)
        self.agency.events.append(
            self.event(
                due,
                EventKind.TASK_CREATED,
                f"Task for {recruiter or 'the team'}: {task.title}",
                interview=interview,
                actor_type=Event.Actor.SYSTEM,
                details={"task_kind": kind, "urgent": False},
                contact=contact,
            )
        )
