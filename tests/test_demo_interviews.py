"""The demo's interviews as the services would have left them: one status Event per outcome (what the
reliability record counts), and the upcoming interviews' messages planned for the worker."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from candidly.accounts.models import AgencySettings
from candidly.demo.generator import build_demo_agency
from candidly.followups.models import Touchpoint
from candidly.followups.services import hours_for
from candidly.hiring.models import Interview
from candidly.hiring.reliability import reliability_record
from candidly.lib.businesstime import is_business_moment, is_night
from candidly.people.models import Candidate
from candidly.timeline.models import Event

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 11, 10, 15, tzinfo=UTC)  # a Wednesday morning in London
STATUS_EVENTS = {
    "completed": "interview.completed",
    "no_show": "interview.no_show",
    "cancelled_with_notice": "interview.cancelled_with_notice",
    "late_cancellation": "interview.late_cancellation",
}


@pytest.fixture
def demo():
    with time_machine.travel(NOW, tick=False):
        call_command("load_demo", allow_non_sqlite=True, stdout=io.StringIO())


def test_demo_interview_statuses_each_have_their_event(demo):
    kinds = list(STATUS_EVENTS.values())
    events = Counter(Event.objects.filter(kind__in=kinds).values_list("interview", "kind"))
    expected = Counter(
        (pk, STATUS_EVENTS[status])
        for pk, status in Interview.objects.filter(status__in=STATUS_EVENTS).values_list("pk", "status")
    )
    confirmed = set(Event.objects.filter(kind="interview.confirmed").values_list("interview", flat=True))

    assert events == expected
    assert set(Interview.objects.filter(status="confirmed").values_list("pk", flat=True)) <= confirmed
    assert not Event.objects.filter(kind__in=["interview.updated", "interview.cancel_requested"]).exists()
    # A cancellation's recorded notice agrees with its kind (24 hours, the agency's default).
    for kind, notice in Event.objects.filter(kind__contains="cancel").values_list(
        "kind", "data__notice_seconds"
    ):
        assert (notice >= 24 * 3600) == (kind == "interview.cancelled_with_notice")
    assert set(
        Interview.objects.filter(status__in=["cancelled_with_notice", "late_cancellation"]).values_list(
            "sequence", flat=True
        )
    ) == {1}


def test_demo_reliability_records_count_those_events(demo):
    candidate = Candidate.objects.filter(submissions__interviews__status="no_show").order_by("pk").first()

    record = reliability_record(candidate, now=NOW)

    statuses = Counter(
        Interview.objects.filter(submission__candidate=candidate).values_list("status", flat=True)
    )
    assert (
        record.attended,
        record.no_shows,
        record.late_cancellations,
        record.cancellations_with_notice,
    ) == (
        statuses["completed"],
        statuses["no_show"],
        statuses["late_cancellation"],
        statuses["cancelled_with_notice"],
    )
    assert record.label == "watch"


def test_demo_plans_the_upcoming_interviews_messages_for_the_worker(demo):
    upcoming = Interview.objects.filter(starts_at__gt=NOW, status__in=Interview.UPCOMING_STATUSES)
    planned = Touchpoint.objects.filter(status=Touchpoint.Status.PLANNED)

    assert upcoming.count() > 40
    # Every interview more than 2 hours away is reminded: 2 hours before when that is daytime where the
    # candidate is, else the evening before or in that day's reminder (or in the confirmation, booked late).
    later = list(
        upcoming.filter(starts_at__gt=NOW + timedelta(hours=2)).select_related("submission__candidate")
    )
    daytime = {
        interview.pk
        for interview in later
        if not is_night(interview.starts_at - timedelta(hours=2), interview.submission.candidate.time_zone)
    }
    two_hours = set(planned.filter(step=2).values_list("interview", flat=True))
    assert daytime <= two_hours <= {interview.pk for interview in later}
    # ... or was already reminded the day before (demo.contact: what the worker sent before the start), and
    # the 2-hour reminder at night was folded into that one.
    reminded = Touchpoint.objects.filter(status=Touchpoint.Status.DONE, kind="interview-reminder")
    reminded_or_planned = {
        *planned.values_list("interview", flat=True),
        *reminded.values_list("interview", flat=True),
    }
    assert {interview.pk for interview in later} <= reminded_or_planned
    assert set(planned.values_list("interview", flat=True)) <= set(upcoming.values_list("pk", flat=True))
    assert set(planned.values_list("kind", flat=True)) == {"interview-confirmation", "interview-reminder"}
    assert not planned.filter(due_at__lt=NOW).exists()


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 3, 11, 15, 0, tzinfo=UTC),  # US on summer time, Europe not yet
        datetime(2026, 10, 28, 9, 0, tzinfo=UTC),  # Europe back on winter time, the US not yet
        datetime(2026, 11, 28, 11, 0, tzinfo=UTC),  # a Saturday
    ],
)
def test_every_demo_interview_is_in_the_company_and_candidate_working_hours(now):
    # Issue 15: a London company interviewing a Sydney candidate at 03:00 their time is not a demo.
    agency = AgencySettings()  # a fresh install's hours: 09:00-18:00, Monday to Friday
    demo = build_demo_agency(now=now)

    outside = []
    for interview in demo.interviews:
        role, candidate = interview.submission.role, interview.submission.candidate
        sides = (
            (role.company.time_zone, hours_for(role.hiring_manager, agency)),
            (candidate.time_zone, hours_for(candidate, agency)),
        )
        last_moment = interview.ends_at - timedelta(microseconds=1)
        for zone, hours in sides:
            tz = ZoneInfo(zone)
            inside = is_business_moment(interview.starts_at, zone, hours) and is_business_moment(
                last_moment, zone, hours
            )
            if not inside or interview.starts_at.astimezone(tz).date() != last_moment.astimezone(tz).date():
                outside.append((str(interview.submission), interview.starts_at, zone))

    assert len(demo.interviews) > 500
    assert outside == []
