"""Calls are first-class: the call task, its page and its one-click outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Feedback, Task, Touchpoint
from candidly.hiring.models import Interview
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

Kind = Touchpoint.Kind
Status = Touchpoint.Status


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def interview_ending(moment: datetime, recruiter) -> Interview:
    interview = InterviewFactory(
        starts_at=moment - timedelta(hours=1),
        ends_at=moment,
        submission__candidate__name="Cara Candidate",
        submission__candidate__time_zone="America/New_York",
        submission__candidate__phone="+14155550123",
        submission__candidate__recruiter=recruiter,
        submission__role__company__name="Acme Robotics",
    )
    plan_follow_up_cadences(interview)
    return interview


@pytest.fixture
def call_task(clock, recruiter, make_worker) -> Task:
    """The +1 h call of an interview that ended at 10:00 in New York, handed to Rita by the worker."""
    interview_ending(clock.now - timedelta(hours=1), recruiter)
    make_worker().run_batch()
    return Task.objects.get(kind=Task.Kind.CALL)


def test_call_step_after_an_evening_interview_waits_for_the_candidates_morning(clock, recruiter, make_worker):
    # Ends 17:30 in New York (21:30 UTC): +1 h is 18:30 there, after hours.
    interview = interview_ending(utc(2026, 3, 10, 21, 30), recruiter)
    call = Touchpoint.objects.get(interview=interview, kind=Kind.FOLLOW_UP_CALL)

    clock.set(utc(2026, 3, 10, 22, 30))
    at_night = make_worker().run_batch()
    clock.set(utc(2026, 3, 11, 13))  # Wednesday 09:00 in New York
    morning = make_worker().run_batch()

    assert call.due_at == utc(2026, 3, 11, 13)
    assert at_night.claimed == 0
    task = Task.objects.get(kind=Task.Kind.CALL)
    assert (task.due_at, task.assigned_to, task.urgent) == (utc(2026, 3, 11, 13), recruiter, False)
    assert morning.claimed >= 1


def test_call_page_shows_local_time_phone_link_script_and_outcomes(call_task, recruiter_client):
    response = recruiter_client.get(f"/calls/{call_task.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<a class="button primary" href="tel:+14155550123">Call +1 415-555-0123</a>' in page
    assert "<strong>Tue 11:00</strong> (America/New_York) · within business hours" in page
    assert "Did you enjoy the interview? (1 to 5)" in page
    assert "<legend>Are you still excited to move forward?</legend>" in page
    assert 'value="voicemail">Left a voicemail</button>' in page
    assert 'value="no_answer">No answer</button>' in page


def test_call_page_outside_business_hours_says_when_to_call(call_task, recruiter_client, clock):
    clock.set(utc(2026, 3, 11, 1))  # 21:00 in New York

    page = recruiter_client.get(f"/calls/{call_task.pk}/").content.decode()

    assert "outside business hours</span>: a good time is Wed 11 Mar, 09:00 their time" in page


def test_call_reached_with_answers_is_a_phone_response(call_task, recruiter, recruiter_client, clock):
    interview = call_task.interview
    data = {
        "outcome": "reached",
        "enjoyment": "5",
        "difference": "no",
        "excitement": "yes",
        "notes": "Loved it",
    }

    response = recruiter_client.post(f"/calls/{call_task.pk}/log/", data)

    assert (response.status_code, response["Location"]) == (302, "/")
    call_task.refresh_from_db()
    assert (call_task.status, call_task.outcome, call_task.done_by, call_task.done_at) == (
        Task.Status.DONE,
        "Reached",
        recruiter,
        clock.now,
    )
    assert Touchpoint.objects.get(kind=Kind.FOLLOW_UP_CALL).status == Status.DONE
    feedback = Feedback.objects.get()
    assert (feedback.channel, feedback.enjoyment, feedback.notes, feedback.recorded_by) == (
        "phone",
        5,
        "Loved it",
        recruiter,
    )
    rest = Touchpoint.objects.filter(candidate__isnull=False).exclude(kind=Kind.FOLLOW_UP_CALL)
    assert set(rest.values_list("status", "skip_reason")) == {(Status.SKIPPED, "responded by phone")}
    logged = Event.objects.get(kind="call.logged")
    assert (logged.actor_user, logged.summary, logged.interview) == (
        recruiter,
        "Called Cara Candidate: reached",
        interview,
    )
    # The call itself is the step that drew the answer.
    assert Event.objects.get(kind="followup.responded").data == {
        "response_seconds": 3600,
        "channel": "phone",
        "after_step": "follow-up-call",
        "after_step_channel": "call",
    }


def test_call_reached_without_the_answers_is_refused_and_changes_nothing(call_task, recruiter_client):
    response = recruiter_client.post(f"/calls/{call_task.pk}/log/", {"outcome": "reached", "enjoyment": "3"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"difference", "excitement"}
    call_task.refresh_from_db()
    assert call_task.status == Task.Status.OPEN
    assert Feedback.objects.count() == 0
    assert Event.objects.filter(kind="call.logged").count() == 0


def test_call_voicemail_logs_it_and_the_cadence_goes_on(call_task, recruiter, recruiter_client):
    response = recruiter_client.post(f"/calls/{call_task.pk}/log/", {"outcome": "voicemail"})

    assert response.status_code == 302
    call_task.refresh_from_db()
    assert (call_task.status, call_task.outcome) == (Task.Status.DONE, "Left a voicemail")
    assert Touchpoint.objects.get(kind=Kind.FOLLOW_UP_CALL).status == Status.DONE
    assert set(
        Touchpoint.objects.filter(kind__in=[Kind.NUDGE, Kind.LAST_CALL]).values_list("status", flat=True)
    ) == {Status.PLANNED}
    assert Event.objects.get(kind="call.logged").summary == "Called Cara Candidate: left a voicemail"
    assert Event.objects.filter(kind="followup.responded").count() == 0


def test_call_logged_twice_changes_nothing_the_second_time(call_task, recruiter_client):
    recruiter_client.post(f"/calls/{call_task.pk}/log/", {"outcome": "no_answer"})

    second = recruiter_client.post(f"/calls/{call_task.pk}/log/", {"outcome": "voicemail"}, follow=True)

    call_task.refresh_from_db()
    assert call_task.outcome == "No answer"
    assert Event.objects.filter(kind="call.logged").count() == 1
    assert "This call was already logged." in second.content.decode()


def test_call_page_for_another_kind_of_task_is_not_found(clock, recruiter_client):
    task = Task.objects.create(kind=Task.Kind.CHASE_COMPANY, title="Chase", due_at=clock.now)

    response = recruiter_client.get(f"/calls/{task.pk}/")

    assert response.status_code == 404


def test_call_before_the_interview_reached_is_one_click(clock, recruiter, recruiter_client):
    interview = InterviewFactory(
        starts_at=clock.now + timedelta(hours=5), submission__candidate__recruiter=recruiter
    )
    task = Task.objects.create(
        kind=Task.Kind.CALL,
        title="Call about the late cancellation",
        due_at=clock.now,
        urgent=True,
        candidate=interview.submission.candidate,
        submission=interview.submission,
        interview=interview,
    )

    page = recruiter_client.get(f"/calls/{task.pk}/").content.decode()
    response = recruiter_client.post(f"/calls/{task.pk}/log/", {"outcome": "reached"})

    assert "The script" not in page
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome) == (Task.Status.DONE, "Reached")
    assert Feedback.objects.count() == 0
    assert Event.objects.filter(kind="followup.responded").count() == 0
