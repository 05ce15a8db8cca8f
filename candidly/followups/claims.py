"""Claiming due touchpoints under a lease, and reaping leases whose worker died.

A claim moves rows from ``planned`` to ``in_progress`` atomically, so two workers never hold the same row:

- PostgreSQL: one statement, ``UPDATE … WHERE id = ANY(ARRAY(SELECT … FOR UPDATE SKIP LOCKED LIMIT n))``.
  Rows another worker is claiming right now are skipped instead of waited for.
- Elsewhere (SQLite): read candidate ids, then a conditional ``UPDATE … WHERE id = ? AND status = 'planned'``
  per id; a row counts as ours only if the update changed it.

``now`` always comes from the caller (Python's clock), never from the database, so tests can move time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from candidly.followups import queries
from candidly.followups.models import Touchpoint
from candidly.followups.services import Owner, mark_ambiguous, mark_failed
from candidly.lib.db import lease_claim_sql

Status = Touchpoint.Status

_TABLE = Touchpoint._meta.db_table
_CLAIM_SQL = lease_claim_sql(_TABLE)


def claim_due(*, now: datetime, worker_id: str, batch_size: int, lease: timedelta) -> list[Touchpoint]:
    """Claim up to ``batch_size`` planned touchpoints due at ``now``, oldest first, for ``worker_id``.

    Each claimed row becomes ``in_progress`` with ``claimed_by=worker_id``, ``lease_expires_at=now+lease``
    and one more attempt. Returns only rows this call won, loaded with what performing them needs
    (:data:`queries.PERFORM_RELATED`). Another worker's concurrent claim never returns the same row.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL,
                [
                    Status.IN_PROGRESS,
                    worker_id,
                    now + lease,
                    now,
                    Status.PLANNED,
                    now,
                    batch_size,
                    Status.PLANNED,
                ],
            )
            ids = [row[0] for row in cursor.fetchall()]
    else:
        candidates = list(queries.due_touchpoints(now).values_list("pk", flat=True)[:batch_size])
        ids = claim_touchpoints(candidates, now=now, worker_id=worker_id, lease=lease)
    return queries.touchpoints_to_perform(ids)


def claim_touchpoints(ids: list[int], *, now: datetime, worker_id: str, lease: timedelta) -> list[int]:
    """Claim the given rows if they are still planned and due; return the ids this call won.

    The conditional ``UPDATE`` re-checks status and due time, so ids read a moment ago by a worker that then
    lost the race (another claimed, or a retry moved the row into the future) are simply not won.
    """
    won: list[int] = []
    with transaction.atomic():
        for pk in ids:
            changed = Touchpoint.objects.filter(pk=pk, status=Status.PLANNED, due_at__lte=now).update(
                status=Status.IN_PROGRESS,
                claimed_by=worker_id,
                lease_expires_at=now + lease,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
            if changed == 1:
                won.append(pk)
    return won


def release_claims(ids: list[int], *, now: datetime, worker_id: str) -> int:
    """Give back claimed rows this worker has not started (no hand-off), so they run at once elsewhere.

    The attempt the claim counted is taken back: nothing was tried. Returns how many rows were released.
    """
    if not ids:
        return 0
    return Touchpoint.objects.filter(
        pk__in=ids, status=Status.IN_PROGRESS, claimed_by=worker_id, handoff_at__isnull=True
    ).update(
        status=Status.PLANNED,
        claimed_by="",
        lease_expires_at=None,
        attempts=F("attempts") - 1,
        updated_at=now,
    )


@dataclass(frozen=True)
class ReapCounts:
    retried: int = 0
    ambiguous: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.retried + self.ambiguous + self.failed


def reap_expired_leases(*, now: datetime, max_attempts: int | None = None) -> ReapCounts:
    """Recover rows left ``in_progress`` past their lease (their worker crashed, was killed or hung).

    - No hand-off recorded: nothing can have been sent, so the row is ``planned`` again and runs at once
      (or ``failed`` with a Task, once it has used up ``max_attempts`` claims: a row that kills its
      worker every time must not loop for ever).
    - Hand-off recorded: the provider may have the message, so the row becomes ``ambiguous`` with a Task
      "Check whether this message was sent" and an Event. It is never re-sent automatically.

    Safe to run from several workers at once: every change re-checks that the lease is still expired.
    """
    limit = max_attempts or settings.CANDIDLY_WORKER_MAX_ATTEMPTS
    owner = Owner(lease_expired_before=now)
    expired = queries.expired_leases(now)
    # One cheap indexed read when nothing expired, the usual case (every worker runs this every few seconds).
    found = list(expired.values_list("pk", "handoff_at", "attempts"))
    if not found:
        return ReapCounts()
    retry_ids = {pk for pk, handoff_at, attempts in found if handoff_at is None and attempts < limit}
    retried = 0
    if retry_ids:
        retried = expired.filter(pk__in=retry_ids, handoff_at__isnull=True).update(
            status=Status.PLANNED,
            claimed_by="",
            lease_expires_at=None,
            last_error="The worker stopped before sending (lease expired); retried.",
            updated_at=now,
        )
    # The rare cases one by one: each gets a Task and an Event.
    failed = ambiguous = 0
    for touchpoint in queries.touchpoints_to_perform([pk for pk, *_ in found if pk not in retry_ids]):
        if touchpoint.handoff_at is None:
            error = "The worker stopped before sending, too many times."
            failed += mark_failed(touchpoint, now=now, owner=owner, error=error)
        else:
            ambiguous += mark_ambiguous(touchpoint, now=now, owner=owner)
    return ReapCounts(retried=retried, ambiguous=ambiguous, failed=failed)
