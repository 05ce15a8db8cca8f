"""What each operation may answer, for the OpenAPI document (errors are problem details)."""

from __future__ import annotations

from typing import Any

from candidly.api.problems import Problem

ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    412: Problem,
    422: Problem,
    429: Problem,
}


def one(schema: Any) -> dict[int, Any]:
    return {200: schema, **ERRORS}


def listed(schema: Any) -> dict[int, Any]:
    return {200: schema, **ERRORS}


def created(schema: Any) -> dict[int, Any]:
    return {201: schema, **ERRORS}
