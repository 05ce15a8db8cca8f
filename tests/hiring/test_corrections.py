"""Correcting a wrongly recorded outcome: one service, one Event, the record and the follow-ups follow.

Through the recruiter's page, the real worker and a real SMTP server, on a frozen clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.followups.models import Task, Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.pool import pool_candidates
from candidly.hiring.reliability import ReliabilityLabel, reliability_record
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import (
    Via,
    cancel_interview_for_candidate,
    correct_interview_outcome,
    mark_interview_outcome,
)
from candidly.timeline.models import Event
from tests.followups.conftest import Clock
from tests.interviews import book, configure, local, make_rita, make_submission

Kind = Touchpoint.Kind
Status = Touchpoint.Status
# Monday 9 March 2026, 10:00 in New York (EDT); the round is Tuesday 10 March, 10:00-11:00 New York.
BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
STARTS = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
# Twenty minutes after the end, the recruiter records the outcome; at 11:30 she corrects it.
MARKED = ENDS + timedelta(minutes=20)
CORRECTED = ENDS + timedelta(minutes=30)
REASON = "She was there: the panel had the wrong video link"


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine, BOOKED)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def interview(clock, rita, smtp_sink):
    """Booked; the confirmation and reminders go out as planned; the round ends."""
    booked = book(make_submission(rita), rita, STARTS)
    for moment in (BOOKED, STARTS - timedelta(hours=2)):
        run_worker(clock, moment)
    smtp_sink.clear()
    clock.set(MARKED)
    return booked


@pytest.fixture
def client(rita) -> Client:
    client = Client()
    client.force_login(rita)
    return client


def run_worker(clock: Clock, moment: datetime) -> None:
    clock.set(moment)
    Worker(worker_id="worker-a", batch_size=50, poll_seconds=0.01).run_batch()


def correct(client: Client, interview: Interview, to: str, reason: str = REASON):
    return client.post(f"/interviews/{interview.pk}/correct/", {"to": to, "reason": reason})


def waiting(interview: Interview) -> list[tuple[str, str, str]]:
    """(kind, who, due in New York) of the interview's touchpoints still to go."""
    return [
        (tp.kind, "candidate" if tp.candidate_id else "manager", local(tp.due_at))
        for tp in Touchpoint.objects.filter(interview=interview, status=Status.PLANNED).order_by(
            "due_at", "id"
        )
    ]


def test_correction_from_no_show_to_attended_changes_the_record_plans_the_cadences_and_writes_one_event(
    interview, client, clock, rita, smtp_sink
):
    candidate = interview.submission.candidate
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=MARKED, actor=rita)
    wrong = reliability_record(candidate, now=MARKED)
    clock.set(CORRECTED)

    response = correct(client, interview, "completed")

    interview.refresh_from_db()
    record = reliability_record(candidate, now=CORRECTED)
    assert (response.status_code, response.url) == (302, f"/interviews/{interview.pk}/")
    assert interview.status == Interview.Status.COMPLETED
    assert (wrong.no_shows, wrong.attended, wrong.label) == (1, 0, ReliabilityLabel.WATCH)
    assert (record.no_shows, record.recent_no_shows, record.attended, record.label) == (
        0,
        0,
        1,
        ReliabilityLabel.RELIABLE,
    )
    [event] = Event.objects.filter(kind="interview.outcome_corrected")
    assert (event.summary, event.actor_user, event.candidate, event.occurred_at) == (
        f"Interview round 1 corrected from “No-show” to “Attended” by Rita Recruiter: {REASON}",
        rita,
        candidate,
        CORRECTED,
    )
    assert (event.data["from_kind"], event.data["to_kind"]) == ("interview.no_show", "interview.completed")
    # "We missed you" never goes; the cadences start from the correction (11:30 New York).
    assert Touchpoint.objects.get(kind=Kind.MISSED_YOU).status == Status.SKIPPED
    assert waiting(interview) == [
        (Kind.FOLLOW_UP_CALL, "candidate", "Tue 10 Mar 12:30 EDT"),
        (Kind.FEEDBACK_REQUEST, "manager", "Tue 10 Mar 12:30 EDT"),
        (Kind.FOLLOW_UP_EMAIL, "candidate", "Tue 10 Mar 14:30 EDT"),
        (Kind.NUDGE, "candidate", "Wed 11 Mar 11:30 EDT"),
        (Kind.FEEDBACK_REMINDER, "manager", "Wed 11 Mar 11:30 EDT"),
        (Kind.ESCALATION, "manager", "Thu 12 Mar 11:30 EDT"),
        (Kind.LAST_CALL, "candidate", "Fri 13 Mar 11:30 EDT"),
        (Kind.GONE_QUIET, "candidate", "Tue 17 Mar 11:30 EDT"),
    ]
    run_worker(clock, CORRECTED + timedelta(hours=1))
    run_worker(clock, CORRECTED + timedelta(hours=3))
    assert [(mail.rcpt_tos, mail.subject) for mail in smtp_sink.received] == [
        (["hannah@acme.test"], "How did Cara Candidate do? (one minute)"),
        (["cara@mail.test"], "How did it go with Acme Robotics?"),
    ]


def test_correction_from_attended_to_no_show_skips_the_cadences_and_sends_we_missed_you(
    interview, client, clock, rita, smtp_sink
):
    candidate = interview.submission.candidate
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=MARKED, actor=rita)
    run_worker(clock, MARKED + timedelta(hours=1))  # the follow-up call is now the recruiter's task
    [call] = Task.objects.filter(kind=Task.Kind.CALL)
    clock.set(CORRECTED + timedelta(hours=1))

    correct(client, interview, "no_show", reason="The manager's feedback says she never joined")
    run_worker(clock, CORRECTED + timedelta(hours=1))

    interview.refresh_from_db()
    call.refresh_from_db()
    record = reliability_record(candidate, now=CORRECTED)
    assert interview.status == Interview.Status.NO_SHOW
    assert (record.attended, record.no_shows, record.label) == (0, 1, ReliabilityLabel.WATCH)
    assert waiting(interview) == []
    assert (call.status, call.outcome) == (Task.Status.CANCELLED, "The outcome was corrected to “no-show”.")
    assert set(
        Touchpoint.objects.filter(
            interview=interview, kind__in=[Kind.FOLLOW_UP_EMAIL, Kind.NUDGE]
        ).values_list("status", "skip_reason")
    ) == {(Status.SKIPPED, "The outcome was corrected to “no-show”.")}
    # The manager's feedback request went before the correction; nothing else did.
    assert [(mail.rcpt_tos, mail.subject) for mail in smtp_sink.received] == [
        (["hannah@acme.test"], "How did Cara Candidate do? (one minute)"),
        (["cara@mail.test"], "We missed you today. Is everything alright?"),
    ]
    assert Event.objects.filter(kind="interview.outcome_corrected").count() == 1


def test_correction_back_and_forth_plans_each_time_and_we_missed_you_once(interview, rita, clock, smtp_sink):
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=MARKED, actor=rita)

    correct_interview_outcome(interview, to="no_show", reason="Mixed up", actor=rita, now=CORRECTED)
    run_worker(clock, CORRECTED)
    correct_interview_outcome(interview, to="completed", reason="Mixed up again", actor=rita, now=CORRECTED)
    correct_interview_outcome(interview, to="no_show", reason="Sorry", actor=rita, now=CORRECTED)
    run_worker(clock, CORRECTED)

    assert [mail.subject for mail in smtp_sink.received] == ["We missed you today. Is everything alright?"]
    assert list(
        Touchpoint.objects.filter(kind=Kind.FOLLOW_UP_EMAIL).order_by("step").values_list("step", "status")
    ) == [(2, Status.SKIPPED), (2002, Status.SKIPPED)]
    assert reliability_record(interview.submission.candidate, now=CORRECTED).no_shows == 1


def test_correction_from_late_cancellation_to_with_notice_changes_only_the_record(interview, client, clock):
    candidate = interview.submission.candidate
    clock.set(BOOKED)
    outcome = cancel_interview_for_candidate(
        interview, now=STARTS - timedelta(hours=23), reason_kind=CancellationReason.RESCHEDULE, via=Via.LINK
    )
    planned_before = list(Touchpoint.objects.values_list("pk", "status"))

    correct(client, interview, "cancelled_with_notice", reason="She emailed us two days before; we missed it")

    interview.refresh_from_db()
    record = reliability_record(candidate, now=BOOKED)
    assert outcome.late
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
    assert (record.late_cancellations, record.cancellations_with_notice) == (0, 1)
    assert list(Touchpoint.objects.values_list("pk", "status")) == planned_before


def test_correction_to_cancelled_by_company_takes_it_off_the_record(interview, client, rita):
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=MARKED, actor=rita)

    correct(client, interview, "cancelled_by_company", reason="The company cancelled and told only the panel")

    record = reliability_record(interview.submission.candidate, now=CORRECTED)
    assert (record.no_shows, record.label) == (0, ReliabilityLabel.NEW)
    assert [row.reliability_label for row in pool_candidates(now=CORRECTED)] == [ReliabilityLabel.NEW]


@pytest.mark.parametrize(
    ("to", "reason", "errors"),
    [
        ("completed", "", {"reason": ["This field is required."]}),
        ("no_show", "Already so", {"__all__": ["It is already recorded as “No-show”."]}),
        (
            "scheduled",
            "Back",
            {"to": ["Select a valid choice. scheduled is not one of the available choices."]},
        ),
    ],
)
def test_correction_with_bad_input_changes_nothing(interview, client, rita, to, reason, errors):
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=MARKED, actor=rita)

    response = correct(client, interview, to, reason)

    interview.refresh_from_db()
    assert response.status_code == 200
    if to == "no_show":  # not offered on the form: the service refuses it too
        assert response.context["form"].errors == {
            "to": ["Select a valid choice. no_show is not one of the available choices."]
        }
    else:
        assert response.context["form"].errors == errors
    assert interview.status == Interview.Status.NO_SHOW
    assert Event.objects.filter(kind="interview.outcome_corrected").count() == 0


def test_correction_of_an_interview_without_an_outcome_is_refused(interview, rita):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        correct_interview_outcome(interview, to="completed", reason="?", actor=rita, now=MARKED)

    interview.refresh_from_db()
    assert refused.value.message_dict == {
        "to": ["This interview is “Scheduled”: there is no outcome to correct yet."]
    }
    assert interview.status == Interview.Status.SCHEDULED


def test_correction_page_needs_login(interview, rita):
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=MARKED, actor=rita)

    response = Client().post(f"/interviews/{interview.pk}/correct/", {"to": "completed", "reason": "x"})

    interview.refresh_from_db()
    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next=/interviews/{interview.pk}/correct/",
    )
    assert interview.status == Interview.Status.NO_SHOW


def test_interview_page_offers_the_correction_once_an_outcome_is_recorded(interview, client, rita):
    before = client.get(f"/interviews/{interview.pk}/").content.decode()
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=MARKED, actor=rita)

    after = client.get(f"/interviews/{interview.pk}/").content.decode()

    link = f'<a class="button" href="/interviews/{interview.pk}/correct/">Correct the recorded outcome…</a>'
    assert (link in before, link in after) == (False, True)
