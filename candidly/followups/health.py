"""Are messages going out? Worker heartbeats and the age of the oldest due touchpoint.

One owner for the question the recruiter pages' banner, ``/healthz`` and ``/metrics`` all ask. Workers write
their heartbeat here (:func:`record_heartbeat`); readers call :func:`delivery_health`, which costs two
indexed queries whatever the size of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from candidly.followups.models import WorkerHeartbeat
from candidly.followups.queries import due_touchpoints

# No heartbeat for this long: no worker is running (a worker beats every few seconds, even when idle).
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)
# A planned touchpoint due longer ago than this: the workers are not keeping up (or not sending).
DUE_LATE_AFTER = timedelta(minutes=5)
# Rows of workers gone for this long are deleted: every restart makes a new worker id.
HEARTBEAT_KEPT_FOR = timedelta(days=7)


@dataclass(frozen=True)
class DeliveryHealth:
    """What the newest heartbeat and the oldest due touchpoint say at ``now``."""

    now: datetime
    last_heartbeat_at: datetime | None
    oldest_due_at: datetime | None

    @property
    def heartbeat_age(self) -> timedelta | None:
        return None if self.last_heartbeat_at is None else max(self.now - self.last_heartbeat_at, timedelta())

    @property
    def oldest_due_age(self) -> timedelta | None:
        return None if self.oldest_due_at is None else max(self.now - self.oldest_due_at, timedelta())

    @property
    def workers_stopped(self) -> bool:
        """No worker has beaten within :data:`HEARTBEAT_STALE_AFTER` (or none ever has)."""
        age = self.heartbeat_age
        return age is None or age > HEARTBEAT_STALE_AFTER

    @property
    def messages_late(self) -> bool:
        """The oldest due touchpoint is more than :data:`DUE_LATE_AFTER` late."""
        age = self.oldest_due_age
        return age is not None and age > DUE_LATE_AFTER

    @property
    def messages_stopped(self) -> bool:
        return self.workers_stopped or self.messages_late

    @property
    def problems(self) -> list[str]:
        """Plain words for each problem, for ``/healthz`` and logs (the banner words its own)."""
        found = []
        if self.workers_stopped:
            found.append("no worker heartbeat for 2 minutes")
        if self.messages_late:
            found.append("the oldest due touchpoint is more than 5 minutes late")
        return found


def delivery_health(*, now: datetime) -> DeliveryHealth:
    """The newest worker heartbeat and the oldest planned touchpoint due at ``now``: two indexed reads.

    Raises the database's error when it cannot be reached; ``/healthz`` turns that into a 503.
    """
    last = WorkerHeartbeat.objects.aggregate(last=Max("last_seen_at"))["last"]
    oldest = due_touchpoints(now).values_list("due_at", flat=True).first()
    return DeliveryHealth(now=now, last_heartbeat_at=last, oldest_due_at=oldest)


def record_heartbeat(*, worker_id: str, started_at: datetime, now: datetime) -> None:
    """Upsert ``worker_id``'s heartbeat at ``now`` and prune workers gone for :data:`HEARTBEAT_KEPT_FOR`.

    One transaction of two statements (an INSERT … ON CONFLICT UPDATE and an indexed DELETE). Raises the
    database's error when it is unreachable; the worker's loop logs it and carries on.
    """
    beat = WorkerHeartbeat(worker_id=worker_id, started_at=started_at, last_seen_at=now)
    with transaction.atomic():
        WorkerHeartbeat.objects.bulk_create(
            [beat], update_conflicts=True, unique_fields=["worker_id"], update_fields=["last_seen_at"]
        )
        WorkerHeartbeat.objects.filter(last_seen_at__lt=now - HEARTBEAT_KEPT_FOR).delete()


def worker_heartbeats(*, seen_since: datetime) -> list[WorkerHeartbeat]:
    """Heartbeats of the workers seen since ``seen_since``, newest first (``/metrics`` lists them)."""
    return list(WorkerHeartbeat.objects.filter(last_seen_at__gte=seen_since).order_by("-last_seen_at"))
