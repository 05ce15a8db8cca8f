"""The company page's sections read at a million candidates in a few queries (issue 11): what they show is
still the company's own rows, in the page's order. Through HTTP, as a recruiter sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.hiring.models import Interview, Submission
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _client() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def _interview(submission: Submission, starts: timedelta, hours: float = 1, **extra) -> Interview:
    return InterviewFactory(
        submission=submission, starts_at=NOW + starts, ends_at=NOW + starts + timedelta(hours=hours), **extra
    )


def test_company_page_lists_the_interviews_going_on_or_to_come_soonest_first_and_only_its_own():
    company, other = CompanyFactory(), CompanyFactory()
    first, second = RoleFactory(company=company), RoleFactory(company=company)
    here = [SubmissionFactory(role=role) for role in (first, second, first)]
    elsewhere = SubmissionFactory(role=RoleFactory(company=other))
    running = _interview(here[0], -timedelta(minutes=30))  # started, not over: still shown
    # A long round that started the day before and is still going.
    long_running = _interview(here[1], -timedelta(hours=20), hours=21)
    tomorrow = _interview(here[2], timedelta(days=1))
    cancelled = _interview(here[1], timedelta(days=2), status=Interview.Status.CANCELLED_WITH_NOTICE)
    _interview(here[0], -timedelta(hours=3))  # over an hour ago
    _interview(here[2], -timedelta(days=3))
    _interview(elsewhere, timedelta(hours=2))

    with time_machine.travel(NOW, tick=False):
        response = _client().get(f"/companies/{company.pk}/")

    assert response.context["interviews"] == [long_running, running, tomorrow, cancelled]
    assert response.context["more_interviews"] is False


def test_company_page_shows_the_twenty_newest_submissions_across_its_roles_newest_first():
    company = CompanyFactory()
    roles = [RoleFactory(company=company) for _ in range(3)]
    other_role = RoleFactory()
    made = []
    for i in range(25):
        # Two at a time share a moment (in different roles): the newer id comes first.
        with time_machine.travel(NOW + timedelta(minutes=i // 2), tick=False):
            made.append(SubmissionFactory(role=roles[i % 3], candidate=CandidateFactory()))
            SubmissionFactory(role=other_role)  # newer than each of the company's, never shown

    response = _client().get(f"/companies/{company.pk}/")

    assert response.context["submissions"] == list(reversed(made))[:20]
    assert response.context["more_submissions"] is True


def test_company_page_of_a_company_without_roles_shows_no_submissions_or_interviews():
    company = CompanyFactory()

    response = _client().get(f"/companies/{company.pk}/")

    assert response.status_code == 200
    assert response.context["submissions"] == [] and response.context["more_submissions"] is False
    assert response.context["interviews"] == []


def test_an_old_page_link_shows_the_same_rows_and_counts_as_the_more_links(recruiter_client):
    company = CompanyFactory(name="Northwind")
    roles = [RoleFactory(company=company, title=f"Role {i:03d}") for i in range(120)]
    for i, role in enumerate(roles):
        for _ in range(i % 3):
            SubmissionFactory(role=role)
    SubmissionFactory(role=roles[60], stage=Submission.Stage.REJECTED, ended_at=NOW)

    by_cursor = recruiter_client.get("/roles/")
    pages = [by_cursor]
    for _ in range(2):
        following = by_cursor.context["page"].next_cursor
        by_cursor = recruiter_client.get("/roles/", {"after": following})
        pages.append(by_cursor)

    counts = {}
    for number, cursor_page in enumerate(pages, start=1):
        old = recruiter_client.get("/roles/", {"page": number})
        shown = [(role.pk, role.open_submissions) for role in old.context["page"]]
        assert shown == [(role.pk, role.open_submissions) for role in cursor_page.context["page"]]
        assert old.context["page"].number == number
        counts.update(shown)
    assert [len(page.context["page"]) for page in pages] == [50, 50, 20]
    assert list(counts) == [role.pk for role in roles]
    # Open processes only, counted for the rows shown.
    assert counts[roles[60].pk] == 0 and counts[roles[61].pk] == 1 and counts[roles[101].pk] == 2
