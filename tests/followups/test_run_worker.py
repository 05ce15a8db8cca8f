from __future__ import annotations

import asyncio
import os
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


@postgres_only
def test_run_worker_process_exits_zero_on_sigterm_with_its_item_done(slow_sink):
    now = timezone.now()
    interview = InterviewFactory()
    for step in range(10):
        plan_email(interview, due_at=now, step=step, respects_business_hours=False)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{slow_sink.port}",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--batch-size", "5", "--poll-seconds", "0.1"],
        cwd=ROOT,
        env=env,
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
    statuses = list(Touchpoint.objects.values_list("status", flat=True))
    done = statuses.count(Status.DONE)
    assert statuses == [Status.DONE] * done + [Status.PLANNED] * (10 - done)
    assert done >= 1, "the item in progress when SIGTERM came was finished"
    assert done < 10, "the process stopped instead of draining the queue"
    assert len(slow_sink.received) == done
    assert b"stopped after" in output
