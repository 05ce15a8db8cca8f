"""What the demo agency's candidates have heard from it lately, so the first Today page is a working day's
handful of "Update" tasks and not one for everybody.

The silence check (``followups.silence``) counts the messages sent to a candidate about a submission and
the recruiter's contact tasks done. Without them every open process would look silent since it began and
the first start would bury Today under a hundred "Update <candidate>" tasks. So the live desk gets the
messages the worker would have sent (``touchpoint.sent`` Events with their ``done`` rows): each
interview's confirmation when it was booked, the reminders whose moment has passed, the follow-up email
three hours after an attended interview; and the recruiter's own update to most candidates waiting on a
company, sent in the candidate's business hours in the last working day. A few (``STILL_DUE``) were not
written to yet: they are the Update tasks the first check gives, as on any morning.

Pure, like the rest of the generator: the rows are unsaved, and the loader gives the touchpoints their
idempotency keys (they need the saved rows' ids) and the Events their touchpoint ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from candidly.accounts.models import AgencySettings
from candidly.followups.interview_plan import (
    LAST_REMINDER,
    Slot,
    day_before_reminder_due,
    last_reminder_due,
)
from candidly.followups.models import Touchpoint
from candidly.followups.services import hours_for
from candidly.hiring.models import Interview, Submission
from candidly.lib.businesstime import add_business_days, is_business_moment, next_business_moment
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

Kind = Touchpoint.Kind
Status = Interview.Status
# Open processes whose candidate has not heard from us for a while on the first start: the Update tasks.
STILL_DUE = 6
# Interviews booked this recently still get their confirmation when the demo starts (the loader plans it);
# older bookings had theirs at the time.
RECENT_BOOKING = timedelta(days=1)
# An attended interview's follow-up email goes this long after the end (the candidate cadence's default).
FOLLOW_UP_AFTER = timedelta(hours=3)
CANCELLED = (Status.CANCELLED_WITH_NOTICE, Status.LATE_CANCELLATION, Status.CANCELLED_BY_COMPANY)


@dataclass
class SentMessage:
    """A message the worker sent: its ``done`` row and its ``touchpoint.sent`` Event."""

    touchpoint: Touchpoint
    event: Event


@dataclass
class RecentContact:
    sent: list[SentMessage] = field(default_factory=list)


def build_recent_contact(
    *,
    interviews: list[Interview],
    submissions: list[Submission],
    now: datetime,
    live_since: datetime,
    seed: int,
) -> RecentContact:
    """The messages the live desk (interviews after ``live_since``) was sent before ``now``, and the
    recruiters' recent updates to all but ``STILL_DUE`` of the open processes that would otherwise be
    silent. Interviews booked within ``RECENT_BOOKING`` get their confirmation from the loader's planner
    instead, as the worker has not sent it yet."""
    rng = random.Random(seed * 11 + 3)
    agency = AgencySettings()
    contact = RecentContact()
    for interview in interviews:
        if interview.ends_at > live_since:
            contact.sent += _interview_messages(interview, now=now, agency=agency)
    last_heard: dict[int, datetime] = {}
    for message in contact.sent:
        key, done_at = id(message.touchpoint.submission), message.touchpoint.due_at
        last_heard[key] = max(last_heard.get(key, done_at), done_at)
    silent = []
    for submission in submissions:
        # The silence check leaves a process flagged "gone quiet" to the recruiter's alert.
        if submission.stage not in Submission.OPEN_STAGES or submission.gone_quiet_at is not None:
            continue
        candidate = submission.candidate
        hours = hours_for(candidate, agency)
        last = max(last_heard.get(id(submission), submission.created_at), submission.created_at)
        if now >= add_business_days(last, agency.silence_business_days - 1, candidate.time_zone, hours):
            silent.append(submission)
    rng.shuffle(silent)
    for submission in silent[STILL_DUE:]:
        at = _recent_business_moment(submission.candidate, now=now, rng=rng, agency=agency)
        written = _written(submission.candidate)
        contact.sent.append(_sent(submission.candidate, submission, None, Kind.UPDATE, 1, at, written))
    return contact


def _interview_messages(interview: Interview, *, now: datetime, agency: AgencySettings) -> list[SentMessage]:
    submission = interview.submission
    candidate = submission.candidate
    booked = interview.created_at
    sent = []
    hours = hours_for(candidate, agency)
    zone = candidate.time_zone
    # As the planner does: the confirmation goes in the candidate's hours, unless that is too late.
    confirmed_at = next_business_moment(booked, zone, hours)
    if confirmed_at > interview.starts_at - LAST_REMINDER:
        confirmed_at = booked
    if booked < now - RECENT_BOOKING and confirmed_at < now:
        sent.append(
            _sent(candidate, submission, interview, Kind.INTERVIEW_CONFIRMATION, 0, confirmed_at, "email")
        )
    day_before = day_before_reminder_due(interview.starts_at, zone=zone, hours=hours, now=booked)
    last = last_reminder_due(interview.starts_at, zone=zone, day_before=day_before, now=booked)
    # What the loader's planner will still plan for an upcoming interview is not sent yet.
    ahead_day_before = ahead_last = None
    if interview.is_upcoming and interview.starts_at > now:
        recent = booked >= now - RECENT_BOOKING
        ahead_day_before = day_before_reminder_due(interview.starts_at, zone=zone, hours=hours, now=now)
        ahead_last = last_reminder_due(
            interview.starts_at, zone=zone, day_before=ahead_day_before, now=now, confirmation=recent
        )
    # A cancellation took the reminders still to come with it; the demo does not record when, so none.
    if interview.status not in CANCELLED:
        reminders = (
            (Slot.DAY_BEFORE_REMINDER, day_before, ahead_day_before),
            (Slot.LAST_REMINDER, last, ahead_last),
        )
        for slot, due, still_ahead in reminders:
            if due is not None and still_ahead is None and booked < due < now:
                sent.append(
                    _sent(
                        candidate,
                        submission,
                        interview,
                        Kind.INTERVIEW_REMINDER,
                        slot,
                        due,
                        _written(candidate),
                    )
                )
    follow_up = next_business_moment(interview.ends_at + FOLLOW_UP_AFTER, zone, hours)
    if interview.status == Status.COMPLETED and follow_up < now:
        sent.append(_sent(candidate, submission, interview, Kind.FOLLOW_UP_EMAIL, 2, follow_up, "email"))
    return sent


def _written(candidate: Candidate) -> str:
    return Touchpoint.Channel.SMS if candidate.prefers_sms else Touchpoint.Channel.EMAIL


def _recent_business_moment(
    candidate: Candidate, *, now: datetime, rng: random.Random, agency: AgencySettings
) -> datetime:
    """A moment of the candidate's last business day or two before ``now``, when a recruiter would write."""
    hours = hours_for(candidate, agency)
    at = now - timedelta(minutes=rng.randrange(20, 180))
    # Walk back to the candidate's business hours (evenings, weekends), then a little into them.
    for _ in range(24 * 8):
        if is_business_moment(at, candidate.time_zone, hours):
            return at
        at -= timedelta(hours=1)
    return now - timedelta(hours=1)


def _sent(
    candidate: Candidate,
    submission: Submission,
    interview: Interview | None,
    kind: str,
    slot: int,
    at: datetime,
    channel: str,
) -> SentMessage:
    # The demo's messages went before any change of the interview: version 0, whose steps are the slots.
    touchpoint = Touchpoint(
        candidate=candidate,
        submission=submission,
        interview=interview,
        kind=kind,
        channel=channel,
        step=slot,
        due_at=at,
        done_at=at,
        status=Touchpoint.Status.DONE,
        attempts=1,
        respects_business_hours=kind not in (Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_REMINDER),
    )
    # Planned when the interview was booked (its logistics) or when the recruiter wrote; done at ``at``.
    touchpoint.created_at = min(interview.created_at, at) if interview is not None else at
    touchpoint.updated_at = at
    label = "SMS" if channel == Touchpoint.Channel.SMS else "email"
    event = Event(
        occurred_at=at,
        kind=EventKind.TOUCHPOINT_SENT,
        summary=f"{touchpoint.get_kind_display()} sent by {label} to {candidate}",
        actor_type=Event.Actor.SYSTEM,
        candidate=candidate,
        company=submission.role.company,
        submission=submission,
        interview=interview,
        data={"kind": kind, "channel": channel},
    )
    return SentMessage(touchpoint, event)
