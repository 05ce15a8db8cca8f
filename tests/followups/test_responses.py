"""A response stops that person's cadence (PRODUCT.md rules 1, 2, 5): record_response and its callers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import CadenceRun, Feedback, Task, Touchpoint
from candidly.followups.responses import Answers, Verdict, record_response
from candidly.hiring.models import Interview
from candidly.hiring.reliability import reliability_record
from candidly.messaging.inbound import record_reply
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

Kind = Touchpoint.Kind
Status = Touchpoint.Status


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def planned(clock) -> Interview:
    """Cara (New York) and Hannah (London) after an interview that ended an hour ago, cadences planned."""
    interview = InterviewFactory(
        starts_at=clock.now - timedelta(hours=2),
        ends_at=clock.now - timedelta(hours=1),
        submission__candidate__name="Cara Candidate",
        submission__candidate__time_zone="America/New_York",
        submission__role__hiring_manager__name="Hannah Manager",
        submission__role__company__name="Acme Robotics",
    )
    plan_follow_up_cadences(interview)
    return interview


def statuses(interview: Interview, *, candidate: bool) -> list[tuple[str, str, str]]:
    rows = Touchpoint.objects.filter(interview=interview, candidate__isnull=not candidate).order_by("step")
    return list(rows.values_list("kind", "status", "skip_reason"))


def test_record_response_form_answers_save_feedback_and_skip_the_rest_of_the_cadence(planned, clock):
    cara = planned.submission.candidate
    answers = Answers(enjoyment=4, difference="a_little", difference_note="More on-call", excitement="yes")

    result = record_response(
        person=cara, interview=planned, channel="form", answers=answers, received_at=clock.now
    )

    feedback = Feedback.objects.get()
    assert (feedback.candidate, feedback.enjoyment, feedback.difference, feedback.excitement) == (
        cara,
        4,
        "a_little",
        "yes",
    )
    assert (result.first, result.corrected, result.tasks) == (True, False, [])
    reason = "answered the feedback form"
    assert statuses(planned, candidate=True) == [
        (Kind.FOLLOW_UP_CALL, Status.SKIPPED, reason),
        (Kind.FOLLOW_UP_EMAIL, Status.SKIPPED, reason),
        (Kind.NUDGE, Status.SKIPPED, reason),
        (Kind.LAST_CALL, Status.SKIPPED, reason),
        (Kind.GONE_QUIET, Status.SKIPPED, reason),
    ]
    # The manager's cadence is theirs: it goes on.
    assert {status for _, status, _ in statuses(planned, candidate=False)} == {Status.PLANNED}
    responded = Event.objects.get(kind="followup.responded")
    assert (responded.candidate, responded.interview, responded.data) == (
        cara,
        planned,
        # Answered before any follow-up step was performed.
        {"response_seconds": 3600, "channel": "form", "after_step": "", "after_step_channel": ""},
    )
    assert Event.objects.get(kind="feedback.given").summary == (
        "Answered: enjoyed it 4/5; different from expected: a little; still excited: yes"
    )
    assert CadenceRun.objects.get(audience="candidate").responded_at == clock.now
    assert reliability_record(cara, now=clock.now).median_response_display == "1 h"


def test_record_response_again_corrects_the_answers_and_is_timed_once(planned, clock):
    cara = planned.submission.candidate
    record_response(
        person=cara,
        interview=planned,
        channel="form",
        answers=Answers(5, "no", "", "yes"),
        received_at=clock.now,
    )
    clock.advance(timedelta(hours=2))

    result = record_response(
        person=cara,
        interview=planned,
        channel="form",
        answers=Answers(3, "a_lot", "Not the team I met", "not_sure"),
        received_at=clock.now,
    )

    assert (result.first, result.corrected, result.skipped) == (False, True, [])
    feedback = Feedback.objects.get()
    assert (feedback.enjoyment, feedback.difference, feedback.difference_note, feedback.excitement) == (
        3,
        "a_lot",
        "Not the team I met",
        "not_sure",
    )
    assert Event.objects.filter(kind="followup.responded").count() == 1
    assert Event.objects.get(kind="feedback.corrected").summary == (
        "Corrected their answers: enjoyed it 3/5; different from expected: a lot; still excited: not sure"
    )


def test_record_response_call_me_gives_an_urgent_call_task_in_the_chosen_window(planned, clock):
    cara = planned.submission.candidate  # 11:00 in New York now; she wants an afternoon call

    result = record_response(
        person=cara,
        interview=planned,
        channel="form",
        answers=Answers(call_me=True, call_window="afternoon"),
        received_at=clock.now,
    )

    [task] = result.tasks
    assert (task.kind, task.urgent, task.due_at, task.candidate, task.assigned_to) == (
        Task.Kind.CALL,
        True,
        utc(2026, 3, 10, 18),  # 14:00 in New York
        cara,
        planned.submission.recruiter,
    )
    assert (
        task.title == "Call Cara Candidate: they asked to talk about Acme Robotics "
        "(afternoon, 14:00 to 18:00, their time)"
    )


def test_record_response_not_excited_asks_the_recruiter_to_talk_it_through(planned, clock):
    cara = planned.submission.candidate

    result = record_response(
        person=cara,
        interview=planned,
        channel="form",
        answers=Answers(2, "a_lot", "", "no"),
        received_at=clock.now,
    )

    assert [(t.kind, t.title, t.urgent) for t in result.tasks] == [
        (Task.Kind.CALL, "Cara Candidate is not keen to go on with Acme Robotics: talk it through", False)
    ]


def test_email_reply_goes_through_record_response_and_clears_gone_quiet(planned, clock):
    cara = planned.submission.candidate
    planned.submission.__class__.objects.filter(pk=planned.submission_id).update(gone_quiet_at=clock.now)
    nudge = Touchpoint.objects.get(kind=Kind.NUDGE)

    skipped = record_reply(nudge, text="Sorry, busy week. Still keen!", received_at=clock.now)

    assert [tp.kind for tp in skipped] == [
        Kind.FOLLOW_UP_CALL,
        Kind.FOLLOW_UP_EMAIL,
        Kind.NUDGE,
        Kind.LAST_CALL,
        Kind.GONE_QUIET,
    ]
    planned.submission.refresh_from_db()
    assert planned.submission.gone_quiet_at is None
    assert list(
        Event.objects.filter(candidate=cara)
        .exclude(kind__in=["followup.planned"])
        .order_by("id")
        .values_list("kind", "summary")
    ) == [
        ("email.replied", "Replied by email: Sorry, busy week. Still keen!"),
        ("followup.responded", "Responded after the interview (responded by email)"),
        ("submission.gone_quiet_cleared", "No longer quiet: responded by email"),
    ]


def test_manager_verdict_marks_attendance_tasks_the_recruiter_and_stops_their_cadence(planned, clock):
    hannah = planned.submission.role.hiring_manager

    result = record_response(
        person=hannah,
        interview=planned,
        channel="form",
        answers=Verdict("advance", "Strong on systems."),
        received_at=clock.now,
    )

    planned.refresh_from_db()
    assert planned.status == Interview.Status.COMPLETED
    assert [(t.kind, t.title) for t in result.tasks] == [
        (
            Task.Kind.RELAY_VERDICT,
            f"{hannah.company.name} wants to move forward with Cara Candidate: tell Cara Candidate",
        )
    ]
    assert "Strong on systems." in result.tasks[0].details
    assert {status for _, status, _ in statuses(planned, candidate=False)} == {Status.SKIPPED}
    assert {status for _, status, _ in statuses(planned, candidate=True)} == {Status.PLANNED}
    event = Event.objects.get(kind="followup.manager_responded")
    assert (event.contact, event.data) == (
        hannah,
        {
            "response_seconds": 3600,
            "channel": "form",
            "after_step": "",
            "after_step_channel": "",
            "within_window": True,
        },
    )


def test_manager_answer_after_the_window_counts_as_late_and_closes_the_chase_task(planned, clock):
    hannah = planned.submission.role.hiring_manager
    chase = Task.objects.create(
        kind=Task.Kind.CHASE_COMPANY,
        title="Chase",
        due_at=clock.now,
        interview=planned,
        submission=planned.submission,
    )
    clock.advance(timedelta(days=3))  # Friday: past the 2 business days of the window

    record_response(
        person=hannah, interview=planned, channel="form", answers=Verdict("hold"), received_at=clock.now
    )

    chase.refresh_from_db()
    assert (chase.status, chase.outcome) == (Task.Status.DONE, "Hannah Manager answered the feedback form.")
    assert Event.objects.get(kind="followup.manager_responded").data["within_window"] is False


def test_manager_says_the_candidate_did_not_attend_marks_a_no_show_and_plans_we_missed_you(planned, clock):
    hannah = planned.submission.role.hiring_manager

    record_response(
        person=hannah,
        interview=planned,
        channel="form",
        answers=Verdict("did_not_attend"),
        received_at=clock.now,
    )

    planned.refresh_from_db()
    assert planned.status == Interview.Status.NO_SHOW
    no_show = Event.objects.get(kind="interview.no_show")
    assert no_show.actor_type == Event.Actor.CONTACT
    candidate_rows = Touchpoint.objects.filter(interview=planned, candidate__isnull=False).order_by(
        "step", "id"
    )
    assert [(tp.kind, tp.status) for tp in candidate_rows] == [
        (Kind.MISSED_YOU, Status.PLANNED),
        (Kind.FOLLOW_UP_CALL, Status.SKIPPED),
        (Kind.FOLLOW_UP_EMAIL, Status.SKIPPED),
        (Kind.NUDGE, Status.SKIPPED),
        (Kind.LAST_CALL, Status.SKIPPED),
        (Kind.GONE_QUIET, Status.SKIPPED),
    ]
    assert reliability_record(planned.submission.candidate, now=clock.now).no_shows == 1


def test_record_response_refuses_a_verdict_from_a_candidate(planned, clock):
    with pytest.raises(ValueError, match="Candidates answer the three questions"):
        record_response(
            person=planned.submission.candidate,
            interview=planned,
            channel="form",
            answers=Verdict("advance"),
            received_at=clock.now,
        )

    assert Feedback.objects.count() == 0
