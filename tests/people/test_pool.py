"""The talent pool page: who is in it, its filters, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.hiring.models import Submission
from candidly.hiring.reliability import reliability_record
from candidly.timeline.services import record_event
from tests.banner import BANNER_QUERIES
from tests.factories import CandidateFactory, InterviewFactory, SubmissionFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
POOL = "/talent-pool/"


@pytest.fixture
def rita(time_machine):
    time_machine.move_to(NOW, tick=False)
    return UserFactory(username="rita")


@pytest.fixture
def client(rita) -> Client:
    client = Client()
    client.force_login(rita)
    return client


def ended(candidate, stage, *, reason="personal", open_to_other_roles=None, days_ago=3, **extra):
    return SubmissionFactory(
        candidate=candidate,
        stage=stage,
        end_reason=reason,
        ended_at=NOW - timedelta(days=days_ago),
        open_to_other_roles=open_to_other_roles,
        **extra,
    )


def names(response) -> list[str]:
    return [candidate.name for candidate in response.context["page"].object_list]


def test_pool_keeps_everyone_who_has_not_opted_out(client, rita):
    ana = CandidateFactory(name="Ana Withdrew", recruiter=rita)
    ended(ana, Submission.Stage.WITHDRAWN, open_to_other_roles=True)
    ben = CandidateFactory(name="Ben Rejected", recruiter=rita)
    ended(ben, Submission.Stage.REJECTED, reason="company_declined")
    CandidateFactory(name="Cy Never Submitted", recruiter=rita)
    SubmissionFactory(candidate=CandidateFactory(name="Dee In Process", recruiter=rita))
    CandidateFactory(name="Eve Unsubscribed", recruiter=rita, unsubscribed_at=NOW)
    ended(
        CandidateFactory(name="Fay Not Open", recruiter=rita),
        Submission.Stage.WITHDRAWN,
        open_to_other_roles=False,
    )

    response = client.get(POOL)

    assert response.status_code == 200
    assert names(response) == ["Ana Withdrew", "Ben Rejected", "Cy Never Submitted", "Dee In Process"]
    rows = {c.name: (c.last_stage, c.open_count) for c in response.context["page"].object_list}
    assert rows == {
        "Ana Withdrew": ("withdrawn", 0),
        "Ben Rejected": ("rejected", 0),
        "Cy Never Submitted": (None, 0),
        "Dee In Process": (None, 1),
    }


def test_pool_filters_by_tags_location_remote_and_minimum(client, rita):
    ana = CandidateFactory(
        name="Ana", recruiter=rita, locations="London, Leeds", remote="remote", min_compensation=70000
    )
    ana.role_tags.set([TagFactory(name="python"), TagFactory(name="data")])
    ben = CandidateFactory(
        name="Ben", recruiter=rita, locations="Berlin", remote="onsite", min_compensation=90000
    )
    ben.role_tags.set([TagFactory(name="go")])
    CandidateFactory(name="Cy", recruiter=rita, locations="Leeds", remote="any", min_compensation=None)

    assert names(client.get(POOL, {"tags": "Python, go"})) == ["Ana", "Ben"]
    assert names(client.get(POOL, {"location": "leeds"})) == ["Ana", "Cy"]
    assert names(client.get(POOL, {"remote": "remote"})) == ["Ana"]
    assert names(client.get(POOL, {"max_minimum": "80000"})) == ["Ana", "Cy"]
    assert names(client.get(POOL, {"location": "leeds", "max_minimum": "60000"})) == ["Cy"]


def test_pool_filters_by_last_contact(client, rita, time_machine):
    recent = CandidateFactory(name="Recent", recruiter=rita)
    old = CandidateFactory(name="Old", recruiter=rita)
    CandidateFactory(name="Never", recruiter=rita)
    time_machine.move_to(NOW - timedelta(days=45), tick=False)
    record_event(kind="email.replied", summary="Replied", candidate=old)
    time_machine.move_to(NOW - timedelta(days=2), tick=False)
    record_event(kind="touchpoint.sent", summary="Sent a nudge", candidate=recent)
    # Bookkeeping is not contact: a task created about them does not count.
    record_event(kind="task.created", summary="Task", candidate=old)
    time_machine.move_to(NOW, tick=False)

    assert names(client.get(POOL, {"last_contact": "7"})) == ["Recent"]
    assert names(client.get(POOL, {"last_contact": "over-30"})) == ["Never", "Old"]
    assert names(client.get(POOL, {"last_contact": "over-90"})) == ["Never"]


def test_pool_reliability_label_matches_the_reliability_record(client, rita):
    def with_events(name, *kinds):
        candidate = CandidateFactory(name=name, recruiter=rita)
        interview = InterviewFactory(submission=SubmissionFactory(candidate=candidate))
        for kind in kinds:
            record_event(kind=kind, summary=kind, interview=interview)
        return candidate

    with_events("New")
    with_events("Reliable", "interview.completed", "interview.late_cancellation")
    with_events("Watch no-show", "interview.no_show")
    with_events("Watch late", "interview.late_cancellation", "interview.late_cancellation")

    response = client.get(POOL)

    labels = {c.name: c.reliability_label for c in response.context["page"].object_list}
    assert labels == {
        c.name: reliability_record(c, now=NOW).label.value for c in response.context["page"].object_list
    }
    assert labels == {"New": "new", "Reliable": "reliable", "Watch late": "watch", "Watch no-show": "watch"}
    assert names(client.get(POOL, {"reliability": "watch"})) == ["Watch late", "Watch no-show"]


def test_pool_filters_by_last_process(client, rita):
    ended(CandidateFactory(name="Withdrew", recruiter=rita), Submission.Stage.WITHDRAWN)
    ended(
        CandidateFactory(name="Rejected", recruiter=rita),
        Submission.Stage.REJECTED,
        reason="company_declined",
    )
    SubmissionFactory(candidate=CandidateFactory(name="Active", recruiter=rita))
    CandidateFactory(name="Fresh", recruiter=rita)

    assert names(client.get(POOL, {"last_process": "withdrawn"})) == ["Withdrew"]
    assert names(client.get(POOL, {"last_process": "rejected"})) == ["Rejected"]
    assert names(client.get(POOL, {"last_process": "active"})) == ["Active"]
    assert names(client.get(POOL, {"last_process": "none"})) == ["Fresh"]


def test_pool_bad_filter_shows_its_error_and_keeps_the_list(client, rita):
    CandidateFactory(name="Ana", recruiter=rita)

    response = client.get(POOL, {"max_minimum": "lots", "location": "Leeds"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"max_minimum": ["Enter a whole number."]}
    assert 'value="lots"' in response.content.decode()
    assert names(response) == ["Ana"]


@pytest.mark.parametrize("rows", [1, 30])
def test_pool_query_count_is_constant(client, rita, django_assert_num_queries, rows):
    for i in range(rows):
        candidate = CandidateFactory(recruiter=rita)
        candidate.role_tags.set([TagFactory(name="python"), TagFactory(name=f"tag-{i % 3}")])
        ended(candidate, Submission.Stage.WITHDRAWN, open_to_other_roles=True)
        record_event(kind="touchpoint.sent", summary="Sent", candidate=candidate)
    # session, user, the page's ids, their figures (subqueries for those rows only), tags prefetch
    with django_assert_num_queries(5 + BANNER_QUERIES):
        response = client.get(POOL)

    assert len(response.context["page"].object_list) == rows


def test_pool_needs_login():
    response = Client().get(POOL)

    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={POOL}")
    assert reverse("people:talent-pool") == POOL


def test_pool_page_computes_figures_for_one_page_of_candidates_only(client, rita, django_assert_num_queries):
    # The pool's figures (reliability, last contact, latest process…) cost subqueries per candidate: they
    # must run for the page shown, never for the whole pool (a million candidates at agency scale).
    from candidly.hiring.pool import PAGE_SIZE

    CandidateFactory.create_batch(PAGE_SIZE + 7, recruiter=rita)

    with django_assert_num_queries(5 + BANNER_QUERIES) as queries:
        first = client.get(POOL)
    # (read before the next request: its request_started signal empties the connection's query log)
    reading = [q["sql"] for q in queries.captured_queries if 'FROM "people_candidate"' in q["sql"]]
    second = client.get(POOL, {"page": 2})
    paged = [sql for sql in reading if f"LIMIT {PAGE_SIZE + 1}" in sql]
    by_ids = [sql for sql in reading if '"people_candidate"."id" IN (' in sql]
    assert (len(paged), len(by_ids)) == (1, 1)
    assert by_ids[0].split('"people_candidate"."id" IN (')[1].split(")")[0].count(",") == PAGE_SIZE - 1
    assert (len(names(first)), len(names(second))) == (PAGE_SIZE, 7)
