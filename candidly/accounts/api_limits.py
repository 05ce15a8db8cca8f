"""The API's per-key rate limit and its ``Idempotency-Key`` store, both in the database.

In the database rather than a cache: a per-process cache would give each gunicorn worker the full budget,
and an idempotent replay must be found whichever process answered the first request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from candidly.accounts.models import ApiIdempotentRequest, ApiKey, ApiRateWindow

WINDOW = timedelta(minutes=1)
IDEMPOTENCY_TTL = timedelta(days=1)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def count_request(key: ApiKey, *, now: datetime, limit: int) -> RateDecision:
    """Count one request of ``key`` in the current minute; allowed while the count is within ``limit``."""
    start = _window_start(now)
    rows = ApiRateWindow.objects.filter(key=key, window_start=start)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                ApiRateWindow.objects.create(key=key, window_start=start, count=1)
            # The first request of a minute also clears this key's old minutes.
            ApiRateWindow.objects.filter(key=key, window_start__lt=start).delete()
        except IntegrityError:
            rows.update(count=F("count") + 1)  # another process opened this minute a moment ago
    count = rows.values_list("count", flat=True).first() or 1
    retry_after = max(1, int((start + WINDOW - now).total_seconds()) + 1)
    return RateDecision(count <= limit, limit, max(0, limit - count), retry_after)


def fingerprint(*, method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def claim_idempotency_key(
    key: ApiKey, *, idempotency_key: str, fingerprint: str, now: datetime
) -> tuple[str, ApiIdempotentRequest]:
    """Start a request under ``idempotency_key``. Returns (``"new"`` | ``"replay"`` | ``"busy"`` |
    ``"mismatch"``, the stored row): new → run it and ``store_response``; replay → send the stored one."""
    ApiIdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            record = ApiIdempotentRequest.objects.create(
                key=key, idempotency_key=idempotency_key, fingerprint=fingerprint, created_at=now
            )
        return "new", record
    except IntegrityError:
        record = ApiIdempotentRequest.objects.get(key=key, idempotency_key=idempotency_key)
    if record.fingerprint != fingerprint:
        return "mismatch", record
    return ("busy" if record.status == 0 else "replay"), record


def store_response(record: ApiIdempotentRequest, *, status: int, body: str, headers: dict[str, Any]) -> None:
    """Keep the response of a request made under an idempotency key; a server error is not kept (the
    client may retry it)."""
    if status >= 500:
        record.delete()
        return
    record.status, record.body, record.headers = status, body, headers
    record.save(update_fields=["status", "body", "headers"])


def forget(record: ApiIdempotentRequest) -> None:
    record.delete()
