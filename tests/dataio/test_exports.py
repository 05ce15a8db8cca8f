""" "Download CSV" on the list pages: the page's filter, every row (not one page), ordered, safe cells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidly.dataio import exports
from candidly.hiring.models import Role, Submission
from tests.dataio.support import read_csv
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def download(client, name: str, query: str = "") -> list[list[str]]:
    response = client.get(reverse(f"dataio:{name}-export") + query)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{name.replace("y", "ie")}s-')
    return read_csv(response)


def test_candidate_export_follows_the_search_and_has_every_row(recruiter_client, recruiter, monkeypatch):
    monkeypatch.setattr("candidly.people.views.PAGE_SIZE", 2)
    python = TagFactory(name="python")
    for n in range(3):
        CandidateFactory(name=f"Ann {n}", email=f"ann{n}@mail.test", recruiter=recruiter, phone="")
    bo = CandidateFactory(
        name="Bo", email="bo@mail.test", recruiter=None, phone="+442079460958", notes="=1+1"
    )
    bo.role_tags.add(python)

    rows = download(recruiter_client, "candidate", "?q=ann&page=2")

    assert rows[0] == [
        "name", "email", "phone", "time_zone", "country", "preferred_channel", "recruiter", "role_tags",
        "locations", "remote", "min_compensation", "currency", "notes", "consent", "unsubscribed",
    ]  # fmt: skip
    assert [[*row[:2], row[6]] for row in rows[1:]] == [
        ["Ann 0", "ann0@mail.test", "rita"],
        ["Ann 1", "ann1@mail.test", "rita"],
        ["Ann 2", "ann2@mail.test", "rita"],
    ]
    everyone = download(recruiter_client, "candidate")
    assert everyone[4] == [
        "Bo", "bo@mail.test", "'+442079460958", "America/New_York", "", "phone", "", "python",
        "", "any", "", "EUR", "'=1+1", "no", "no",
    ]  # fmt: skip


def test_company_and_contact_exports_follow_the_search(recruiter_client):
    acme = CompanyFactory(name="Acme", website="https://acme.test", notes="@ceo is picky")
    CompanyFactory(name="Globex")
    ContactFactory(company=acme, name="Hannah", email="hannah@acme.test", title="-VP-", phone="")

    assert download(recruiter_client, "company", "?q=acme") == [
        ["name", "website", "country", "time_zone", "notes"],
        ["Acme", "https://acme.test", "GB", "Europe/London", "'@ceo is picky"],
    ]
    assert download(recruiter_client, "contact", "?q=hannah") == [
        ["company", "name", "email", "title", "phone", "time_zone", "is_hiring_manager"],
        ["Acme", "Hannah", "hannah@acme.test", "'-VP-", "", "Europe/London", "yes"],
    ]


def test_role_submission_interview_exports_follow_their_filters(recruiter_client):
    acme = CompanyFactory(name="Acme")
    role = RoleFactory(title="Data Engineer", company=acme)
    RoleFactory(title="Closed Role", status=Role.Status.CLOSED, company=acme)
    submission = SubmissionFactory(role=role, candidate__name="Cara")
    SubmissionFactory(
        role=role, candidate__name="Dan", stage=Submission.Stage.PLACED, ended_at=timezone.now()
    )
    now = timezone.now()
    InterviewFactory(
        submission=submission, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1)
    )
    InterviewFactory(
        submission=submission,
        round=2,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-1),
    )

    roles = download(recruiter_client, "role", "?status=open")
    submissions = download(recruiter_client, "submission", "?stage=open")
    upcoming = download(recruiter_client, "interview")
    past = download(recruiter_client, "interview", "?when=past")

    assert [[*row[:3], row[6]] for row in roles[1:]] == [["Acme", "Data Engineer", "Open", "1"]]
    assert [[*row[:2], row[4]] for row in submissions[1:]] == [
        ["Cara", submission.candidate.email, "Interviewing"]
    ]
    assert [(row[3], row[6]) for row in upcoming[1:]] == [("Cara", "1")]
    assert [(row[3], row[6]) for row in past[1:]] == [("Cara", "2")]
    assert upcoming[0] == [
        "starts_at", "ends_at", "time_zone", "candidate", "role", "company", "round", "format", "status",
        "interviewers",
    ]  # fmt: skip


def test_exports_need_login(client):
    for name in ("candidate", "company", "contact", "role", "submission", "interview"):
        response = client.get(reverse(f"dataio:{name}-export"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("count", [1, 3])
def test_candidate_export_query_count_does_not_grow_with_rows(
    recruiter_client, django_assert_max_num_queries, count
):
    for n in range(count):
        CandidateFactory(email=f"c{n}@mail.test").role_tags.add(TagFactory(name=f"tag{n}"))
    with CaptureQueriesContext(connection) as queries:
        rows = download(recruiter_client, "candidate")
    assert len(rows) == count + 1
    # Session and user, then the rows and their tags (one prefetch per chunk of CHUNK rows).
    assert len(queries) == 4


def test_export_reads_rows_in_chunks(recruiter_client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    for n in range(5):
        CandidateFactory(email=f"c{n}@mail.test")
    with CaptureQueriesContext(connection) as queries:
        rows = download(recruiter_client, "candidate")
    assert len(rows) == 6
    tag_prefetches = [q for q in queries if "people_candidate_role_tags" in q["sql"]]
    assert len(tag_prefetches) == 3  # 2 + 2 + 1 rows


@pytest.mark.parametrize(
    ("page", "export", "query"),
    [
        ("people:candidate-list", "dataio:candidate-export", "?q=ann"),
        ("people:company-list", "dataio:company-export", "?q=acme"),
        ("people:contact-list", "dataio:contact-export", "?q=hannah"),
        ("hiring:role-list", "dataio:role-export", "?status=open"),
        ("hiring:submission-list", "dataio:submission-export", "?stage=open"),
        ("hiring:interview-list", "dataio:interview-export", "?when=past"),
    ],
)
def test_list_pages_link_to_their_export_with_the_current_filter(recruiter_client, page, export, query):
    html = recruiter_client.get(reverse(page) + query).content.decode()

    assert f'href="{reverse(export)}{query}">Download CSV</a>' in html
