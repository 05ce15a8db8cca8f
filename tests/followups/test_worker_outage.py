"""The worker rides out a database outage: its connection is killed (as a PostgreSQL restart does), it logs
the outage, reconnects by itself and carries on; nothing is lost and nothing is sent twice."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from candidly.followups.models import Touchpoint, WorkerHeartbeat
from candidly.followups.worker import Worker
from candidly.messaging import delivery
from tests.factories import InterviewFactory
from tests.followups.support import plan_email, postgres_only

Status = Touchpoint.Status


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def terminate_other_backends() -> int:
    """pg_terminate_backend every other session on this test database: what a restart does to the worker."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def done_count() -> int:
    return Touchpoint.objects.filter(status=Status.DONE).count()


def run_in_thread(worker: Worker) -> threading.Thread:
    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def outage_lines(caplog) -> list[str]:
    """The worker's warnings, without the error's detail and with numbers as N."""
    return [
        re.sub(r"\d+(\.\d+)?", "N", record.getMessage().split(" (")[0])
        for record in caplog.records
        if record.name == "candidly.worker" and record.levelno == logging.WARNING
    ]


@postgres_only
def test_worker_whose_connection_is_killed_logs_it_reconnects_and_carries_on(smtp_sink, caplog):
    caplog.set_level(logging.INFO, logger="candidly.worker")
    interview = InterviewFactory()
    now = timezone.now()
    first = [plan_email(interview, due_at=now, step=step, respects_business_hours=False) for step in range(3)]
    worker = Worker(worker_id="survivor", poll_seconds=0.05, heartbeat_every_seconds=0.1)
    thread = run_in_thread(worker)
    try:
        wait_for(lambda: done_count() == 3)
        killed = terminate_other_backends()
        later = [
            plan_email(interview, due_at=timezone.now(), step=step, respects_business_hours=False)
            for step in range(10, 13)
        ]
        wait_for(lambda: done_count() == 6)
    finally:
        worker.request_stop()
        thread.join(timeout=30)

    # The worker's connection, and any idle one an earlier test of this database left behind.
    assert killed >= 1
    assert thread.is_alive() is False
    assert list(Touchpoint.objects.order_by("step").values_list("pk", "status", "attempts")) == [
        (touchpoint.pk, Status.DONE, 1) for touchpoint in [*first, *later]
    ]
    message_ids = sorted(mail.header("Message-ID") for mail in smtp_sink.received)
    assert message_ids == sorted({delivery.message_id_for(tp) for tp in [*first, *later]})
    assert outage_lines(caplog) == [
        "worker survivor: database unavailable",
        "worker survivor: database reachable again after Ns",
    ]
    assert WorkerHeartbeat.objects.get().worker_id == "survivor"


@postgres_only
def test_worker_cut_off_mid_batch_gives_back_the_rows_it_had_not_started(smtp_sink, caplog):
    caplog.set_level(logging.INFO, logger="candidly.worker")
    interview = InterviewFactory()
    now = timezone.now()
    touchpoints = [
        plan_email(interview, due_at=now, step=step, respects_business_hours=False) for step in range(4)
    ]
    cut = threading.Event()

    def deliver_cut_once(touchpoint, *, now, before_handoff):
        # The database drops this worker's connection as it renders its first message (before the hand-off).
        if not cut.is_set():
            cut.set()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return delivery.deliver(touchpoint, now=now, before_handoff=before_handoff)

    worker = Worker(
        worker_id="cut",
        batch_size=10,
        poll_seconds=0.05,
        lease=timedelta(seconds=2),
        reap_every_seconds=0.2,
        deliver=deliver_cut_once,
    )
    thread = run_in_thread(worker)
    try:
        wait_for(lambda: done_count() == 4)
    finally:
        worker.request_stop()
        thread.join(timeout=30)

    # The row in hand waited for its lease (its attempt counted); the three never started were given back
    # at once (their attempt taken back), then claimed and sent like any other.
    assert list(Touchpoint.objects.order_by("step").values_list("pk", "status", "attempts")) == [
        (touchpoints[0].pk, Status.DONE, 2),
        *((touchpoint.pk, Status.DONE, 1) for touchpoint in touchpoints[1:]),
    ]
    assert len({mail.header("Message-ID") for mail in smtp_sink.received}) == 4
    assert outage_lines(caplog) == [
        "worker cut: database unavailable",
        "worker cut: database reachable again after Ns",
    ]
