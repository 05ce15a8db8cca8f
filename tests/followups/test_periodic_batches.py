"""The worker's periodic checks at scale: bounded batches that give what one pass gave, a stop request
honoured between two batches, and due messages claimed between the batches of a long check."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from candidly.followups import silence
from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.silence import check_silence
from candidly.followups.tasks import NewTask, create_task, create_tasks_bulk
from candidly.followups.worker import run_periodic_checks
from candidly.hiring.models import Submission
from candidly.timeline.models import Event
from tests.factories import SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Submissions are made on Tuesday 10 March 2026, 15:00 UTC (the clock fixture's start): on Thursday at
# 11:00 in New York their candidates are one business day from three days of silence.
THURSDAY_11_NY = datetime(2026, 3, 12, 15, tzinfo=UTC)
FRIDAY_11_NY = datetime(2026, 3, 13, 15, tzinfo=UTC)


def silent(count: int) -> list[Submission]:
    return [
        SubmissionFactory(candidate__name=f"Candidate {index}", candidate__time_zone="America/New_York")
        for index in range(count)
    ]


def update_tasks() -> list[tuple[int | None, str, datetime, int | None, str]]:
    return list(
        Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE)
        .order_by("submission", "pk")
        .values_list("submission", "title", "due_at", "assigned_to", "status")
    )


def test_silence_check_in_small_batches_makes_the_tasks_one_pass_makes(clock, monkeypatch):
    submissions = silent(5)
    # The assignee rule: the submission's recruiter, else the candidate's, else the role's.
    by_role = submissions[3]
    Submission.objects.filter(pk=by_role.pk).update(recruiter=None)
    by_role.candidate.recruiter = None
    by_role.candidate.save()
    clock.set(THURSDAY_11_NY)
    kept = create_task(
        kind=Task.Kind.UPDATE_CANDIDATE,
        title="Update, being written",
        due_at=clock.now,
        actor=None,
        submission=submissions[4],
    )
    monkeypatch.setattr(silence, "BATCH_SIZE", 2)

    created = check_silence(now=clock.now)

    expected_owner = {
        sub.pk: (sub.role.recruiter_id if sub is by_role else sub.recruiter_id) for sub in submissions
    }
    assert sorted(task.submission_id for task in created) == [sub.pk for sub in submissions[:4]]
    assert update_tasks() == [
        *(
            (sub.pk, f"Update Candidate {index}", FRIDAY_11_NY, expected_owner[sub.pk], Task.Status.OPEN)
            for index, sub in enumerate(submissions[:4])
        ),
        (
            submissions[4].pk,
            "Update, being written",
            clock.now,
            submissions[4].recruiter_id,
            Task.Status.OPEN,
        ),
    ]
    events = Event.objects.filter(kind="task.created").order_by("pk")
    assert sorted(event.data["task"] for event in events) == sorted([kept.pk, *(t.pk for t in created)])
    assert [(e.submission_id, e.candidate_id) for e in events if e.data["task"] == created[0].pk] == [
        (created[0].submission_id, created[0].candidate_id)
    ]
    assert [task.details for task in created] == [
        silence.prepared_update(task.submission) for task in created
    ]
    assert check_silence(now=clock.now) == []


def test_create_tasks_bulk_leaves_out_a_submission_whose_update_is_open(clock):
    first, second = silent(2)
    rita = UserFactory(username="rita")
    Submission.objects.filter(pk=second.pk).update(recruiter=rita)
    second.refresh_from_db()
    create_task(kind=Task.Kind.UPDATE_CANDIDATE, title="Open", due_at=clock.now, actor=None, submission=first)

    made = create_tasks_bulk(
        [
            NewTask(kind=Task.Kind.UPDATE_CANDIDATE, title="Update A", due_at=clock.now, submission=first),
            NewTask(kind=Task.Kind.UPDATE_CANDIDATE, title="Update B", due_at=clock.now, submission=second),
            NewTask(kind=Task.Kind.UPDATE_CANDIDATE, title="Twice", due_at=clock.now, submission=second),
        ]
    )

    assert [(task.title, task.assigned_to, task.candidate) for task in made] == [
        ("Update B", rita, second.candidate)
    ]
    assert Task.objects.filter(submission=first, status=Task.Status.OPEN).count() == 1
    [event] = Event.objects.filter(kind="task.created", data__task=made[0].pk)
    assert (event.summary, event.actor_type, event.submission, event.candidate, event.company) == (
        f"Task for {rita}: Update B",
        Event.Actor.SYSTEM,
        second,
        second.candidate,
        second.role.company,
    )


def test_periodic_checks_stop_between_two_batches(clock, monkeypatch):
    silent(5)
    clock.set(THURSDAY_11_NY)
    monkeypatch.setattr(silence, "BATCH_SIZE", 2)
    batches = []

    def stop_after_the_first_batch() -> bool:
        batches.append(Task.objects.count())
        return Task.objects.exists()

    stopped = run_periodic_checks(now=clock.now, stop_requested=stop_after_the_first_batch)
    rest = run_periodic_checks(now=clock.now)

    assert (dict(stopped), batches[-1]) == (
        {
            "cadences_planned": 0,
            "update_tasks": 2,
            "retention_erased": 0,
            "report_cells": 0,
            "links_pruned": 0,
        },
        2,
    )
    assert dict(rest) == {
        "cadences_planned": 0,
        "update_tasks": 3,
        "retention_erased": 0,
        "report_cells": 0,
        "links_pruned": 0,
    }
    assert Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).count() == 5


def test_worker_claims_due_messages_between_the_batches_of_a_check(clock, make_worker, monkeypatch):
    submissions = silent(3)
    # Another process, as silent as the others, but with a message due now (the check skips it: a step is
    # planned).
    other = SubmissionFactory(candidate__time_zone="America/New_York")
    clock.set(THURSDAY_11_NY)
    monkeypatch.setattr(silence, "BATCH_SIZE", 1)
    due, _ = plan_touchpoint(
        person=other.candidate,
        kind=Touchpoint.Kind.UPDATE,
        channel=Touchpoint.Channel.EMAIL,
        due_at=clock.now,
        submission=other,
        step=1,
        respects_business_hours=False,
    )
    performed = []

    def deliver(touchpoint, *, now, before_handoff):
        performed.append((touchpoint.pk, Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).count()))
        raise OSError("no mail server in this test")

    worker = make_worker(checks_every_seconds=60, deliver=deliver)

    first = worker.run_batch()
    after_first = Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).count()
    reports = [worker.run_batch() for _ in range(4)]

    assert (dict(first.checks), first.claimed, after_first) == (
        {"update_tasks": 1, "retention_erased": 0, "report_cells": 0, "links_pruned": 0},
        1,
        1,
    )
    assert [dict(report.checks) for report in reports] == [
        {"update_tasks": 1},
        {"update_tasks": 1},
        {"update_tasks": 0},  # the fourth process has its message planned: no task
        {},
    ]
    assert worker.checking is False
    assert sorted(
        Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).values_list("submission", flat=True)
    ) == [sub.pk for sub in submissions]
    # The due message went out after the first batch of the check, not after the whole check.
    assert performed == [(due.pk, 1)]


def test_run_worker_checks_once_stops_between_batches_on_sigterm(clock, monkeypatch):
    silent(6)
    clock.set(THURSDAY_11_NY)
    monkeypatch.setattr(silence, "BATCH_SIZE", 1)
    first_batch_done = threading.Event()
    carry_on = threading.Event()
    real_bulk = silence.create_tasks_bulk

    def slow_bulk(new):
        made = real_bulk(new)
        first_batch_done.set()
        carry_on.wait(5)  # SIGTERM arrives while this batch is in hand
        return made

    monkeypatch.setattr(silence, "create_tasks_bulk", slow_bulk)

    def terminate():
        first_batch_done.wait(10)
        os.kill(os.getpid(), signal.SIGTERM)
        carry_on.set()

    killer = threading.Thread(target=terminate)
    killer.start()
    call_command("run_worker", "--checks-once", "--worker-id", "checks")
    killer.join()

    assert Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE).count() == 1
