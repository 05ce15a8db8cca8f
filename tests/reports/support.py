"""Arrange helpers for the reports tests: processes moved only through the services, on a frozen clock.

Rita (London) and Omar (Berlin) are recruiters, Ada the admin. Acme Robotics (London) has two hiring
managers, Hannah and Henry, and a Backend Engineer role each. Candidates live in New York.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser

from candidly.accounts.models import User
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.hiring.services.interviews import schedule_interview
from candidly.hiring.services.submissions import create_submission
from candidly.people.models import Candidate, Company, Contact
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory, RoleFactory, UserFactory

VIDEO_URL = "https://meet.example.com/abc-defg-hij"


@dataclass
class World:
    rita: User
    omar: User
    ada: User
    company: Company
    hannah: Contact
    henry: Contact
    role: Role
    other_role: Role


def make_world(suffix: str = "") -> World:
    rita = UserFactory(
        username=f"rita{suffix}", first_name="Rita", last_name=f"Recruiter{suffix}", time_zone="Europe/London"
    )
    omar = UserFactory(
        username=f"omar{suffix}", first_name="Omar", last_name=f"Recruiter{suffix}", time_zone="Europe/Berlin"
    )
    ada = UserFactory(
        username=f"ada{suffix}",
        first_name="Ada",
        last_name=f"Admin{suffix}",
        role=User.Role.ADMIN,
        is_staff=True,
    )
    company = CompanyFactory(name=f"Acme Robotics{suffix}", country="GB", time_zone="Europe/London")
    hannah = ContactFactory(company=company, name=f"Hannah Manager{suffix}", time_zone="Europe/London")
    henry = ContactFactory(company=company, name=f"Henry Manager{suffix}", time_zone="Europe/London")
    role = RoleFactory(
        company=company, hiring_manager=hannah, title=f"Backend Engineer{suffix}", recruiter=rita
    )
    other_role = RoleFactory(
        company=company, hiring_manager=henry, title=f"Data Engineer{suffix}", recruiter=omar
    )
    return World(rita, omar, ada, company, hannah, henry, role, other_role)


def candidate(recruiter: User, name: str, **extra: object) -> Candidate:
    extra.setdefault("time_zone", "America/New_York")
    return CandidateFactory(name=name, recruiter=recruiter, **extra)


def submit(person: Candidate, role: Role, actor: User) -> Submission:
    return create_submission(candidate=person, role=role, actor=actor)


def book(submission: Submission, actor: User, starts_at: datetime, *, minutes: int = 60) -> Interview:
    return schedule_interview(
        submission,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        time_zone="Europe/London",
        format=Interview.Format.VIDEO,
        video_url=VIDEO_URL,
        actor=actor,
    )


def attended(interview: Interview, actor: User, now: datetime) -> None:
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=now, actor=actor)


def no_show(interview: Interview, actor: User, now: datetime) -> None:
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=now, actor=actor)


def run_worker(time_machine, moment: datetime) -> None:
    """Move the clock to ``moment`` and let one worker perform everything due by then."""
    time_machine.move_to(moment, tick=False)
    worker = Worker(worker_id="reports-test", batch_size=50)
    while worker.run_batch().claimed:
        pass


def csv_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


class _Tables(HTMLParser):
    """Every <table>'s caption and rows (header, body and foot) as text, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._name, self._caption = "".join(self._caption).strip(), None
        elif tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(response) -> dict[str, list[list[str]]]:
    """The page's tables by caption: what a person reads, to compare with the CSV."""
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables
