"""Every recruiter page is bounded: the same number of queries with 3 and with 40 rows of each kind, no
``<select>`` over candidates, roles, contacts or companies, and lists that page without counting.

One agency grows from 3 to 40 of everything around one company, one role and one candidate (submissions,
interviews today and past, contacts, roles, tasks, planned messages, timeline events), and every list, detail
and form page is fetched at both sizes, as an admin and as a recruiter (Today both ways).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidly.accounts.models import AgencySettings, User
from candidly.followups.models import Task, Touchpoint
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview, Submission
from candidly.timeline.services import record_event
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

NOW = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)


class Agency:
    """One company, role and candidate that everything grows around."""

    def __init__(self) -> None:
        self.ada = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True, time_zone="UTC")
        self.rita = UserFactory(username="rita", time_zone="UTC")
        self.company = CompanyFactory(name="Acme Robotics")
        self.manager = ContactFactory(company=self.company, name="Hannah Manager")
        self.role = RoleFactory(company=self.company, hiring_manager=self.manager, recruiter=self.rita)
        self.candidate = CandidateFactory(name="Cara Candidate", recruiter=self.rita)
        self.submission = SubmissionFactory(candidate=self.candidate, role=self.role, recruiter=self.rita)
        self.interview = InterviewFactory(submission=self.submission, starts_at=NOW + timedelta(hours=1))
        self.tags = [TagFactory(name="python"), TagFactory(name="go")]
        self.size = 0
        AgencySettings.load()  # the row exists in a running agency (the first read creates it)

    def grow_to(self, size: int) -> None:
        for i in range(self.size, size):
            self._add(i)
        self.size = size

    def _add(self, i: int) -> None:
        owner = self.rita if i % 2 else self.ada
        ContactFactory(company=self.company, name=f"Contact {i}")
        CompanyFactory(name=f"Other company {i}")
        role = RoleFactory(
            company=self.company, hiring_manager=self.manager, recruiter=owner, title=f"Role {i}"
        )
        role.tags.set(self.tags)
        other = CandidateFactory(name=f"Candidate {i}", recruiter=owner)
        other.role_tags.set(self.tags)
        # The role and the candidate each gain a process; the company gains both.
        in_role = SubmissionFactory(candidate=other, role=self.role, recruiter=owner)
        SubmissionFactory(
            candidate=self.candidate, role=role, recruiter=owner, stage=Submission.Stage.SUBMITTED
        )
        today = InterviewFactory(submission=in_role, starts_at=NOW + timedelta(minutes=5 * i + 10))
        past = InterviewFactory(
            submission=in_role,
            round=2,
            starts_at=NOW - timedelta(days=1, minutes=i),
            ends_at=NOW - timedelta(days=1, minutes=i) + timedelta(hours=1),
        )
        today.interviewers.add(self.manager)
        for kind in (Task.Kind.CALL, Task.Kind.UPDATE_CANDIDATE, Task.Kind.GONE_QUIET):
            create_task(
                kind=kind, title=f"{kind} {i}", due_at=NOW - timedelta(hours=1), actor=None, interview=past
            )
        Touchpoint.objects.create(
            candidate=self.candidate,
            interview=self.interview,
            submission=self.submission,
            kind=Touchpoint.Kind.NUDGE,
            channel=Touchpoint.Channel.EMAIL,
            idempotency_key=f"bounded:{i}",
            due_at=NOW + timedelta(hours=2, minutes=i),
        )
        for about in ({"candidate": self.candidate}, {"company": self.company}, {"contact": self.manager}):
            record_event(kind="note", summary=f"Note {i}", actor=owner, **about)
        record_event(kind="note", summary=f"Note {i}", submission=self.submission, interview=self.interview)

    def pages(self) -> list[str]:
        c, role, company, contact = self.candidate, self.role, self.company, self.manager
        return [
            "/",
            "/?who=agency",
            "/candidates/",
            "/candidates/?q=Candidate",
            "/candidates/?q=py",
            "/contacts/",
            f"/contacts/?company={company.pk}",
            "/companies/",
            "/companies/?q=Acme",
            "/roles/",
            f"/roles/?company={company.pk}",
            "/submissions/",
            f"/submissions/?role={role.pk}",
            f"/submissions/?company={company.pk}&q=Candidate",
            "/interviews/",
            "/interviews/?when=past",
            f"/interviews/?company={company.pk}&who=mine",
            "/tasks/",
            "/tasks/?who=mine",
            "/talent-pool/",
            "/talent-pool/?tags=python&reliability=new",
            f"/candidates/{c.pk}/",
            f"/candidates/{c.pk}/events/",
            f"/companies/{company.pk}/",
            f"/contacts/{contact.pk}/",
            f"/roles/{role.pk}/",
            f"/roles/{role.pk}/?page=2",
            f"/submissions/{self.submission.pk}/",
            f"/interviews/{self.interview.pk}/",
            f"/planned/?candidate={c.pk}",
            "/submissions/new/",
            f"/submissions/new/?candidate={c.pk}&role={role.pk}",
            "/roles/new/",
            f"/roles/{role.pk}/edit/",
            "/contacts/new/",
            f"/contacts/{contact.pk}/edit/",
            f"/submissions/{self.submission.pk}/interviews/new/",
            "/pick/candidate/?q=Cand&field=candidate",
            "/pick/open-role/?q=Role&field=role",
            f"/pick/contact/?q=Contact&field=hiring_manager&company={company.pk}",
            "/pick/company/?q=Acme&field=company",
        ]


def _queries(client: Client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries), response.content.decode()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


SELECT_RE = re.compile(r"<select[^>]*name=\"([^\"]+)\"[^>]*>(.*?)</select>", re.S)


def _measure(agency: Agency, admin: Client, recruiter: Client) -> tuple[dict[str, int], dict[tuple, int]]:
    """Queries per page, and options per ``<select>`` per page."""
    queries, selects = {}, {}
    for path in agency.pages():
        queries[path], content = _queries(admin, path)
        for name, options in SELECT_RE.findall(content):
            selects[(path, name)] = options.count("<option")
    queries["/ as rita"] = _queries(recruiter, "/")[0]
    return queries, selects


@pytest.mark.django_db
def test_every_page_runs_the_same_queries_and_no_select_grows_from_3_to_40_rows_of_everything():
    with time_machine.travel(NOW, tick=False):
        agency = Agency()
        admin, recruiter = _client(agency.ada), _client(agency.rita)
        agency.grow_to(3)
        small_queries, small_selects = _measure(agency, admin, recruiter)
        agency.grow_to(40)
        big_queries, big_selects = _measure(agency, admin, recruiter)

    assert Interview.objects.count() == 81 and Task.objects.filter(status=Task.Status.OPEN).count() == 120
    assert {path: n for path, n in big_queries.items() if n != small_queries[path]} == {}
    # A <select> over candidates, roles, contacts or companies would grow with them; the pickers search.
    assert {key: n for key, n in big_selects.items() if n != small_selects.get(key)} == {}
    form = _queries(admin, "/submissions/new/")[1]
    assert 'placeholder="Search candidates"' in form and 'placeholder="Search open roles"' in form


@pytest.mark.django_db
def test_lists_page_by_fifty_with_cursor_links_and_no_count():
    recruiter = UserFactory(username="rita")
    for i in range(51):
        CandidateFactory(name=f"Person {i:02d}", recruiter=recruiter)
    client = _client(recruiter)

    first = client.get("/candidates/")
    second = client.get("/candidates/" + _link(first, "next"))
    back = client.get("/candidates/" + _link(second, "prev"))

    assert [len(first.context["page"]), len(second.context["page"])] == [50, 1]
    assert [c.name for c in second.context["page"]] == ["Person 50"]
    assert list(back.context["page"]) == list(first.context["page"])
    page_two = second.content.decode()
    assert "Page 2" in page_two and 'rel="next"' not in page_two
    assert " of " not in page_two.split('aria-label="Pages"')[1].split("</nav>")[0]
    assert 'rel="prev"' not in back.content.decode() and "Page 1" in back.content.decode()


@pytest.mark.django_db
def test_old_page_links_still_work_and_a_page_past_the_end_is_empty():
    recruiter = UserFactory(username="rita")
    for i in range(51):
        CandidateFactory(name=f"Person {i:02d}", recruiter=recruiter)
    client = _client(recruiter)

    second = client.get("/candidates/?page=2")
    beyond = client.get("/candidates/?page=99999999999")

    assert [c.name for c in second.context["page"]] == ["Person 50"]
    # Its "Previous" is a cursor to the first page.
    previous = client.get("/candidates/" + _link(second, "prev"))
    assert [c.name for c in previous.context["page"]][-1] == "Person 49"
    # A page far past the end is empty, not an error, and costs one bounded OFFSET.
    assert (beyond.status_code, list(beyond.context["page"])) == (200, [])
    assert beyond.context["page"].number == 1000


def _link(response, rel: str) -> str:
    match = re.search(rf'<a href="([^"]*)" rel="{rel}"', response.content.decode())
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.django_db
def test_role_page_pages_its_submissions():
    rita = UserFactory(username="rita")
    role = RoleFactory(recruiter=rita)
    made = [SubmissionFactory(role=role) for _ in range(51)]
    client = _client(rita)

    first = client.get(f"/roles/{role.pk}/")
    second = client.get(f"/roles/{role.pk}/?page=2")

    assert list(first.context["page"]) == made[:0:-1]
    assert list(second.context["page"]) == [made[0]]
    assert first.context["page"].has_next() and not second.context["page"].has_next()


@pytest.mark.django_db
def test_company_page_shows_twenty_of_each_and_links_to_the_narrowed_lists():
    rita = UserFactory(username="rita")
    company = CompanyFactory(name="Acme")
    for i in range(21):
        ContactFactory(company=company, name=f"Contact {i:02d}")
    client = _client(rita)

    response = client.get(f"/companies/{company.pk}/")
    narrowed = client.get(f"/contacts/?company={company.pk}")

    assert len(response.context["contacts"]) == 20 and response.context["more_contacts"]
    assert f'href="/contacts/?company={company.pk}">See all contacts</a>' in response.content.decode()
    assert len(narrowed.context["page"]) == 21


@pytest.mark.django_db
def test_interview_form_lists_at_most_fifty_interviewers_and_keeps_the_interviews_own():
    rita = UserFactory(username="rita")
    company = CompanyFactory(name="Big Co")
    contacts = [ContactFactory(company=company, name=f"Contact {i:02d}") for i in range(55)]
    submission = SubmissionFactory(role=RoleFactory(company=company, recruiter=rita), recruiter=rita)
    interview = InterviewFactory(submission=submission, starts_at=NOW + timedelta(days=1))
    interview.interviewers.add(contacts[54])
    client = _client(rita)

    new = client.get(f"/submissions/{submission.pk}/interviews/new/").content.decode()
    edit = client.get(f"/interviews/{interview.pk}/edit/").content.decode()

    assert new.count('name="interviewers"') == 50 and "Contact 49" in new and "Contact 50" not in new
    assert "The first 50 contacts by name" in new
    assert edit.count('name="interviewers"') == 51
    assert re.search(rf'value="{contacts[54].pk}"[^>]*checked', edit)
