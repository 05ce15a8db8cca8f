"""Errors as RFC 9457 problem details (``application/problem+json``), with field errors for bad input."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from ninja import Schema

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Invalid request",
    429: "Too many requests",
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raise to answer with a problem: ``status``, a ``detail`` for people, optional field ``errors``."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    """A service's ``ValidationError`` as ``[{field, message}]``; ``__all__`` for errors of no field."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "__all__", "message": message} for message in exc.messages]


def pydantic_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """ninja's request errors (``loc`` like ``["body", "payload", "name"]``) as ``[{field, message}]``."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # Drop where it came from (body/query/path) and ninja's argument name, keep the field path.
        parts = loc[2:] if len(loc) > 2 and loc[0] == "body" else loc[1:]
        found.append(
            {"field": ".".join(parts) or (loc[0] if loc else "body"), "message": str(error.get("msg", ""))}
        )
    return found
