"""The candidate's "I'll be there" page and its calendar file (a signed link from their emails)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import cancel_interview_for_candidate
from candidly.messaging.emails import calendar_reply_address
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.timeline.models import Event
from tests.interviews import NEW_YORK, VIDEO_URL, book, configure, make_rita, make_submission

# Thursday 12 March 2026, 14:00 in New York (EDT).
STARTS = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
BEFORE = STARTS - timedelta(days=2)


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


@pytest.fixture
def token(interview):
    return issue_link(Link.Purpose.CONFIRM, candidate=interview.submission.candidate, interview=interview)


def test_confirm_page_get_shows_the_interview_and_changes_nothing(interview, token):
    with time_machine.travel(BEFORE, tick=False):
        response = Client().get(f"/l/confirm/{token}/")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 200
    assert "Will you be there?" in body
    assert "Backend Engineer at Acme Robotics" in body
    assert "Thursday 12 March, 14:00" in body
    assert f'<a href="{VIDEO_URL}">' in body
    assert 'href="invite.ics"' in body
    assert "Yes, I'll be there</button>" in body
    assert (interview.status, Event.objects.filter(kind="interview.confirmed").count()) == ("scheduled", 0)


def test_confirm_post_confirms_once_and_a_second_post_says_it_is_done(interview, token):
    with time_machine.travel(BEFORE, tick=False):
        first = Client().post(f"/l/confirm/{token}/")
        second = Client().post(f"/l/confirm/{token}/")
        page = Client().get(f"/l/confirm/{token}/")

    interview.refresh_from_db()
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Thanks, you're confirmed" in first.content.decode()
    assert "You'd already confirmed" in second.content.decode()
    assert "You're confirmed" in page.content.decode()
    assert interview.status == Interview.Status.CONFIRMED
    assert list(
        Event.objects.filter(kind="interview.confirmed").values_list("actor_type", "occurred_at")
    ) == [(Event.Actor.CANDIDATE, BEFORE)]


def test_confirm_page_offers_the_calendar_file_which_parses_back(interview, token):
    with time_machine.travel(BEFORE, tick=False):
        response = Client().get(f"/l/confirm/{token}/invite.ics")

    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response["Content-Disposition"] == f'attachment; filename="interview-{interview.pk}.ics"'
    assert (str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == (
        "REQUEST",
        f"interview-{interview.pk}@replies.localhost",
        0,
    )
    assert event.decoded("DTSTART") == datetime(2026, 3, 12, 14, 0, tzinfo=NEW_YORK)
    # The interview's calendar reply address, as on the emailed invites: the candidate's answer comes back.
    assert (str(event["ORGANIZER"]), str(event["ATTENDEE"])) == (
        f"mailto:{calendar_reply_address(interview, now=timezone.now())}",
        "mailto:cara@mail.test",
    )


def test_calendar_file_of_a_cancelled_interview_is_refused(interview, token):
    cancel_interview_for_candidate(interview, now=BEFORE, reason_kind=CancellationReason.RESCHEDULE)

    with time_machine.travel(BEFORE, tick=False):
        response = Client().get(f"/l/confirm/{token}/invite.ics")

    assert response.status_code == 410
    assert "text/html" in response["Content-Type"]
    assert "This interview is cancelled" in response.content.decode()


def test_confirm_after_the_start_offers_the_phone_and_changes_nothing(interview, token):
    with time_machine.travel(STARTS, tick=False):
        response = Client().post(f"/l/confirm/{token}/")

    interview.refresh_from_db()
    assert response.status_code == 410
    assert "Your interview has already started" in response.content.decode()
    assert interview.status == Interview.Status.SCHEDULED


def test_confirm_expired_link_is_refused_without_data(interview):
    token = issue_link(
        Link.Purpose.CONFIRM,
        candidate=interview.submission.candidate,
        interview=interview,
        now=BOOKED,
        max_age=timedelta(hours=1),
    )

    with time_machine.travel(BOOKED + timedelta(hours=1), tick=False):
        response = Client().post(f"/l/confirm/{token}/")

    body = response.content.decode()
    interview.refresh_from_db()
    assert response.status_code == 410
    for word in ("Cara", "Acme Robotics", "Backend Engineer", "Rita", "+44"):
        assert word not in body
    assert interview.status == Interview.Status.SCHEDULED
