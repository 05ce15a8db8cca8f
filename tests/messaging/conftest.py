"""Arrange helpers for messaging tests: a realistic interview; touchpoints made directly with the ORM."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.hiring.models import Interview
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    # Expected URLs and addresses in the tests do not depend on the machine's environment.
    settings.CANDIDLY_BASE_URL = "http://127.0.0.1:8000"
    settings.CANDIDLY_REPLY_DOMAIN = "replies.localhost"
    settings.DEFAULT_FROM_EMAIL = "Candidly <candidly@localhost>"
    settings.CANDIDLY_SMS_PROVIDER = ""


@pytest.fixture
def interview(db) -> Interview:
    """Cara (New York) interviews for Backend Engineer at Acme Robotics in two days; Rita recruits."""
    rita = UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Recruiter",
        phone="+442079460958",
        email="rita@agency.test",
    )
    company = CompanyFactory(name="Acme Robotics")
    manager = ContactFactory(company=company, name="Hannah Manager", email="hannah@acme.test")
    role = RoleFactory(company=company, hiring_manager=manager, title="Backend Engineer", recruiter=rita)
    cara = CandidateFactory(
        name="Cara Candidate", email="cara@mail.test", time_zone="America/New_York", recruiter=rita
    )
    submission = SubmissionFactory(candidate=cara, role=role, recruiter=rita)
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return InterviewFactory(submission=submission, starts_at=starts, ends_at=starts + timedelta(hours=1))


def make_touchpoint(
    interview: Interview,
    kind: str,
    *,
    channel: str = Touchpoint.Channel.EMAIL,
    contact: Any = None,
    due_at: datetime | None = None,
    status: str = Touchpoint.Status.IN_PROGRESS,
) -> Touchpoint:
    """A touchpoint as the worker hands it to ``deliver`` (claimed, so in progress by default)."""
    person = {"contact": contact} if contact is not None else {"candidate": interview.submission.candidate}
    return Touchpoint.objects.create(
        **person,
        interview=interview,
        submission=interview.submission,
        kind=kind,
        channel=channel,
        idempotency_key=f"test:{interview.pk}:{kind}:{next(_keys)}",
        due_at=due_at or timezone.now(),
        status=status,
    )
