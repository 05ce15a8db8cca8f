"""``Idempotency-Key`` on POST: the first response is stored per API key and replayed for a repeat.

A repeat with another body gets 422; one that arrives while the first is still running gets 409. Wraps
the API's views (``api.urls``) so the stored response is exactly what the client got, headers included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from candidly.accounts import api_keys, api_limits
from candidly.api.problems import problem_response

KEPT_HEADERS = ("Content-Type", "ETag", "Location")
MAX_KEY = 200


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = request.headers.get("Idempotency-Key")
        if request.method != "POST" or name is None:
            return view(request, *args, **kwargs)
        if not name or len(name) > MAX_KEY or not name.isprintable():
            return problem_response(
                422,
                "Idempotency-Key must be 1 to 200 printable characters.",
                errors=[{"field": "Idempotency-Key", "message": "1 to 200 printable characters."}],
            )
        authorization = request.headers.get("Authorization", "")
        now = timezone.now()
        key = api_keys.authenticate(authorization.removeprefix("Bearer ").strip(), now=now)
        if key is None:
            return view(request, *args, **kwargs)  # the view answers 401
        fingerprint = api_limits.fingerprint(
            method=request.method, path=request.get_full_path(), body=request.body
        )
        state, record = api_limits.claim_idempotency_key(
            key, idempotency_key=name, fingerprint=fingerprint, now=now
        )
        if state == "mismatch":
            return problem_response(
                422,
                "This Idempotency-Key was used for another request.",
                errors=[{"field": "Idempotency-Key", "message": "Already used for another request."}],
            )
        if state == "busy":
            return problem_response(409, "A request with this Idempotency-Key is still being processed.")
        if state == "replay":
            replay = HttpResponse(record.body, status=record.status)
            for header, value in record.headers.items():
                replay[header] = value
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            api_limits.forget(record)
            raise
        if response.status_code in (401, 403, 429):
            api_limits.forget(record)  # not processed: the same key may be used again
        else:
            api_limits.store_response(
                record,
                status=response.status_code,
                body=response.content.decode(),
                headers={h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
            )
        return response

    return wrapper
