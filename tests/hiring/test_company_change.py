"""The company's side of a round: "The company cancelled or moved this round" on the interview page.

Never on the candidate's reliability record; the candidate gets the calendar cancellation or the update in
their own zone, through the real worker and a real SMTP server; a confirmed round that moves is confirmed
again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from candidly.followups.models import Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.reliability import reliability_record
from candidly.hiring.services.interview_status import Via, confirm_interview
from candidly.timeline.models import Event
from tests.followups.conftest import Clock
from tests.interviews import book, calendar_of, configure, event_of, local, make_rita, make_submission

LONDON = ZoneInfo("Europe/London")
# Monday 9 March 2026, 10:00 in New York (EDT): the round is booked for Thursday 12 March, 14:00 New York.
BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
STARTS = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
# Tuesday 10 March, 11:00 in New York: when the company calls.
CALL = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


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
    """Booked, its confirmation sent by the worker; then the company calls."""
    booked = book(make_submission(rita), rita, STARTS)
    Worker(worker_id="worker-a", poll_seconds=0.01).run_batch()
    smtp_sink.clear()
    clock.set(CALL)
    return booked


@pytest.fixture
def client(rita) -> Client:
    client = Client()
    client.force_login(rita)
    return client


def run_worker() -> None:
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()


def test_company_cancel_leaves_the_record_unchanged_and_sends_the_calendar_cancel(
    interview, client, smtp_sink
):
    candidate = interview.submission.candidate
    confirm_interview(interview, now=CALL, via=Via.LINK)
    before = reliability_record(candidate, now=CALL)

    response = client.post(
        f"/interviews/{interview.pk}/company-change/",
        {"change": "cancelled", "reason": "The hiring manager is off sick this week"},
    )
    run_worker()

    interview.refresh_from_db()
    assert (response.status_code, response.url) == (302, f"/interviews/{interview.pk}/")
    assert (interview.status, interview.sequence) == (Interview.Status.CANCELLED_BY_COMPANY, 1)
    assert reliability_record(candidate, now=CALL) == before
    assert before.confirmations == 1
    [event] = Event.objects.filter(kind="interview.cancelled_by_company")
    assert (event.summary, event.actor_user.username) == (
        "Interview round 1 called off by the company: The hiring manager is off sick this week",
        "rita",
    )
    [mail] = smtp_sink.received
    assert (mail.rcpt_tos, mail.subject) == (
        ["cara@mail.test"],
        "Cancelled: your Acme Robotics interview, Thu 12 Mar, 14:00",
    )
    assert "When: Thursday 12 March, 14:00\u201315:00 (New York time)" in mail.body()
    assert "Acme Robotics has called this round off." in mail.body()
    content_type, calendar = calendar_of(mail)
    assert content_type == 'text/calendar; method="CANCEL"; charset="utf-8"'
    assert (str(calendar["METHOD"]), int(event_of(calendar)["SEQUENCE"])) == ("CANCEL", 1)
    # The reminders of the cancelled round never go.
    assert list(
        Touchpoint.objects.filter(interview=interview, kind="interview-reminder").values_list(
            "status", flat=True
        )
    ) == [Touchpoint.Status.SKIPPED, Touchpoint.Status.SKIPPED]


def test_company_move_of_a_confirmed_round_asks_the_candidate_to_confirm_the_new_time(
    interview, client, smtp_sink
):
    candidate = interview.submission.candidate
    confirm_interview(interview, now=CALL, via=Via.LINK)
    before = reliability_record(candidate, now=CALL)

    # Friday 13 March, 15:00 in London (GMT) is 11:00 in New York (EDT).
    response = client.post(
        f"/interviews/{interview.pk}/company-change/",
        {
            "change": "moved",
            "reason": "The panel has a clash on Thursday",
            "date": "2026-03-13",
            "start_time": "15:00",
            "end_time": "16:00",
            "time_zone": "Europe/London",
        },
    )
    run_worker()

    interview.refresh_from_db()
    assert response.status_code == 302
    assert (interview.status, interview.sequence, interview.time_zone) == (
        Interview.Status.SCHEDULED,
        1,
        "Europe/London",
    )
    assert interview.starts_at == datetime(2026, 3, 13, 15, 0, tzinfo=LONDON)
    assert reliability_record(candidate, now=CALL) == before
    assert list(
        Event.objects.filter(kind__in=["interview.unconfirmed", "interview.rescheduled"])
        .order_by("id")
        .values_list("kind", "summary")
    ) == [
        (
            "interview.unconfirmed",
            "Interview round 1 was moved by the company after the candidate confirmed: "
            "scheduled again until they confirm the new time",
        ),
        (
            "interview.rescheduled",
            "Interview round 1 moved by the company to Fri 13 Mar 2026 15:00 GMT (Europe/London): "
            "The panel has a clash on Thursday",
        ),
    ]
    [mail] = smtp_sink.received
    body = mail.body()
    assert (mail.rcpt_tos, mail.subject) == (
        ["cara@mail.test"],
        "New time, please confirm: Acme Robotics interview, Fri 13 Mar, 11:00",
    )
    assert "Acme Robotics asked to move your interview. Here are the new details." in body
    assert "When: Friday 13 March, 11:00\u201312:00 (New York time)" in body
    assert "You had confirmed the earlier time, thank you. Please confirm the new time too: " in body
    assert "http://127.0.0.1:8000/l/confirm/" in body
    assert "I&#x27;ll be there at the new time" in mail.body("html")
    content_type, calendar = calendar_of(mail)
    event = event_of(calendar)
    assert content_type == 'text/calendar; method="REQUEST"; charset="utf-8"'
    assert (int(event["SEQUENCE"]), event.decoded("DTSTART")) == (1, datetime(2026, 3, 13, 15, tzinfo=LONDON))
    # The old time's reminders are skipped; the new time's are planned, in New York hours.
    assert [
        (tp.step, local(tp.due_at), tp.status)
        for tp in Touchpoint.objects.filter(interview=interview, kind="interview-reminder").order_by("step")
    ] == [
        (1, "Wed 11 Mar 14:00 EDT", Touchpoint.Status.SKIPPED),
        (2, "Thu 12 Mar 12:00 EDT", Touchpoint.Status.SKIPPED),
        (11, "Thu 12 Mar 11:00 EDT", Touchpoint.Status.PLANNED),
        (12, "Fri 13 Mar 09:00 EDT", Touchpoint.Status.PLANNED),
    ]


def test_company_move_of_a_scheduled_round_says_updated_without_asking_again(interview, client, smtp_sink):
    client.post(
        f"/interviews/{interview.pk}/company-change/",
        {
            "change": "moved",
            "reason": "Earlier slot freed up",
            "date": "2026-03-12",
            "start_time": "10:00",
            "end_time": "11:00",
            "time_zone": "America/New_York",
        },
    )
    run_worker()

    interview.refresh_from_db()
    [mail] = smtp_sink.received
    assert (interview.status, Event.objects.filter(kind="interview.unconfirmed").count()) == ("scheduled", 0)
    assert mail.subject == "Updated: your Acme Robotics interview, Thu 12 Mar, 10:00"
    assert "Acme Robotics asked to move your interview." in mail.body()
    assert (
        "Does it still suit you? Let us know you'll be there: http://127.0.0.1:8000/l/confirm/" in mail.body()
    )


def test_recruiter_edit_moving_a_confirmed_round_asks_to_confirm_again(interview, client, smtp_sink):
    confirm_interview(interview, now=CALL, via=Via.LINK)

    client.post(
        f"/interviews/{interview.pk}/edit/",
        {
            "date": "2026-03-12",
            "start_time": "16:00",
            "end_time": "17:00",
            "time_zone": "America/New_York",
            "format": "video",
            "video_url": interview.video_url,
            "address": "",
            "notes": "",
        },
    )
    run_worker()

    interview.refresh_from_db()
    [mail] = smtp_sink.received
    assert interview.status == Interview.Status.SCHEDULED
    assert mail.subject == "New time, please confirm: Acme Robotics interview, Thu 12 Mar, 16:00"
    assert "Your interview has changed. Here are the details as they stand now." in mail.body()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"change": "cancelled", "reason": ""}, ["This field is required."]),
        (
            {
                "change": "moved",
                "reason": "Clash",
                "date": "",
                "start_time": "",
                "end_time": "",
                "time_zone": "",
            },
            ["Needed for a move."] * 4,
        ),
        (
            {"change": "fired", "reason": "?"},
            ["Select a valid choice. fired is not one of the available choices."],
        ),
    ],
)
def test_company_change_with_missing_input_changes_nothing(interview, client, data, errors):
    response = client.post(f"/interviews/{interview.pk}/company-change/", data)

    interview.refresh_from_db()
    form = response.context["form"]
    assert response.status_code == 200
    assert [error for field_errors in form.errors.values() for error in field_errors] == errors
    assert (interview.status, interview.sequence) == (Interview.Status.SCHEDULED, 0)
    assert (
        Event.objects.filter(kind__startswith="interview.").exclude(kind="interview.scheduled").count() == 0
    )


def test_company_change_after_the_start_is_refused(interview, client, clock):
    clock.set(STARTS + timedelta(minutes=5))

    response = client.post(
        f"/interviews/{interview.pk}/company-change/", {"change": "cancelled", "reason": "Too late"}
    )

    interview.refresh_from_db()
    assert response.context["form"].non_field_errors() == [
        "This round is “Scheduled” and has started; nothing changed."
    ]
    assert (interview.status, interview.sequence) == (Interview.Status.SCHEDULED, 0)


def test_company_change_page_needs_login(interview):
    response = Client().post(
        f"/interviews/{interview.pk}/company-change/", {"change": "cancelled", "reason": "Off sick"}
    )

    interview.refresh_from_db()
    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next=/interviews/{interview.pk}/company-change/",
    )
    assert interview.status == Interview.Status.SCHEDULED


def test_interview_page_offers_the_company_change_for_an_upcoming_round(interview, client):
    body = client.get(f"/interviews/{interview.pk}/").content.decode()

    assert (
        f'<a class="button" href="/interviews/{interview.pk}/company-change/">'
        "The company cancelled or moved this round…</a>"
    ) in body
