from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from candidly.followups.models import Touchpoint
from tests.factories import InterviewFactory
from tests.followups.support import plan_email, postgres_only
from tests.smtp import SmtpSink, _Handler

Status = Touchpoint.Status
ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, "manage.py"]


class SlowHandler(_Handler):
    """Accepts each message after a pause, so a signal can arrive while one is being sent."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink(settings):
    sink = SmtpSink()
    sink.handler = SlowHandler()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_run_worker_once_performs_what_is_due_and_exits(interview, clock, smtp_sink):
    touchpoints = [plan_email(interview, due_at=clock.now, step=step) for step in range(3)]
    later = plan_email(interview, due_at=clock.now + timedelta(hours=1), step=9)

    call_command("run_worker", "--once", "--batch-size", "2", "--worker-id", "cli", "--no-checks")

    assert list(Touchpoint.objects.values_list("pk", "status")) == [
        *((tp.pk, Status.DONE) for tp in touchpoints),
        (later.pk, Status.PLANNED),
    ]
    assert len(smtp_sink.received) == 3


def test_run_worker_sigterm_finishes_the_current_item_and_returns(interview, clock, slow_sink):
    for step in range(10):
        plan_email(interview, due_at=clock.now, step=step)

    def terminate_after_first_message():
        wait_for(lambda: len(slow_sink.received) >= 1)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_after_first_message)
    killer.start()
    # Runs in this (main) thread, so the command installs its SIGTERM handler here and restores it after.
    call_command(
        "run_worker", "--batch-size", "5", "--poll-seconds", "0.05", "--worker-id", "cli", "--no-checks"
    )
    killer.join()

    statuses = list(Touchpoint.objects.values_list("status", "attempts"))
    done = statuses.count((Status.DONE, 1))
    assert done >= 1, "the item in progress when SIGTERM came was finished"
    assert done < 10, "the worker stopped instead of draining the queue"
    # Rows due at the same moment may be claimed in any order: what counts is that none is left half-done.
    assert sorted(statuses) == sorted([(Status.DONE, 1)] * done + [(Status.PLANNED, 0)] * (10 - done))
    assert len(slow_sink.received) == done


def _worker_env(sink) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "SECRET_KEY": settings.SECRET_KEY,
    }


@postgres_only
def test_run_worker_process_exits_zero_on_sigterm_with_each_senders_item_done(slow_sink):
    now = timezone.now()
    interview = InterviewFactory()
    for step in range(12):
        plan_email(interview, due_at=now, step=step, respects_business_hours=False)
    process = subprocess.Popen(
        [
            *MANAGE,
            "run_worker",
            "--batch-size",
            "2",
            "--poll-seconds",
            "0.1",
            "--senders",
            "3",
            "--worker-id",
            "w",
        ],
        cwd=ROOT,
        env=_worker_env(slow_sink),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: len(slow_sink.received) >= 1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output.decode()
    statuses = list(Touchpoint.objects.values_list("status", "attempts"))
    done = statuses.count((Status.DONE, 1))
    # Each sender finished the message in hand and gave the rest of its batch back: nothing half-done.
    assert sorted(statuses) == sorted([(Status.DONE, 1)] * done + [(Status.PLANNED, 0)] * (12 - done))
    assert done >= 1, "the signal came after the first message went: it must have been sent"
    assert done < 12, "SIGTERM must stop the senders after the messages in hand, not after draining the queue"
    assert len(slow_sink.received) == done
    for sender in ("w", "w/2", "w/3"):
        assert f"worker {sender} stopped after".encode() in output, output.decode()
    assert not Touchpoint.objects.exclude(claimed_by="").exists()


@postgres_only
def test_run_worker_senders_send_each_due_email_once_under_their_own_claims(smtp_sink):
    now = timezone.now()
    interview = InterviewFactory()
    rows = [plan_email(interview, due_at=now, step=step, respects_business_hours=False) for step in range(30)]
    process = subprocess.run(
        [
            *MANAGE,
            "run_worker",
            "--once",
            "--no-checks",
            "--batch-size",
            "2",
            "--senders",
            "3",
            "--worker-id",
            "w",
        ],
        cwd=ROOT,
        env=_worker_env(smtp_sink),
        capture_output=True,
        timeout=60,
        check=False,
    )
    output = (process.stdout + process.stderr).decode()

    assert process.returncode == 0, output
    assert set(Touchpoint.objects.values_list("status", "attempts")) == {(Status.DONE, 1)}
    message_ids = [message.header("Message-ID") for message in smtp_sink.received]
    assert len(message_ids) == len(set(message_ids)) == len(rows)
    # Three senders, each logging under its own claim id (rows claimed as "w", "w/2", "w/3").
    for sender in ("w", "w/2", "w/3"):
        assert f"worker {sender} started" in output
    claimed = set(re.findall(r"worker (\S+): claimed=", output))
    assert claimed <= {"w", "w/2", "w/3"} and len(claimed) >= 2, output


@pytest.mark.django_db
def test_run_worker_keeps_one_sender_on_sqlite(interview, clock, smtp_sink, caplog):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL runs the senders asked for")
    plan_email(interview, due_at=clock.now, step=1)
    with caplog.at_level("INFO", logger="candidly.worker"):
        call_command("run_worker", "--once", "--no-checks", "--senders", "3", "--worker-id", "cli")

    assert "one sender instead of 3" in caplog.text
    assert "worker cli/2" not in caplog.text
    assert len(smtp_sink.received) == 1


def test_a_sender_only_sends_and_the_first_keeps_the_housekeeping(interview, clock, smtp_sink, make_worker):
    from candidly.followups.claims import claim_due
    from candidly.followups.models import WorkerHeartbeat

    stuck = plan_email(interview, due_at=clock.now, step=1)
    claim_due(now=clock.now, worker_id="crashed", batch_size=10, lease=timedelta(seconds=60))
    clock.advance(timedelta(seconds=61))
    due = plan_email(interview, due_at=clock.now, step=2)
    main = make_worker("w", checks_every_seconds=0, heartbeat_every_seconds=0)
    sender = main.sender(2)

    report = sender.run_batch()

    # It sent what was due, under its own claim id, with the first one's settings…
    assert (sender.worker_id, sender.batch_size, sender.lease) == ("w/2", main.batch_size, main.lease)
    assert (report.claimed, Touchpoint.objects.get(pk=due.pk).status) == (1, Status.DONE)
    assert len(smtp_sink.received) == 1
    # …and nothing else: no heartbeat, the expired claim left to the reaper, no periodic check.
    assert not WorkerHeartbeat.objects.exists()
    assert Touchpoint.objects.get(pk=stuck.pk).claimed_by == "crashed"
    assert not report.checks and not report.reaped.total

    report = main.run_batch()

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w"]
    assert report.reaped.retried == 1 and report.checks
