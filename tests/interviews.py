"""Arrange helpers for the interview tests (planning, public pages, tasks, browser): one realistic process.

Cara Candidate (New York) is in the Backend Engineer process at Acme Robotics, whose hiring manager is
Hannah Manager (London); Rita Recruiter (London) owns it. Interviews are booked through the real service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import icalendar

from candidly.accounts.models import User
from candidly.hiring.models import Interview, Submission
from candidly.hiring.services.interviews import schedule_interview
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.smtp import ReceivedMail

NEW_YORK = ZoneInfo("America/New_York")
VIDEO_URL = "https://meet.example.com/abc-defg-hij"


def configure(settings) -> None:
    # Expected URLs and addresses do not depend on the machine's environment.
    settings.CANDIDLY_BASE_URL = "http://127.0.0.1:8000"
    settings.CANDIDLY_REPLY_DOMAIN = "replies.localhost"
    settings.DEFAULT_FROM_EMAIL = "Candidly <candidly@localhost>"
    settings.CANDIDLY_SMS_PROVIDER = ""


def make_rita() -> User:
    return UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Recruiter",
        email="rita@agency.test",
        phone="+442079460958",
        time_zone="Europe/London",
    )


def make_submission(rita: User) -> Submission:
    company = CompanyFactory(name="Acme Robotics", country="GB", time_zone="Europe/London")
    manager = ContactFactory(
        company=company, name="Hannah Manager", email="hannah@acme.test", phone="+442071838750"
    )
    role = RoleFactory(company=company, hiring_manager=manager, title="Backend Engineer", recruiter=rita)
    cara = CandidateFactory(
        name="Cara Candidate",
        email="cara@mail.test",
        phone="+14155550123",
        time_zone="America/New_York",
        recruiter=rita,
    )
    return SubmissionFactory(candidate=cara, role=role, recruiter=rita)


def book(submission: Submission, rita: User, starts_at: datetime, *, minutes: int = 60) -> Interview:
    """Book a video interview arranged in New York time, as the recruiter's page does."""
    return schedule_interview(
        submission,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        time_zone="America/New_York",
        format=Interview.Format.VIDEO,
        video_url=VIDEO_URL,
        actor=rita,
    )


def local(moment: datetime, zone: ZoneInfo = NEW_YORK) -> str:
    """``"Mon 09 Mar 09:00 EDT"``: a moment as the person in ``zone`` reads it."""
    return moment.astimezone(zone).strftime("%a %d %b %H:%M %Z")


def sent_at(mail: ReceivedMail) -> datetime:
    """When the message was written (its Date header, from the frozen clock)."""
    moment = parsedate_to_datetime(mail.header("Date"))
    # Django writes the Date in UTC as "-0000", which Python reads back as naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def calendar_of(mail: ReceivedMail) -> tuple[str, icalendar.Calendar]:
    """The attached calendar file, parsed back with icalendar, and its MIME content type with parameters."""
    [attachment] = mail.attachments()
    content = attachment.get_content()
    data = content if isinstance(content, bytes) else content.encode()
    return attachment["Content-Type"], icalendar.Calendar.from_ical(data)


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event
