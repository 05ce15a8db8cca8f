"""Arrange helpers for the withdrawal, endings and suggestions tests: one realistic process, a fixed clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Role, Submission
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.people.models import Candidate, Company, Contact
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    TagFactory,
    UserFactory,
)

# Tuesday 10 March 2026, 15:00 UTC: business hours in London and (11:00) in New York.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TOKEN = r"[a-z2-7]{26}"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def frozen_clock_and_links(settings, time_machine):
    """Autouse in the modules that import it: the clock stands at NOW, and absolute URLs in emails and
    tasks do not depend on the machine's environment."""
    settings.CANDIDLY_BASE_URL = BASE
    settings.CANDIDLY_REPLY_DOMAIN = "replies.localhost"
    settings.DEFAULT_FROM_EMAIL = "Candidly <candidly@localhost>"
    settings.CANDIDLY_SMS_PROVIDER = ""
    time_machine.move_to(NOW, tick=False)
    return NOW


@dataclass
class World:
    rita: User
    acme: Company
    hannah: Contact
    role: Role
    cara: Candidate
    submission: Submission


def make_world() -> World:
    """Cara (New York) is interviewing for Backend Engineer at Acme Robotics (London); Rita recruits."""
    rita = UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Recruiter",
        phone="+442079460958",
        email="rita@agency.test",
    )
    acme = CompanyFactory(name="Acme Robotics")
    hannah = ContactFactory(
        company=acme, name="Hannah Manager", email="hannah@acme.test", phone="+442079460000"
    )
    role = RoleFactory(
        company=acme,
        hiring_manager=hannah,
        title="Backend Engineer",
        recruiter=rita,
        location="London",
        workplace=Role.Workplace.HYBRID,
        compensation_min=60000,
        compensation_max=80000,
    )
    role.tags.set([TagFactory(name="python"), TagFactory(name="backend")])
    cara = CandidateFactory(
        name="Cara Candidate",
        email="cara@mail.test",
        time_zone="America/New_York",
        recruiter=rita,
        locations="London",
        min_compensation=60000,
    )
    cara.role_tags.set([TagFactory(name="python")])
    submission = SubmissionFactory(candidate=cara, role=role, recruiter=rita)
    return World(rita, acme, hannah, role, cara, submission)


def interview_in(submission: Submission, delta: timedelta, *, round: int = 1, **extra: object) -> Interview:
    starts = NOW + delta
    return InterviewFactory(
        submission=submission, round=round, starts_at=starts, ends_at=starts + timedelta(hours=1), **extra
    )


def touchpoint(
    *,
    interview: Interview | None = None,
    submission: Submission | None = None,
    kind: str = Touchpoint.Kind.NUDGE,
    status: str = Touchpoint.Status.PLANNED,
    contact: Contact | None = None,
    channel: str = Touchpoint.Channel.EMAIL,
    key: str,
) -> Touchpoint:
    submission = submission or (interview.submission if interview else None)
    assert submission is not None
    person = {"contact": contact} if contact is not None else {"candidate": submission.candidate}
    return Touchpoint.objects.create(
        **person,
        interview=interview,
        submission=submission,
        kind=kind,
        channel=channel,
        idempotency_key=f"test:{key}",
        due_at=NOW + timedelta(hours=2),
        status=status,
    )


def withdraw_token(submission: Submission) -> str:
    return issue_link(Link.Purpose.WITHDRAW, candidate=submission.candidate, submission=submission, now=NOW)


def link_in(text: str, path: str) -> str:
    """The first absolute link to ``path`` (e.g. ``/l/withdraw/``) in ``text``, as a site-relative URL."""
    match = re.search(rf"{re.escape(BASE)}({re.escape(path)}{TOKEN}/(?:\?[^\s\"<]*)?)", text)
    assert match is not None, f"no {path} link in the text"
    return match.group(1)


def open_tasks(submission: Submission) -> list[tuple[str, str, bool]]:
    return list(
        Task.objects.filter(submission=submission, status=Task.Status.OPEN)
        .order_by("pk")
        .values_list("kind", "title", "urgent")
    )
