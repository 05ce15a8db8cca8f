"""No one left in silence: the "Update <candidate>" task before silence_business_days pass (rule 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Task, Touchpoint
from candidly.followups.silence import check_silence
from candidly.followups.worker import run_periodic_checks
from candidly.hiring.models import Submission
from candidly.timeline.models import Event
from tests.factories import SubmissionFactory
from tests.followups.support import in_threads, postgres_only

pytestmark = pytest.mark.django_db

# The clock starts on Tuesday 10 March 2026, 15:00 UTC (11:00 in New York): the submission is made then.
THURSDAY_11_NY = datetime(2026, 3, 12, 15, tzinfo=UTC)
FRIDAY_11_NY = datetime(2026, 3, 13, 15, tzinfo=UTC)


@pytest.fixture
def submission(clock) -> Submission:
    return SubmissionFactory(
        candidate__name="Cara Candidate",
        candidate__time_zone="America/New_York",
        role__title="Backend Engineer",
        role__company__name="Acme Robotics",
    )


def message(submission: Submission, *, status: str, at: datetime, key: str) -> Touchpoint:
    return Touchpoint.objects.create(
        candidate=submission.candidate,
        submission=submission,
        kind=Touchpoint.Kind.NUDGE,
        channel="email",
        idempotency_key=key,
        due_at=at,
        done_at=at if status == "done" else None,
        status=status,
    )


def test_silence_check_creates_an_update_task_one_business_day_before_the_limit(submission, clock):
    clock.set(THURSDAY_11_NY - timedelta(seconds=1))
    early = check_silence(now=clock.now)
    clock.set(THURSDAY_11_NY)

    [task] = check_silence(now=clock.now)
    again = check_silence(now=clock.now)

    assert (early, again) == ([], [])
    assert (task.kind, task.title, task.due_at, task.assigned_to, task.submission) == (
        Task.Kind.UPDATE_CANDIDATE,
        "Update Cara Candidate",
        FRIDAY_11_NY,  # three business days after the last word from us
        submission.recruiter,
        submission,
    )
    assert task.details.startswith(
        "Hi Cara,\n\nA quick word so you're not left wondering: we're still waiting"
    )
    assert "Acme Robotics about the Backend Engineer role." in task.details
    assert "Unsubscribe" not in task.details
    event = Event.objects.get(kind="task.created")
    assert (event.actor_type, event.submission) == ("system", submission)


def test_silence_is_counted_from_the_last_message_sent_over_a_weekend(submission, clock):
    message(submission, status="done", at=datetime(2026, 3, 13, 15, tzinfo=UTC), key="sent-friday")

    clock.set(datetime(2026, 3, 16, 20, tzinfo=UTC))  # Monday evening: one business day only
    monday = check_silence(now=clock.now)
    clock.set(datetime(2026, 3, 17, 15, tzinfo=UTC))  # Tuesday 11:00 New York: two business days
    tuesday = check_silence(now=clock.now)

    assert monday == []
    assert [task.due_at for task in tuesday] == [datetime(2026, 3, 18, 15, tzinfo=UTC)]


def test_silence_check_trusts_a_message_planned_before_the_limit(submission, clock):
    message(submission, status="planned", at=FRIDAY_11_NY - timedelta(hours=1), key="nudge-soon")
    clock.set(THURSDAY_11_NY)

    assert check_silence(now=clock.now) == []


def test_silence_check_counts_a_voicemail_but_not_an_unanswered_call(submission, clock):
    clock.set(datetime(2026, 3, 11, 15, tzinfo=UTC))  # Wednesday
    about = {
        "candidate": submission.candidate,
        "submission": submission,
        "kind": Task.Kind.CALL,
        "status": "done",
    }
    Task.objects.create(title="No answer", due_at=clock.now, done_at=clock.now, outcome="No answer", **about)
    clock.set(THURSDAY_11_NY)
    unanswered = check_silence(now=clock.now)
    Task.objects.all().delete()
    Task.objects.create(
        title="Voicemail",
        due_at=THURSDAY_11_NY,
        done_at=datetime(2026, 3, 11, 15, tzinfo=UTC),
        outcome="Left a voicemail",
        **about,
    )

    after_voicemail = check_silence(now=clock.now)

    assert [task.title for task in unanswered] == ["Update Cara Candidate"]
    assert after_voicemail == []


def test_silence_check_leaves_out_gone_quiet_and_ended_processes(submission, clock):
    quiet = SubmissionFactory(gone_quiet_at=clock.now)
    ended = SubmissionFactory(stage=Submission.Stage.WITHDRAWN, end_reason="other_offer", ended_at=clock.now)
    clock.set(THURSDAY_11_NY)

    tasks = check_silence(now=clock.now)

    assert [task.submission for task in tasks] == [submission]
    assert quiet.tasks.count() == ended.tasks.count() == 0


def test_silence_check_follows_the_agency_setting(submission, clock):
    agency = AgencySettings.load()
    agency.silence_business_days = 5
    agency.save()
    clock.set(THURSDAY_11_NY)

    thursday = check_silence(now=clock.now)
    clock.set(datetime(2026, 3, 16, 15, tzinfo=UTC))  # Monday: 4 business days
    monday = check_silence(now=clock.now)

    assert (thursday, [task.due_at for task in monday]) == ([], [datetime(2026, 3, 17, 15, tzinfo=UTC)])


def test_periodic_checks_report_the_update_tasks(submission, clock):
    clock.set(THURSDAY_11_NY)

    counts = run_periodic_checks(now=clock.now)

    assert dict(counts) == {
        "cadences_planned": 0,
        "update_tasks": 1,
        "retention_erased": 0,
        "report_cells": 0,
        "links_pruned": 0,
    }


@postgres_only
def test_silence_check_two_workers_at_once_make_one_task(clock):
    SubmissionFactory(candidate__time_zone="America/New_York")
    clock.set(THURSDAY_11_NY)

    results = in_threads(lambda: check_silence(now=THURSDAY_11_NY), lambda: check_silence(now=THURSDAY_11_NY))

    assert sorted(len(tasks) for tasks in results) == [0, 1]
    assert Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).count() == 1
