"""Calendar invites: build_invite's bytes parsed back with icalendar, and the recruiter's download."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import cancel_interview_for_candidate
from candidly.hiring.services.interviews import update_interview
from candidly.messaging.invites import build_invite
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)

STAMP = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)
START = datetime(2025, 1, 15, 15, 0, tzinfo=UTC)  # 10:00 EST in New York


@pytest.fixture
def rita(db):
    return UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Recruiter",
        email="rita@agency.test",
        phone="+442079460958",
    )


@pytest.fixture
def interview(rita):
    candidate = CandidateFactory(name="Cara Diaz", email="cara@mail.test", recruiter=rita)
    role = RoleFactory(title="Data Engineer", company=CompanyFactory(name="Northwind"))
    return InterviewFactory(
        submission=SubmissionFactory(candidate=candidate, role=role, recruiter=rita),
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        time_zone="America/New_York",
        format=Interview.Format.VIDEO,
        video_url="https://meet.example.com/abc-defg-hij",
    )


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.django_db
def test_build_invite_request_has_every_field(settings, interview, rita):
    settings.CANDIDLY_REPLY_DOMAIN = "replies.agency.test"

    with time_machine.travel(STAMP, tick=False):
        data = build_invite(
            interview, method="REQUEST", cancel_link="https://candidly.test/l/cancel-token", organizer=rita
        )

    calendar, event = parse(data)
    new_york = ZoneInfo("America/New_York")
    assert (str(calendar["method"]), str(calendar["version"]), str(calendar["prodid"])) == (
        "REQUEST",
        "2.0",
        "-//Candidly//Interview invites//EN",
    )
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(event["uid"]) == f"interview-{interview.pk}@replies.agency.test"
    assert event.decoded("sequence") == 0
    assert event.decoded("dtstart") == datetime(2025, 1, 15, 10, 0, tzinfo=new_york)
    assert event.decoded("dtend") == datetime(2025, 1, 15, 11, 0, tzinfo=new_york)
    assert (event["dtstart"].params["TZID"], event["dtend"].params["TZID"]) == (
        "America/New_York",
        "America/New_York",
    )
    assert event.decoded("dtstamp") == STAMP
    assert str(event["summary"]) == "Interview: Data Engineer at Northwind"
    assert str(event["organizer"]) == "mailto:rita@agency.test"
    assert event["organizer"].params["CN"] == "Rita Recruiter"
    assert str(event["attendee"]) == "mailto:cara@mail.test"
    assert dict(event["attendee"].params) == {
        "CN": "Cara Diaz",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
    }
    assert str(event["location"]) == "https://meet.example.com/abc-defg-hij"
    assert str(event["url"]) == "https://meet.example.com/abc-defg-hij"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["description"]) == (
        "Interview round 1 for Data Engineer at Northwind.\n"
        "Join the video call: https://meet.example.com/abc-defg-hij\n"
        "Can't make it? Tell us here, the earlier the better: https://candidly.test/l/cancel-token\n"
        "Your recruiter: Rita Recruiter · +442079460958 · rita@agency.test"
    )


@pytest.mark.django_db
def test_build_invite_onsite_uses_the_address_and_no_url(interview, rita):
    interview.format, interview.video_url, interview.address = "onsite", "", "1 Market St, London"
    interview.save()

    _, event = parse(build_invite(interview, organizer=rita))

    assert str(event["location"]) == "1 Market St, London"
    assert "url" not in event
    assert "Address: 1 Market St, London" in str(event["description"])


@pytest.mark.django_db
def test_reschedule_keeps_the_uid_and_raises_the_sequence(interview, rita):
    before = parse(build_invite(interview, organizer=rita))[1]

    moved = update_interview(
        interview,
        changes={"starts_at": START + timedelta(days=1), "ends_at": START + timedelta(days=1, hours=1)},
        actor=rita,
    )
    after = parse(build_invite(moved, organizer=rita))[1]

    assert str(after["uid"]) == str(before["uid"])
    assert (before.decoded("sequence"), after.decoded("sequence")) == (0, 1)
    assert after.decoded("dtstart") == datetime(2025, 1, 16, 10, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.django_db
def test_cancellation_gives_a_cancel_with_a_higher_sequence(interview, rita):
    request = parse(build_invite(interview, organizer=rita))

    outcome = cancel_interview_for_candidate(
        interview, now=START - timedelta(days=2), reason_kind="reschedule", via="link"
    )
    calendar, event = parse(build_invite(outcome.interview, method="CANCEL", organizer=rita))

    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(request[1]["uid"])
    assert event.decoded("sequence") == request[1].decoded("sequence") + 1 == 1
    assert "This interview has been cancelled." in str(event["description"])
    assert "Can't make it" not in str(event["description"])


@pytest.mark.django_db
def test_build_invite_keeps_wall_clock_across_dst(interview, rita):
    # 10:00 in New York on 10 March 2025, the day after clocks went forward: 14:00 UTC, not 15:00.
    interview.starts_at = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
    interview.ends_at = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
    interview.save()

    calendar, event = parse(build_invite(interview, organizer=rita))

    assert event.decoded("dtstart") == datetime(2025, 3, 10, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert "TZID:America/New_York" in calendar.to_ical().decode()


def test_build_invite_refuses_an_unknown_method():
    with pytest.raises(ValueError, match="PUBLISH"):
        build_invite(None, method="PUBLISH", organizer=None)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_recruiter_downloads_the_invite(recruiter_client, interview):
    response = recruiter_client.get(f"/interviews/{interview.pk}/invite.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response["Content-Disposition"] == f'attachment; filename="interview-{interview.pk}.ics"'
    calendar, event = parse(response.content)
    assert (str(calendar["method"]), str(event["organizer"])) == ("REQUEST", "mailto:rita@agency.test")


@pytest.mark.django_db
def test_recruiter_download_of_a_cancelled_interview_is_a_cancel(recruiter_client, interview):
    cancel_interview_for_candidate(interview, now=START - timedelta(days=2), reason_kind="not_interested")

    response = recruiter_client.get(f"/interviews/{interview.pk}/invite.ics")

    calendar, event = parse(response.content)
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=CANCEL"
    assert (str(calendar["method"]), str(event["status"]), event.decoded("sequence")) == (
        "CANCEL",
        "CANCELLED",
        1,
    )


@pytest.mark.django_db
def test_anonymous_invite_download_redirects_to_login(interview):
    response = Client().get(f"/interviews/{interview.pk}/invite.ics")

    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next=/interviews/{interview.pk}/invite.ics",
    )
