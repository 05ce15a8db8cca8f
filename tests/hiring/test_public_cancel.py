"""The candidate's "I can't make it" page (a signed link from their emails): the 24-hour rule at its boundary,
a link used twice, after the start, and links that must reveal nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import cancel_interview_for_candidate
from candidly.messaging.links import issue_link, resolve_link
from candidly.messaging.models import BadLinkAttempt, Link
from candidly.timeline.models import Event
from tests.interviews import book, configure, make_rita, make_submission

# Thursday 12 March 2026, 14:00 in New York (EDT) / 18:00 UTC.
STARTS = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
PRIVATE = ("Cara", "Acme Robotics", "Backend Engineer", "meet.example.com")


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def interview(rita):
    with time_machine.travel(BOOKED, tick=False):
        return book(make_submission(rita), rita, STARTS)


def cancel_token(interview: Interview, **options) -> str:
    return issue_link(
        Link.Purpose.CANCEL, candidate=interview.submission.candidate, interview=interview, **options
    )


def cancel_at(moment: datetime, token: str, **form) -> object:
    with time_machine.travel(moment, tick=False):
        return Client().post(f"/l/cancel/{token}/", form)


def test_cancel_page_get_asks_what_they_want_and_changes_nothing(interview):
    token = cancel_token(interview)

    with time_machine.travel(STARTS - timedelta(days=2), tick=False):
        response = Client().get(f"/l/cancel/{token}/")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 200
    assert "What would you like to do?" in body
    assert "Find another time for this interview" in body
    assert "Stop here: I&#x27;m no longer interested in this role" in body
    assert "Thursday 12 March, 14:00" in body  # in Cara's zone, New York
    assert "less than 24 hours" not in body
    assert (interview.status, Event.objects.filter(kind__startswith="interview.c").count()) == (
        "scheduled",
        0,
    )
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_cancel_exactly_24_hours_before_is_a_cancellation_with_notice(interview, rita):
    token = cancel_token(interview)

    response = cancel_at(
        STARTS - timedelta(hours=24), token, reason_kind="reschedule", note="My flight moved"
    )

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 200
    assert "Your interview is cancelled" in body
    assert "Thanks for the notice. Your recruiter will let Acme Robotics know." in body
    assert "we'll ask Acme Robotics for new slots" in body
    assert (interview.status, interview.sequence) == (Interview.Status.CANCELLED_WITH_NOTICE, 1)
    assert list(Task.objects.values_list("kind", "urgent", "assigned_to")) == [
        (Task.Kind.CANCEL_WITH_COMPANY, False, rita.pk)
    ]
    event = Event.objects.get(kind="interview.cancelled_with_notice")
    assert (event.actor_type, event.data["reason"], event.data["note"], event.data["notice_seconds"]) == (
        Event.Actor.CANDIDATE,
        "reschedule",
        "My flight moved",
        24 * 3600,
    )
    assert Link.objects.get(purpose=Link.Purpose.CANCEL).used_at == STARTS - timedelta(hours=24)
    assert list(Touchpoint.objects.filter(status="planned").values_list("kind", flat=True)) == [
        Touchpoint.Kind.INTERVIEW_CANCELLED
    ]


def test_cancel_one_second_less_than_24_hours_is_late_with_an_urgent_call(interview, rita):
    token = cancel_token(interview)

    response = cancel_at(STARTS - timedelta(hours=24) + timedelta(seconds=1), token, reason_kind="reschedule")

    body = response.content.decode()
    interview.refresh_from_db()
    assert interview.status == Interview.Status.LATE_CANCELLATION
    assert "your recruiter will call you shortly to sort it out with Acme Robotics" in body
    assert 'href="tel:+442079460958"' in body
    assert list(Task.objects.order_by("id").values_list("kind", "urgent")) == [
        (Task.Kind.CANCEL_WITH_COMPANY, True),
        (Task.Kind.CALL, True),
    ]
    assert Event.objects.filter(kind="interview.late_cancellation").count() == 1


def test_cancel_page_warns_when_it_is_less_than_24_hours_before(interview):
    token = cancel_token(interview)

    with time_machine.travel(STARTS - timedelta(hours=5), tick=False):
        response = Client().get(f"/l/cancel/{token}/")

    assert "The interview starts in less than 24 hours." in response.content.decode()


def test_cancel_link_used_twice_does_it_once_then_says_it_is_done(interview):
    token = cancel_token(interview)
    moment = STARTS - timedelta(days=2)

    first = cancel_at(moment, token, reason_kind="reschedule")
    second = cancel_at(moment + timedelta(minutes=1), token, reason_kind="not_interested")

    body = second.content.decode()
    assert (first.status_code, second.status_code) == (200, 410)
    assert "Already done" in body
    assert "You've already told us you can't make it." in body
    for word in PRIVATE:
        assert word not in body
    assert Event.objects.filter(kind="interview.cancelled_with_notice").count() == 1
    assert Task.objects.count() == 1
    assert Event.objects.get(kind="interview.cancelled_with_notice").data["reason"] == "reschedule"


def test_cancel_without_a_choice_keeps_the_note_and_changes_nothing(interview):
    token = cancel_token(interview)

    response = cancel_at(STARTS - timedelta(days=2), token, note="Something came up at work")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 400
    assert "Choose one of the two, so we know what to tell the company." in body
    assert "Something came up at work</textarea>" in body
    assert interview.status == Interview.Status.SCHEDULED
    assert Link.objects.get(purpose=Link.Purpose.CANCEL).used_at is None
    assert (Task.objects.count(), Event.objects.filter(kind__startswith="interview.c").count()) == (0, 0)


def test_cancel_no_longer_interested_links_on_to_the_withdrawal_page(interview):
    token = cancel_token(interview)

    response = cancel_at(STARTS - timedelta(days=2), token, reason_kind="not_interested")

    withdraw_url = response.context["withdraw_url"]
    withdraw_token = withdraw_url.rstrip("/").rsplit("/", 1)[-1]
    link = resolve_link(withdraw_token, purpose=Link.Purpose.WITHDRAW, now=STARTS - timedelta(days=2))
    assert withdraw_url == f"http://127.0.0.1:8000/l/withdraw/{withdraw_token}/"
    assert f'href="{withdraw_url}"' in response.content.decode()
    assert (link.candidate, link.submission) == (interview.submission.candidate, interview.submission)
    assert "No hard feelings at all." in response.content.decode()


def test_cancel_after_the_start_offers_the_recruiters_phone_and_changes_nothing(interview):
    token = cancel_token(interview)
    moment = STARTS + timedelta(minutes=1)

    with time_machine.travel(moment, tick=False):
        page = Client().get(f"/l/cancel/{token}/")
    posted = cancel_at(moment, token, reason_kind="reschedule")

    interview.refresh_from_db()
    for response in (page, posted):
        body = response.content.decode()
        assert response.status_code == 410
        assert "Your interview has already started" in body
        assert 'href="tel:+442079460958"' in body
        for word in PRIVATE:
            assert word not in body
    assert interview.status == Interview.Status.SCHEDULED
    assert Task.objects.count() == 0


def test_cancel_after_the_recruiter_cancelled_says_so_and_spends_nothing(interview, rita):
    token = cancel_token(interview)
    moment = STARTS - timedelta(days=2)
    cancel_interview_for_candidate(
        interview, now=moment, reason_kind=CancellationReason.RESCHEDULE, via="recruiter", actor=rita
    )

    response = cancel_at(moment, token, reason_kind="reschedule")

    assert response.status_code == 410
    assert "This interview is cancelled" in response.content.decode()
    assert Link.objects.get(purpose=Link.Purpose.CANCEL).used_at is None
    assert Event.objects.filter(kind="interview.cancelled_with_notice").count() == 1


def test_cancel_link_that_expired_is_refused_without_data(interview):
    token = cancel_token(interview, now=BOOKED, max_age=timedelta(days=1))

    response = cancel_at(BOOKED + timedelta(days=1), token, reason_kind="reschedule")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 410
    assert [t.name for t in response.templates][:1] == ["public/link_invalid.html"]
    for word in (*PRIVATE, "Rita", "+44"):
        assert word not in body
    assert interview.status == Interview.Status.SCHEDULED


@pytest.mark.parametrize("wrong", ["confirm-token", "feedback-token", "tampered"])
def test_cancel_with_a_link_for_something_else_is_refused_without_data(interview, wrong):
    candidate = interview.submission.candidate
    if wrong == "confirm-token":
        token = issue_link(Link.Purpose.CONFIRM, candidate=candidate, interview=interview)
    elif wrong == "feedback-token":
        token = issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=interview)
    else:
        genuine = cancel_token(interview)
        # Change the last character to a different one (replacing it with itself would tamper nothing).
        token = genuine[:-1] + ("b" if genuine.endswith("a") else "a")

    response = cancel_at(STARTS - timedelta(days=2), token, reason_kind="reschedule")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 404
    assert [t.name for t in response.templates][:1] == ["public/link_invalid.html"]
    for word in (*PRIVATE, "Rita", "+44"):
        assert word not in body
    assert interview.status == Interview.Status.SCHEDULED
    assert BadLinkAttempt.objects.count() == 1


def test_cancel_link_acts_only_on_its_own_interview(interview, rita):
    with time_machine.travel(BOOKED, tick=False):
        second_round = book(interview.submission, rita, STARTS + timedelta(days=7))
    token = cancel_token(interview)

    cancel_at(STARTS - timedelta(days=2), token, reason_kind="reschedule")

    interview.refresh_from_db()
    second_round.refresh_from_db()
    assert (interview.status, second_round.status) == ("cancelled_with_notice", "scheduled")
    assert set(Touchpoint.objects.filter(interview=second_round).values_list("status", flat=True)) == {
        Touchpoint.Status.PLANNED
    }


def test_cancel_post_needs_a_csrf_token(interview):
    token = cancel_token(interview)

    with time_machine.travel(STARTS - timedelta(days=2), tick=False):
        response = Client(enforce_csrf_checks=True).post(f"/l/cancel/{token}/", {"reason_kind": "reschedule"})

    interview.refresh_from_db()
    assert response.status_code == 403
    assert interview.status == Interview.Status.SCHEDULED
