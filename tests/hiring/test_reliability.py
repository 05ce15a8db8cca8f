"""The reliability record: numbers made of Events written by the services, shown to recruiters only."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from candidly.hiring.models import Interview
from candidly.hiring.reliability import ReliabilityLabel, format_duration, reliability_record
from candidly.hiring.services.interview_status import (
    cancel_interview_for_candidate,
    confirm_interview,
    mark_interview_outcome,
)
from candidly.timeline.models import Event
from candidly.timeline.services import record_event
from tests.banner import BANNER_QUERIES
from tests.factories import CandidateFactory, InterviewFactory, SubmissionFactory

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def interview_for(candidate, start):
    submission = SubmissionFactory(candidate=candidate)
    return InterviewFactory(submission=submission, starts_at=start, ends_at=start + timedelta(hours=1))


def attended(candidate, start, recruiter, *, confirm=True):
    interview = interview_for(candidate, start)
    with time_machine.travel(start - timedelta(days=1), tick=False):
        if confirm:
            confirm_interview(interview, now=timezone.now(), via="link")
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        mark_interview_outcome(interview, outcome="completed", now=timezone.now(), actor=recruiter)
    return interview


def no_show(candidate, start, recruiter):
    interview = interview_for(candidate, start)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        mark_interview_outcome(interview, outcome="no_show", now=timezone.now(), actor=recruiter)
    return interview


def cancelled(candidate, start, hours_before):
    interview = interview_for(candidate, start)
    with time_machine.travel(start - timedelta(hours=hours_before), tick=False):
        cancel_interview_for_candidate(interview, now=timezone.now(), reason_kind="reschedule")
    return interview


def event_count(candidate, kind):
    return Event.objects.filter(candidate=candidate, kind=kind).count()


@pytest.mark.django_db
def test_reliability_numbers_equal_the_events_written_by_the_services(recruiter):
    cara = CandidateFactory()
    other = CandidateFactory()
    attended(cara, NOW - timedelta(days=40), recruiter)
    attended(cara, NOW - timedelta(days=30), recruiter, confirm=False)
    no_show(cara, NOW - timedelta(days=20), recruiter)
    cancelled(cara, NOW - timedelta(days=10), hours_before=48)
    cancelled(cara, NOW - timedelta(days=5), hours_before=3)
    attended(other, NOW - timedelta(days=3), recruiter)  # someone else's record stays theirs

    record = reliability_record(cara, now=NOW)

    assert [(f.label, f.count) for f in record.figures] == [
        ("Interviews attended", event_count(cara, "interview.completed")),
        ("Confirmations", event_count(cara, "interview.confirmed")),
        ("Cancellations with notice", event_count(cara, "interview.cancelled_with_notice")),
        ("Late cancellations", event_count(cara, "interview.late_cancellation")),
        ("No-shows", event_count(cara, "interview.no_show")),
        ("Went quiet after an interview", event_count(cara, "submission.gone_quiet")),
    ]
    assert [f.count for f in record.figures] == [2, 1, 1, 1, 1, 0]
    assert [
        Interview.objects.filter(submission__candidate=cara, status=status).count()
        for status in ("completed", "confirmed", "cancelled_with_notice", "late_cancellation", "no_show")
    ] == [2, 0, 1, 1, 1]
    assert (record.label, record.reason) == (ReliabilityLabel.WATCH, "1 no-show in the last 12 months.")
    assert record.median_response_display == "—"


@pytest.mark.django_db
def test_reliability_label_new_without_outcomes():
    cara = CandidateFactory()

    record = reliability_record(cara, now=NOW)

    assert (record.label, record.reason) == (ReliabilityLabel.NEW, "No interview outcome recorded yet.")
    assert [f.count for f in record.figures] == [0, 0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_reliability_label_reliable_with_one_late_cancellation(recruiter):
    cara = CandidateFactory()
    attended(cara, NOW - timedelta(days=60), recruiter)
    cancelled(cara, NOW - timedelta(days=10), hours_before=5)

    record = reliability_record(cara, now=NOW)

    assert (record.label, record.reason) == (
        ReliabilityLabel.RELIABLE,
        "1 interview attended; no no-show and at most one late cancellation in the last 12 months.",
    )


@pytest.mark.django_db
def test_reliability_label_watch_at_two_late_cancellations():
    cara = CandidateFactory()
    cancelled(cara, NOW - timedelta(days=100), hours_before=5)
    cancelled(cara, NOW - timedelta(days=10), hours_before=1)

    record = reliability_record(cara, now=NOW)

    assert (record.label, record.reason) == (
        ReliabilityLabel.WATCH,
        "2 late cancellations in the last 12 months.",
    )


@pytest.mark.django_db
def test_reliability_watch_window_is_twelve_months(recruiter):
    cara = CandidateFactory()
    with time_machine.travel(NOW - timedelta(days=366), tick=False):
        no_show(cara, NOW - timedelta(days=367), recruiter)

    old = reliability_record(cara, now=NOW)
    recent = reliability_record(cara, now=NOW - timedelta(days=300))

    assert (old.no_shows, old.recent_no_shows, old.label) == (1, 0, ReliabilityLabel.RELIABLE)
    assert (recent.recent_no_shows, recent.label) == (1, ReliabilityLabel.WATCH)


@pytest.mark.django_db
def test_reliability_median_response_from_followup_events():
    cara = CandidateFactory()
    for seconds in (600, 7200, 90000):
        record_event(
            kind="followup.responded", summary="Answered", candidate=cara, data={"response_seconds": seconds}
        )
    record_event(kind="followup.responded", summary="Answered by phone", candidate=cara, data={})

    record = reliability_record(cara, now=NOW)

    assert (record.responses, record.median_response, record.median_response_display) == (
        4,
        timedelta(hours=2),
        "2 h",
    )


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=3, minutes=20), "3 h 20 min"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=2, hours=4, minutes=10), "2 days 4 h"),
    ],
)
def test_format_duration(delta, text):
    assert format_duration(delta) == text


# --- on the candidate page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_candidate_page_shows_the_record_with_links_to_its_events(recruiter, recruiter_client):
    cara = CandidateFactory()
    no_show(cara, NOW - timedelta(days=20), recruiter)

    with time_machine.travel(NOW, tick=False):
        response = recruiter_client.get(f"/candidates/{cara.pk}/")

    html = response.content.decode()
    assert response.context["reliability"].no_shows == 1
    assert '<span class="badge badge-watch">watch</span>' in html
    assert "1 no-show in the last 12 months." in html
    assert f'href="/candidates/{cara.pk}/events/?kind=interview.no_show"' in html
    assert f'href="/candidates/{cara.pk}/events/?kind=interview.completed"' in html


@pytest.mark.django_db
def test_candidate_events_page_lists_the_events_behind_a_number(recruiter, recruiter_client):
    cara = CandidateFactory()
    missed = no_show(cara, NOW - timedelta(days=20), recruiter)
    attended(cara, NOW - timedelta(days=10), recruiter)

    response = recruiter_client.get(f"/candidates/{cara.pk}/events/?kind=interview.no_show")

    assert [(e.kind, e.interview) for e in response.context["page"].object_list] == [
        ("interview.no_show", missed)
    ]
    assert "No-shows: " in response.content.decode()


@pytest.mark.django_db
def test_candidate_events_page_ignores_an_unknown_kind(recruiter, recruiter_client):
    cara = CandidateFactory()
    attended(cara, NOW - timedelta(days=10), recruiter)

    response = recruiter_client.get(f"/candidates/{cara.pk}/events/?kind=<script>")

    # An unknown kind filters nothing: the page lists every event on the candidate's timeline.
    everything = Event.objects.filter(candidate=cara).order_by("-occurred_at", "-id")
    assert [e.kind for e in response.context["page"].object_list] == [e.kind for e in everything]
    assert {"interview.completed", "interview.confirmed"} <= {e.kind for e in everything}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 5])
def test_candidate_events_page_query_count_is_constant(
    recruiter, recruiter_client, django_assert_num_queries, rows
):
    cara = CandidateFactory()
    for n in range(rows):
        no_show(cara, NOW - timedelta(days=10 + n), recruiter)

    # session, user, candidate, events with their actors
    with django_assert_num_queries(4 + BANNER_QUERIES):
        response = recruiter_client.get(f"/candidates/{cara.pk}/events/?kind=interview.no_show")

    assert len(response.context["page"].object_list) == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 5])
def test_candidate_page_query_count_is_constant_with_the_record(
    recruiter, recruiter_client, django_assert_num_queries, rows
):
    cara = CandidateFactory()
    for n in range(rows):
        attended(cara, NOW - timedelta(days=20 + n), recruiter)
        interview_for(cara, NOW - timedelta(days=2 + n))  # ended, unmarked: shows the two buttons

    # session, user, candidate+recruiter, tags, submissions, interviews, reliability, open roles to suggest
    # (none: the only roles are the candidate's own), feedback, events
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(11 + BANNER_QUERIES):
        response = recruiter_client.get(f"/candidates/{cara.pk}/")

    assert len(response.context["past_interviews"]) == 2 * rows
    assert response.content.decode().count('value="no_show"') == rows


@pytest.mark.django_db
def test_reliability_record_is_for_recruiters_only():
    cara = CandidateFactory()

    responses = [Client().get(path) for path in (f"/candidates/{cara.pk}/", f"/candidates/{cara.pk}/events/")]

    assert [(r.status_code, r.url) for r in responses] == [
        (302, f"/accounts/login/?next=/candidates/{cara.pk}/"),
        (302, f"/accounts/login/?next=/candidates/{cara.pk}/events/"),
    ]
