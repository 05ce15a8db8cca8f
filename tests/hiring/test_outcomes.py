"""Confirming an interview and recording its outcome (attended / no-show), as services and as pages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Task
from candidly.hiring.models import Interview
from candidly.hiring.rules import FollowUpPlan
from candidly.hiring.services.interview_status import (
    ConfirmationResult,
    confirm_interview,
    mark_interview_outcome,
)
from candidly.timeline.models import Event
from tests.factories import InterviewFactory, UserFactory

START = datetime(2025, 3, 20, 14, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def interview_events():
    # Marking an outcome also plans follow-ups (their own events); these tests are about the interview's.
    return Event.objects.filter(kind__startswith="interview.")


def interview_at_start(**fields):
    return InterviewFactory(starts_at=START, ends_at=END, **fields)


def mark_at(interview, moment, outcome, actor):
    with time_machine.travel(moment, tick=False):
        return mark_interview_outcome(interview, outcome=outcome, now=timezone.now(), actor=actor)


# --- confirm ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_moves_scheduled_to_confirmed_once():
    interview = interview_at_start()

    first = confirm_interview(interview, now=START - timedelta(days=1), via="link")
    second = confirm_interview(interview, now=START - timedelta(hours=2), via="link")

    interview.refresh_from_db()
    assert (first.result, second.result) == (
        ConfirmationResult.CONFIRMED,
        ConfirmationResult.ALREADY_CONFIRMED,
    )
    assert (first.confirmed, second.confirmed) == (True, False)
    assert (interview.status, interview.sequence) == (Interview.Status.CONFIRMED, 0)
    assert list(interview_events().values_list("kind", "actor_type", "summary", "data")) == [
        ("interview.confirmed", "candidate", "Confirmed they will attend interview round 1", {"via": "link"})
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "now", "result"),
    [
        (Interview.Status.SCHEDULED, START, ConfirmationResult.ALREADY_STARTED),
        (Interview.Status.LATE_CANCELLATION, START - timedelta(hours=3), ConfirmationResult.NOT_SCHEDULED),
        (Interview.Status.NO_SHOW, END + timedelta(hours=3), ConfirmationResult.NOT_SCHEDULED),
    ],
)
def test_confirm_is_refused_after_the_start_or_when_no_longer_scheduled(status, now, result):
    interview = interview_at_start(status=status)

    outcome = confirm_interview(interview, now=now, via="link")

    interview.refresh_from_db()
    assert (outcome.result, interview.status, interview_events().count()) == (result, status, 0)


@pytest.mark.django_db
def test_recruiter_records_a_confirmation_from_the_interview_page(recruiter, recruiter_client):
    interview = interview_at_start()

    with time_machine.travel(START - timedelta(days=1), tick=False):
        page = recruiter_client.get(f"/interviews/{interview.pk}/")
        response = recruiter_client.post(f"/interviews/{interview.pk}/confirm/", follow=True)

    interview.refresh_from_db()
    assert f'action="/interviews/{interview.pk}/confirm/"' in page.content.decode()
    assert interview.status == Interview.Status.CONFIRMED
    assert list(interview_events().values_list("kind", "actor_user", "data")) == [
        ("interview.confirmed", recruiter.pk, {"via": "recruiter"})
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "Recorded: the candidate confirmed they will attend."
    ]


# --- mark the outcome: the service ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "kind", "summary", "plan"),
    [
        ("completed", "interview.completed", "Attended interview round 1", FollowUpPlan.FOLLOW_UP_CADENCE),
        (
            "no_show",
            "interview.no_show",
            "No-show at interview round 1: did not attend and did not tell us",
            FollowUpPlan.MISSED_YOU,
        ),
    ],
)
def test_mark_outcome_after_the_end_records_it(recruiter, outcome, kind, summary, plan):
    interview = interview_at_start(status=Interview.Status.CONFIRMED)

    result = mark_at(interview, END, outcome, recruiter)

    interview.refresh_from_db()
    assert (result.status, result.changed, result.follow_up) == (outcome, True, plan)
    assert interview.status == outcome
    assert list(interview_events().values_list("kind", "actor_user", "summary", "interview")) == [
        (kind, recruiter.pk, summary, interview.pk)
    ]


@pytest.mark.django_db
def test_mark_outcome_before_the_end_is_refused(recruiter):
    interview = interview_at_start()

    with pytest.raises(ValidationError) as raised:
        mark_at(interview, END - timedelta(seconds=1), "no_show", recruiter)

    interview.refresh_from_db()
    assert raised.value.message_dict == {
        "outcome": [
            "The interview has not ended yet (it ends Thursday 20 March 2025 at 15:00 GMT (Europe/London)); "
            "record what happened after it ends."
        ]
    }
    assert (interview.status, interview_events().count()) == (Interview.Status.SCHEDULED, 0)


@pytest.mark.django_db
def test_mark_outcome_twice_is_one_change(recruiter):
    interview = interview_at_start()
    mark_at(interview, END + timedelta(hours=1), "no_show", recruiter)

    again = mark_at(interview, END + timedelta(hours=2), "no_show", recruiter)

    assert (again.changed, again.follow_up) == (False, None)
    assert list(interview_events().values_list("kind", flat=True)) == ["interview.no_show"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "outcome", "message"),
    [
        (Interview.Status.NO_SHOW, "completed", "This interview is already marked “No-show”."),
        (
            Interview.Status.CANCELLED_WITH_NOTICE,
            "no_show",
            "This interview is “Cancelled with notice”; there is no outcome to record.",
        ),
        (Interview.Status.SCHEDULED, "rescheduled", "“rescheduled” is not an interview outcome."),
    ],
)
def test_mark_outcome_refuses_what_cannot_be_marked(recruiter, status, outcome, message):
    interview = interview_at_start(status=status)

    with pytest.raises(ValidationError) as raised:
        mark_at(interview, END + timedelta(days=1), outcome, recruiter)

    interview.refresh_from_db()
    assert raised.value.message_dict == {"outcome": [message]}
    assert (interview.status, interview_events().count()) == (status, 0)


@pytest.mark.django_db
def test_mark_outcome_closes_the_open_mark_interview_task(recruiter):
    interview = interview_at_start()
    reminder = Task.objects.create(
        kind=Task.Kind.MARK_INTERVIEW, title="Mark the outcome", due_at=END, interview=interview
    )
    other = Task.objects.create(kind=Task.Kind.CALL, title="Call", due_at=END, interview=interview)

    result = mark_at(interview, END + timedelta(hours=1), "completed", recruiter)

    reminder.refresh_from_db()
    other.refresh_from_db()
    assert (reminder.status, reminder.done_by, reminder.done_at, reminder.outcome) == (
        "done",
        recruiter,
        END + timedelta(hours=1),
        "Marked attended",
    )
    assert other.status == "open"
    assert result.closed_tasks == (reminder,)
    assert interview_events().get().data == {"note": "", "closed_tasks": [reminder.pk]}


# --- mark the outcome: two clicks from the pages ---------------------------------------------------------


@pytest.mark.django_db
def test_mark_no_show_from_the_candidate_page_in_two_clicks(recruiter, recruiter_client):
    interview = interview_at_start()
    candidate_page = f"/candidates/{interview.submission.candidate_id}/"

    with time_machine.travel(END + timedelta(hours=2), tick=False):
        page = recruiter_client.get(candidate_page)  # click 1: open the candidate
        response = recruiter_client.post(  # click 2: "No-show"
            f"/interviews/{interview.pk}/outcome/", {"outcome": "no_show", "next": candidate_page}
        )

    html = page.content.decode()
    assert f'action="/interviews/{interview.pk}/outcome/"' in html
    assert 'name="outcome" value="no_show"' in html
    assert f'name="next" value="{candidate_page}"' in html
    assert (response.status_code, response.url) == (302, candidate_page)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.NO_SHOW
    assert list(interview_events().values_list("kind", "actor_user")) == [("interview.no_show", recruiter.pk)]


@pytest.mark.django_db
def test_mark_attended_from_today_in_two_clicks(recruiter, recruiter_client):
    # Today lists the viewer's interviews: this one is the recruiter's.
    interview = interview_at_start(status=Interview.Status.CONFIRMED, submission__recruiter=recruiter)

    with time_machine.travel(END + timedelta(days=1), tick=False):
        page = recruiter_client.get("/")
        response = recruiter_client.post(
            f"/interviews/{interview.pk}/outcome/", {"outcome": "completed", "next": "/"}, follow=True
        )

    assert f'action="/interviews/{interview.pk}/outcome/"' in page.content.decode()
    assert page.context["unmarked"] == [interview]
    assert response.redirect_chain == [("/", 302)]
    assert response.context["unmarked"] == []
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    assert [str(m) for m in response.context["messages"]] == [
        f"Recorded: {interview.submission.candidate.name} attended round 1."
    ]


@pytest.mark.django_db
def test_mark_outcome_from_the_interview_page_returns_there(recruiter_client):
    interview = interview_at_start()

    with time_machine.travel(END + timedelta(minutes=5), tick=False):
        page = recruiter_client.get(f"/interviews/{interview.pk}/")
        response = recruiter_client.post(f"/interviews/{interview.pk}/outcome/", {"outcome": "completed"})

    assert 'name="outcome" value="completed"' in page.content.decode()
    assert response.url == f"/interviews/{interview.pk}/"
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED


@pytest.mark.django_db
def test_mark_outcome_page_before_the_end_says_why_and_changes_nothing(recruiter_client):
    interview = interview_at_start()

    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        page = recruiter_client.get(f"/interviews/{interview.pk}/")
        response = recruiter_client.post(
            f"/interviews/{interview.pk}/outcome/", {"outcome": "no_show"}, follow=True
        )

    assert 'name="outcome"' not in page.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        "The interview has not ended yet (it ends Thursday 20 March 2025 at 15:00 GMT (Europe/London)); "
        "record what happened after it ends."
    ]
    interview.refresh_from_db()
    assert (interview.status, interview_events().count()) == (Interview.Status.SCHEDULED, 0)


@pytest.mark.django_db
def test_mark_outcome_ignores_a_next_url_to_another_site(recruiter_client):
    interview = interview_at_start()

    with time_machine.travel(END + timedelta(hours=1), tick=False):
        response = recruiter_client.post(
            f"/interviews/{interview.pk}/outcome/", {"outcome": "completed", "next": "https://evil.test/"}
        )

    assert response.url == f"/interviews/{interview.pk}/"


@pytest.mark.django_db
def test_mark_outcome_rejects_a_bad_button_value(recruiter_client):
    interview = interview_at_start()

    with time_machine.travel(END + timedelta(hours=1), tick=False):
        response = recruiter_client.post(
            f"/interviews/{interview.pk}/outcome/", {"outcome": "late_cancellation"}, follow=True
        )

    assert [str(m) for m in response.context["messages"]] == ["Choose “Attended” or “No-show”."]
    interview.refresh_from_db()
    assert (interview.status, interview_events().count()) == (Interview.Status.SCHEDULED, 0)


@pytest.mark.django_db
def test_anonymous_outcome_post_redirects_to_login_and_changes_nothing():
    interview = interview_at_start()

    with time_machine.travel(END + timedelta(hours=1), tick=False):
        response = Client().post(f"/interviews/{interview.pk}/outcome/", {"outcome": "no_show"})
        confirm = Client().post(f"/interviews/{interview.pk}/confirm/")

    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next=/interviews/{interview.pk}/outcome/",
    )
    assert confirm.url == f"/accounts/login/?next=/interviews/{interview.pk}/confirm/"
    interview.refresh_from_db()
    assert (interview.status, interview_events().count()) == (Interview.Status.SCHEDULED, 0)


@pytest.mark.django_db
def test_outcome_is_post_only(recruiter_client):
    interview = interview_at_start()

    response = recruiter_client.get(f"/interviews/{interview.pk}/outcome/?outcome=no_show")

    interview.refresh_from_db()
    assert (response.status_code, interview.status) == (405, Interview.Status.SCHEDULED)


@pytest.mark.django_db
def test_marking_as_a_colleague_records_who_did_it():
    interview = interview_at_start()
    colleague = UserFactory(username="sam", first_name="Sam", last_name="Colleague")
    client = Client()
    client.force_login(colleague)

    with time_machine.travel(END + timedelta(hours=1), tick=False):
        client.post(f"/interviews/{interview.pk}/outcome/", {"outcome": "completed"})

    event = interview_events().get()
    assert (event.kind, event.actor_user, event.actor_label) == (
        "interview.completed",
        colleague,
        "Sam Colleague",
    )
