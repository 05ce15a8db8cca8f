"""The queue's figures for ``/metrics``, read from the database at scrape time (nothing is kept in memory, so
every web process and every scrape agree).

Four queries per scrape: the two of ``health.delivery_health``, one ``GROUP BY status, channel`` over the
touchpoints (a scan: scrape every 30 s or slower on a large table) and the recent heartbeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import Count
from prometheus_client import Metric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from candidly.followups import health
from candidly.followups.models import Touchpoint

# Workers seen within this window get a per-worker heartbeat age (every restart makes a new worker id).
LISTED_WORKERS_WINDOW = timedelta(minutes=10)
MESSAGE_CHANNELS = (Touchpoint.Channel.EMAIL, Touchpoint.Channel.SMS)


class QueueCollector(Collector):
    """Touchpoints by status, the oldest due age, messages sent and failed by channel, worker heartbeats.

    When the database cannot be read only ``candidly_database_up 0`` is exported (and the scrape still
    answers, so the alert can fire).
    """

    def __init__(self, *, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        now = self.now
        up = GaugeMetricFamily("candidly_database_up", "1 when the database answered this scrape, else 0.")
        try:
            state = health.delivery_health(now=now)
            counts = {
                (row["status"], row["channel"]): row["n"]
                for row in Touchpoint.objects.order_by().values("status", "channel").annotate(n=Count("pk"))
            }
            beats = health.worker_heartbeats(seen_since=now - LISTED_WORKERS_WINDOW)
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        by_status = GaugeMetricFamily(
            "candidly_touchpoints", "Touchpoints (the queue) by status.", labels=["status"]
        )
        for status in Touchpoint.Status:
            by_status.add_metric([status.value], sum(n for (s, _), n in counts.items() if s == status.value))
        yield by_status

        oldest = state.oldest_due_age
        yield GaugeMetricFamily(
            "candidly_oldest_due_age_seconds",
            "How late the oldest planned touchpoint due now is (0 when none is due).",
            value=oldest.total_seconds() if oldest is not None else 0.0,
        )

        sent = CounterMetricFamily(
            "candidly_messages_sent", "Messages sent (touchpoints done), by channel.", labels=["channel"]
        )
        failed = CounterMetricFamily(
            "candidly_messages_failed",
            "Messages given up on (touchpoints failed), by channel.",
            labels=["channel"],
        )
        for channel in MESSAGE_CHANNELS:
            sent.add_metric([channel.value], counts.get((Touchpoint.Status.DONE.value, channel.value), 0))
            failed.add_metric([channel.value], counts.get((Touchpoint.Status.FAILED.value, channel.value), 0))
        yield sent
        yield failed

        alive = GaugeMetricFamily(
            "candidly_workers_alive", "Workers whose heartbeat is at most 2 minutes old."
        )
        alive.add_metric(
            [], sum(1 for beat in beats if now - beat.last_seen_at <= health.HEARTBEAT_STALE_AFTER)
        )
        yield alive
        per_worker = GaugeMetricFamily(
            "candidly_worker_heartbeat_age_seconds",
            "Seconds since each worker seen in the last 10 minutes wrote its heartbeat.",
            labels=["worker"],
        )
        for beat in beats:
            per_worker.add_metric([beat.worker_id], max((now - beat.last_seen_at).total_seconds(), 0.0))
        yield per_worker
        if state.heartbeat_age is not None:
            yield GaugeMetricFamily(
                "candidly_last_heartbeat_age_seconds",
                "Seconds since any worker last wrote its heartbeat (absent when none ever did).",
                value=state.heartbeat_age.total_seconds(),
            )
