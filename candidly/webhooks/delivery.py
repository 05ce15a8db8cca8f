"""Sending webhook deliveries: claim under a lease, sign (Standard Webhooks), POST, record, back off.

The same crash-safe shape as the touchpoint queue (``followups.claims``): a claim moves ``planned`` rows to
``in_progress`` atomically (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; elsewhere a conditional ``UPDATE`` per
row), every outcome is written only while this worker still holds the claim, and a row whose worker died
goes back to ``planned`` when its lease ends and is sent again *with the same* ``webhook-id`` (webhooks
are at-least-once; receivers drop a repeated id, as the specification says).

A failure (no answer, or not 2xx) is retried with exponential back-off. An endpoint that has failed for a
day (``DISABLE_AFTER``) is disabled, its waiting deliveries fail, and an admin gets a task.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from standardwebhooks.webhooks import Webhook

from candidly.lib.db import lease_claim_sql
from candidly.webhooks.endpoints import disable_endpoint
from candidly.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from candidly.webhooks.payloads import build_payload

Status = WebhookDelivery.Status
TIMEOUT_SECONDS = 10
FIRST_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(hours=1)
DISABLE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Post = Callable[[str, bytes, dict[str, str]], HttpResult]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is the receiver's answer, recorded as a failure; never followed


_OPENER = urllib.request.build_opener(_NoRedirects)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    """POST ``body``; only the status code is kept, never the response body (it may hold personal data)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return HttpResult(response.status)
    except urllib.error.HTTPError as exc:
        return HttpResult(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HttpResult(None, f"{type(exc).__name__}: {reason}"[:300])


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … doubling after each failed attempt, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), MAX_RETRY)


# --- claiming ---------------------------------------------------------------------------------------------

_TABLE = WebhookDelivery._meta.db_table
_CLAIM_SQL = lease_claim_sql(_TABLE)


def claim_due(*, now: datetime, worker_id: str, batch_size: int, lease: timedelta) -> list[WebhookDelivery]:
    """Claim up to ``batch_size`` due deliveries for ``worker_id``; another worker never gets the same."""
    if connection.vendor == "postgresql":
        params: list[Any] = [Status.IN_PROGRESS, worker_id, now + lease, now, Status.PLANNED, now, batch_size]
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [*params, Status.PLANNED])
            ids = [row[0] for row in cursor.fetchall()]
    else:
        due = WebhookDelivery.objects.filter(status=Status.PLANNED, due_at__lte=now).order_by("due_at")
        found = list(due.values_list("pk", flat=True)[:batch_size])
        ids = []
        # One read when nothing is due (every pass of every worker): the savepoint only when there is work.
        with transaction.atomic() if found else nullcontext():
            for pk in found:
                won = WebhookDelivery.objects.filter(pk=pk, status=Status.PLANNED, due_at__lte=now).update(
                    status=Status.IN_PROGRESS,
                    claimed_by=worker_id,
                    lease_expires_at=now + lease,
                    attempts=F("attempts") + 1,
                    updated_at=now,
                )
                if won:
                    ids.append(pk)
    if not ids:
        return []
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("endpoint", "event__interview", "event__submission")
        .order_by("due_at", "pk")
    )


def reap_expired(*, now: datetime) -> int:
    """Deliveries whose worker died mid-send go back to the queue (same ``webhook-id``): at once."""
    return WebhookDelivery.objects.filter(status=Status.IN_PROGRESS, lease_expires_at__lt=now).update(
        status=Status.PLANNED,
        claimed_by="",
        lease_expires_at=None,
        due_at=now,
        last_error="The worker stopped while sending (lease expired); sending again.",
        updated_at=now,
    )


def _ours(delivery: WebhookDelivery, worker_id: str) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.IN_PROGRESS, claimed_by=worker_id)


# --- sending ----------------------------------------------------------------------------------------------


def signed_request(delivery: WebhookDelivery, *, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers for ``delivery`` sent at ``now``."""
    body = json.dumps(build_payload(delivery.event, event_type=delivery.event_type), separators=(",", ":"))
    signature = Webhook(delivery.endpoint.secret).sign(delivery.message_id, now, body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Candidly-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def send(
    delivery: WebhookDelivery,
    *,
    now: datetime,
    worker_id: str,
    post: Post = http_post,
    clock: Callable[[], datetime],
) -> str:
    """Send one claimed delivery and record the outcome: ``delivered``, ``retry``, ``failed`` or ``lost``
    (the claim was lost: nothing recorded)."""
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        changed = _ours(delivery, worker_id).update(
            status=Status.FAILED,
            last_error="The endpoint is disabled.",
            lease_expires_at=None,
            updated_at=now,
        )
        return "failed" if changed else "lost"
    body, headers = signed_request(delivery, now=now)
    started = time.monotonic()
    result = post(endpoint.url, body, headers)
    duration = int((time.monotonic() - started) * 1000)
    now = clock()
    with transaction.atomic():
        if result.ok:
            changed = _ours(delivery, worker_id).update(
                status=Status.DELIVERED,
                delivered_at=now,
                last_status_code=result.status_code,
                last_error="",
                lease_expires_at=None,
                updated_at=now,
            )
        else:
            changed = _ours(delivery, worker_id).update(
                status=Status.PLANNED,
                due_at=now + retry_delay(delivery.attempts),
                last_status_code=result.status_code,
                last_error=(result.error or f"HTTP {result.status_code}")[:300],
                claimed_by="",
                lease_expires_at=None,
                updated_at=now,
            )
        if not changed:
            return "lost"
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=result.status_code,
            error=("" if result.ok else (result.error or f"HTTP {result.status_code}"))[:300],
            duration_ms=duration,
        )
        if result.ok:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None, updated_at=now
            )
            return "delivered"
        return _after_failure(endpoint, now=now)


def _after_failure(endpoint: WebhookEndpoint, *, now: datetime) -> str:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now, updated_at=now
    )
    since = WebhookEndpoint.objects.values_list("failing_since", flat=True).get(pk=endpoint.pk)
    if since is not None and now - since >= DISABLE_AFTER:
        disable_endpoint(endpoint, now=now, reason="Every delivery failed for a day.", actor=None)
        return "failed"
    return "retry"


def deliver_due(
    *,
    now: datetime,
    worker_id: str,
    batch_size: int,
    lease: timedelta,
    clock: Callable[[], datetime],
    post: Post = http_post,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """One pass of the worker: claim due deliveries and send them. Returns how many were claimed."""
    batch = claim_due(now=now, worker_id=worker_id, batch_size=batch_size, lease=lease)
    for index, delivery in enumerate(batch):
        if should_stop():
            WebhookDelivery.objects.filter(
                pk__in=[item.pk for item in batch[index:]], status=Status.IN_PROGRESS, claimed_by=worker_id
            ).update(
                status=Status.PLANNED,
                claimed_by="",
                lease_expires_at=None,
                attempts=F("attempts") - 1,
                updated_at=clock(),
            )
            break
        send(delivery, now=clock(), worker_id=worker_id, post=post, clock=clock)
    return len(batch)
