"""The talent pool page: who is in it, its filters, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.hiring.endings.reject import reject_submission
from candidly.hiring.endings.withdraw import withdraw_submission
from candidly.hiring.models import Interview, Submission
from candidly.hiring.reliability import reliability_record
from candidly.hiring.services.interview_status import (
    cancel_interview_for_candidate,
    correct_interview_outcome,
    mark_interview_outcome,
)
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.hiring.services.submissions import create_submission, move_submission
from candidly.people.models import Candidate
from candidly.timeline.services import record_event
from tests.banner import BANNER_QUERIES
from tests.factories import (
    CandidateFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    TagFactory,
    UserFactory,
)

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


def test_pool_tag_nobody_has_shows_nobody_and_says_so(client, rita, django_assert_max_num_queries):
    ana = CandidateFactory(name="Ana", recruiter=rita)
    ana.role_tags.set([TagFactory(name="python")])

    # A typo: no such tag in the agency. Nothing matches, and the page does not read the pool at all.
    with django_assert_max_num_queries(3 + BANNER_QUERIES):
        response = client.get(POOL, {"tags": "pyhton"})
    assert names(response) == []
    assert "No candidate in the pool matches these filters." in response.content.decode()
    assert names(client.get(POOL, {"tags": "pyhton, python"})) == ["Ana"]


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
@pytest.mark.parametrize(
    "query",
    [{}, {"tags": "python", "reliability": "watch", "last_process": "withdrawn", "last_contact": "7"}],
)
def test_pool_query_count_is_constant(client, rita, django_assert_num_queries, rows, query):
    for i in range(rows):
        candidate = CandidateFactory(recruiter=rita)
        candidate.role_tags.set([TagFactory(name="python"), TagFactory(name=f"tag-{i % 3}")])
        ended(candidate, Submission.Stage.WITHDRAWN, open_to_other_roles=True)
        record_event(kind="touchpoint.sent", summary="Sent", candidate=candidate)
        record_event(kind="interview.no_show", summary="No-show", candidate=candidate)
    # session, user, the page's ids (the watch set is a subquery of it), their figures, tags prefetch; the
    # tag filter's ids first
    with django_assert_num_queries(5 + ("tags" in query) + BANNER_QUERIES):
        response = client.get(POOL, query)

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


def pool_names(client, **query) -> list[str]:
    return names(client.get(POOL, query))


def labels(client) -> dict[str, str]:
    return {c.name: c.reliability_label for c in client.get(POOL).context["page"].object_list}


def assert_stored_figures_are_fresh():
    """The copies on the candidate rows equal what their sources give now (the one refresher's rule)."""
    fields = ("pk", "last_ended_stage", "last_open_to_other_roles", "open_processes", "interview_outcomes")
    before = list(Candidate.objects.order_by("pk").values_list(*fields))
    refresh_pool_figures(None)
    assert list(Candidate.objects.order_by("pk").values_list(*fields)) == before


def test_pool_last_process_follows_every_change_of_stage(client, rita):
    cara = CandidateFactory(name="Cara", recruiter=rita)
    CandidateFactory(name="Fresh", recruiter=rita)
    assert pool_names(client, last_process="none") == ["Cara", "Fresh"]

    first = create_submission(candidate=cara, role=RoleFactory(), actor=rita)
    assert pool_names(client, last_process="none") == ["Fresh"]
    assert pool_names(client, last_process="active") == ["Cara"]

    reject_submission(first, actor=rita, now=NOW)
    assert pool_names(client, last_process="active") == []
    assert pool_names(client, last_process="rejected") == ["Cara"]

    second = create_submission(candidate=cara, role=RoleFactory(), actor=rita)
    assert pool_names(client, last_process="active") == ["Cara"]
    assert pool_names(client, last_process="rejected") == ["Cara"]  # still their last ended process

    # Withdrawing "not open to other roles" takes them out of the pool altogether.
    withdraw_submission(
        second, reason="personal", open_to_other_roles=False, via="recruiter", actor=rita, now=NOW
    )
    assert pool_names(client) == ["Fresh"]
    assert pool_names(client, last_process="withdrawn") == []

    # Re-opened: the rejection is their last ended process again, and they are back.
    move_submission(second, stage=Submission.Stage.INTERVIEWING, actor=rita)
    assert pool_names(client) == ["Cara", "Fresh"]
    assert pool_names(client, last_process="rejected") == ["Cara"]
    assert pool_names(client, last_process="active") == ["Cara"]

    move_submission(second, stage=Submission.Stage.PLACED, reason="hired", actor=rita)
    assert pool_names(client, last_process="active") == []
    assert pool_names(client, last_process="rejected") == []
    assert pool_names(client, last_process="withdrawn") == []
    assert names(client.get(POOL, {"last_process": "none"})) == ["Fresh"]
    assert_stored_figures_are_fresh()


def test_pool_reliability_follows_outcomes_corrections_and_time(client, rita, time_machine):
    def ended_interview(name):
        candidate = CandidateFactory(name=name, recruiter=rita)
        submission = SubmissionFactory(candidate=candidate)
        starts = NOW - timedelta(hours=3)
        return InterviewFactory(submission=submission, starts_at=starts, ends_at=starts + timedelta(hours=1))

    def upcoming_interview(name):
        candidate = CandidateFactory(name=name, recruiter=rita)
        starts = NOW + timedelta(hours=5)
        return InterviewFactory(
            submission=SubmissionFactory(candidate=candidate),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )

    def agree_with_the_record(now):
        for candidate in client.get(POOL).context["page"].object_list:
            assert candidate.reliability_label == reliability_record(candidate, now=now).label.value

    attended = ended_interview("Attended")
    missed = ended_interview("Missed")
    late = upcoming_interview("Late")
    CandidateFactory(name="Untested", recruiter=rita)
    assert pool_names(client, reliability="new") == ["Attended", "Late", "Missed", "Untested"]

    mark_interview_outcome(attended, outcome=Interview.Status.COMPLETED, now=NOW, actor=rita)
    mark_interview_outcome(missed, outcome=Interview.Status.NO_SHOW, now=NOW, actor=rita)
    cancel_interview_for_candidate(late, now=NOW, reason_kind="reschedule")
    assert pool_names(client, reliability="new") == ["Untested"]
    assert pool_names(client, reliability="watch") == ["Missed"]
    assert pool_names(client, reliability="reliable") == ["Attended", "Late"]  # one late cancellation: fine
    agree_with_the_record(NOW)

    # A second late cancellation in 12 months puts them on watch.
    again = InterviewFactory(
        submission=late.submission, starts_at=NOW + timedelta(hours=2), ends_at=NOW + timedelta(hours=3)
    )
    cancel_interview_for_candidate(again, now=NOW, reason_kind="reschedule")
    assert pool_names(client, reliability="watch") == ["Late", "Missed"]

    # The no-show was in fact attended: the correction moves the count.
    correct_interview_outcome(
        missed,
        to=Interview.Status.COMPLETED,
        reason="They were there, the manager confirmed.",
        actor=rita,
        now=NOW,
    )
    assert pool_names(client, reliability="watch") == ["Late"]
    assert pool_names(client, reliability="reliable") == ["Attended", "Missed"]
    agree_with_the_record(NOW)

    # A year and a day later the late cancellations are out of the window: reliable, never new again.
    later = NOW + timedelta(days=366)
    time_machine.move_to(later, tick=False)
    client.force_login(rita)  # the session of a year ago has expired
    assert pool_names(client, reliability="watch") == []
    assert pool_names(client, reliability="reliable") == ["Attended", "Late", "Missed"]
    assert pool_names(client, reliability="new") == ["Untested"]
    agree_with_the_record(later)
    assert_stored_figures_are_fresh()


def test_pool_correction_to_a_cancellation_keeps_the_outcome_count(client, rita):
    candidate = CandidateFactory(name="Ana", recruiter=rita)
    starts = NOW - timedelta(hours=3)
    interview = InterviewFactory(
        submission=SubmissionFactory(candidate=candidate),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=NOW, actor=rita)
    correct_interview_outcome(
        interview, to=Interview.Status.CANCELLED_WITH_NOTICE, reason="They had told us.", actor=rita, now=NOW
    )

    assert pool_names(client, reliability="reliable") == ["Ana"]
    assert (pool_names(client, reliability="watch"), pool_names(client, reliability="new")) == ([], [])
    assert Candidate.objects.get(pk=candidate.pk).interview_outcomes == 1


def test_pool_figures_stay_right_when_a_candidate_is_erased(client, rita):
    from candidly.privacy.erasure import erase_candidate

    gone = CandidateFactory(name="Gone", recruiter=rita)
    ended(gone, Submission.Stage.REJECTED, reason="company_declined")
    kept = CandidateFactory(name="Kept", recruiter=rita)
    ended(kept, Submission.Stage.REJECTED, reason="company_declined")

    erase_candidate(gone, actor=rita, now=NOW)

    assert_stored_figures_are_fresh()
    assert Candidate.objects.get(pk=gone.pk).last_ended_stage == "rejected"
    assert "Kept" in pool_names(client, last_process="rejected")
