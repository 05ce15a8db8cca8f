"""Interviews through the API go through the pages' services: the same invitation, the same 24-hour rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Task
from candidly.hiring.models import Interview
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.factories import InterviewFactory, RoleFactory, SubmissionFactory
from tests.interviews import NEW_YORK, VIDEO_URL, configure, make_rita, make_submission

TOKENS = re.compile(r"https?://\S+|<[^>]+@[^>]+>|[A-Za-z0-9_-]{20,}")


def _normalised(text: str) -> str:
    # Links, Message-IDs and tokens differ between two invitations; everything people read must not.
    return TOKENS.sub("…", text)


@pytest.fixture
def world(db, settings):
    configure(settings)
    rita = make_rita()
    by_page = make_submission(rita)
    # The same candidate in a second process with the same title: only the booking route differs.
    other_role = RoleFactory(
        company=by_page.role.company,
        hiring_manager=by_page.role.hiring_manager,
        title=by_page.role.title,
        recruiter=rita,
    )
    by_api = SubmissionFactory(candidate=by_page.candidate, role=other_role, recruiter=rita)
    return rita, by_page, by_api


def test_booking_through_the_api_sends_the_same_invitation_as_the_page(world, api, smtp_sink, time_machine):
    rita, by_page, by_api = world
    # A Tuesday afternoon in London, late morning in New York: business hours for everyone.
    time_machine.move_to(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=True)
    starts = (
        (timezone.now() + timedelta(days=5))
        .astimezone(NEW_YORK)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    page = Client()
    page.force_login(rita)
    response = page.post(
        f"/submissions/{by_page.pk}/interviews/new/",
        {
            "date": starts.strftime("%Y-%m-%d"),
            "start_time": "10:00",
            "end_time": "11:00",
            "time_zone": "America/New_York",
            "format": "video",
            "video_url": VIDEO_URL,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    booked = api.post(
        "/interviews",
        {
            "submission_id": by_api.pk,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "time_zone": "America/New_York",
            "format": "video",
            "video_url": VIDEO_URL,
        },
    )

    assert booked.status_code == 201, booked.content
    body = booked.json()
    assert body["round"] == 1 and body["status"] == "scheduled"
    assert body["starts_at"] == starts.astimezone(UTC).isoformat().replace("+00:00", "Z")
    # The worker sends what both bookings planned, to a real SMTP server.
    call_command("run_worker", "--once", "--no-checks", "--worker-id", "test")
    to_cara = [mail for mail in smtp_sink.received if "cara@mail.test" in mail.rcpt_tos]
    assert len(to_cara) == 2
    from_page, from_api = to_cara
    assert from_api.subject == from_page.subject
    assert "booked: Acme Robotics interview" in from_api.subject
    assert from_api.attachments(), "the calendar invitation is attached"
    assert _normalised(from_api.body()) == _normalised(from_page.body())
    assert [a.get_content_type() for a in from_api.attachments()] == [
        a.get_content_type() for a in from_page.attachments()
    ]
    # The booking is the key's user's doing on the timeline, like the page's is Rita's.
    api_event = Event.objects.get(kind=EventKind.INTERVIEW_SCHEDULED, submission=by_api)
    assert api_event.actor_user.username == "sync"


@pytest.mark.parametrize(
    ("hours_before", "result", "status", "urgent_tasks"),
    [
        (25, "cancelled_with_notice", Interview.Status.CANCELLED_WITH_NOTICE, 0),
        (23, "late_cancellation", Interview.Status.LATE_CANCELLATION, 2),
    ],
)
def test_cancelling_through_the_api_applies_the_24_hour_rule(api, hours_before, result, status, urgent_tasks):
    starts = timezone.now() + timedelta(hours=hours_before)
    interview = InterviewFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))

    response = api.post(
        f"/interviews/{interview.pk}/cancellation", {"reason_kind": "reschedule", "note": "Ill"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["result"] == result
    assert response.json()["late"] is (urgent_tasks > 0)
    interview.refresh_from_db()
    assert interview.status == status
    assert Task.objects.filter(interview=interview, urgent=True).count() == urgent_tasks
    assert Task.objects.filter(interview=interview, kind=Task.Kind.CANCEL_WITH_COMPANY).count() == 1
    event = Event.objects.get(interview=interview, kind__startswith="interview.")
    assert event.actor_user.username == "sync"
    # Asking again changes nothing.
    again = api.post(f"/interviews/{interview.pk}/cancellation", {"reason_kind": "reschedule"})
    assert again.json()["result"] == "already_cancelled"


def test_outcome_through_the_api_refuses_an_interview_that_has_not_ended(api):
    starts = timezone.now() + timedelta(days=2)
    interview = InterviewFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))

    response = api.post(f"/interviews/{interview.pk}/outcome", {"outcome": "no_show"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "outcome"
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED


def test_booking_outside_the_rules_gets_field_errors_and_saves_nothing(api, world):
    _, _, by_api = world
    starts = timezone.now() + timedelta(days=3)
    response = api.post(
        "/interviews",
        {
            "submission_id": by_api.pk,
            "starts_at": starts.isoformat(),
            "ends_at": (starts - timedelta(hours=1)).isoformat(),
            "time_zone": "Mars/Olympus",
            "format": "video",
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"ends_at", "video_url"} <= fields or "time_zone" in fields
    assert not Interview.objects.filter(submission=by_api).exists()
