"""The API's conventions: key authentication with scopes and a rate limit, cursor pagination, ETags."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from pydantic import BaseModel

from candidly.accounts import api_keys, api_limits
from candidly.accounts.models import ApiKey, User
from candidly.api.problems import ApiProblem

MAX_PAGE = 100
DEFAULT_PAGE = 50
M = TypeVar("M", bound=Model)


class KeyAuth(HttpBearer):
    """``Authorization: Bearer cand_…``: an active key with ``scope``, within its rate limit."""

    openapi_scheme = "bearer"

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        now = timezone.now()
        key = api_keys.authenticate(token, now=now)
        if key is None:
            return None  # ninja answers 401
        decision = api_limits.count_request(key, now=now, limit=settings.CANDIDLY_API_RATE_LIMIT)
        if not decision.allowed:
            raise ApiProblem(
                429,
                f"This key made more than {decision.limit} requests this minute; try again shortly.",
                headers={"Retry-After": str(decision.retry_after)},
            )
        if self.scope not in key.scope_set:
            raise ApiProblem(403, f"This key does not have the “{self.scope}” scope.")
        return key


READ = KeyAuth(ApiKey.Scope.READ)
WRITE = KeyAuth(ApiKey.Scope.WRITE)


def actor(request: HttpRequest) -> User:
    """The user the request's key acts as: every write is theirs on the timeline."""
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key.user


# --- cursor pagination (keyset on id) ---------------------------------------------------------------------


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        kind, _, value = raw.partition(":")
        number = int(value)
        if kind != "id" or number < 0:
            raise ValueError(cursor)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422,
            "The cursor is not one this API gave.",
            errors=[{"field": "cursor", "message": "Invalid cursor."}],
        ) from None
    return number


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"id:{pk}".encode()).decode().rstrip("=")


def paginate(
    rows: QuerySet[M], *, cursor: str | None, limit: int, descending: bool = False
) -> tuple[list[M], str | None]:
    """One page of ``rows`` after ``cursor``, by id (newest first with ``descending``), and the next
    cursor."""
    limit = max(1, min(limit, MAX_PAGE))
    if cursor:
        after = _decode_cursor(cursor)
        rows = rows.filter(pk__lt=after) if descending else rows.filter(pk__gt=after)
    page = list(rows.order_by("-pk" if descending else "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (_encode_cursor(page[-1].pk) if more and page else None)


# --- ETags --------------------------------------------------------------------------------------------


def etag_of(data: BaseModel) -> str:
    digest = hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(request: HttpRequest, current: BaseModel) -> None:
    """412 when ``If-Match`` names another version than ``current`` (absent: the update goes ahead)."""
    header = request.headers.get("If-Match")
    if not header:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in wanted and etag_of(current) not in wanted:
        raise ApiProblem(
            412, "The resource changed since you read it: fetch it again and re-apply your change."
        )


def only_set(payload: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body actually sent."""
    return payload.model_dump(exclude_unset=True)


def by_id(model: type[M], pk: int, *, rows: QuerySet[M] | None = None) -> M:
    found = (rows if rows is not None else model._default_manager.all()).filter(pk=pk).first()
    if found is None:
        raise ApiProblem(404, f"No {model._meta.verbose_name} with id {pk}.")
    return found


def referenced(model: type[M], pk: int | None, field: str) -> M | None:
    """The row a body's ``<field>`` points at; 422 on that field when there is none."""
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ApiProblem(
            422,
            f"No {model._meta.verbose_name} with id {pk}.",
            errors=[{"field": field, "message": f"No {model._meta.verbose_name} with id {pk}."}],
        )
    return found


def check_fields(model: type[Model], values: dict[str, Any], names: Iterable[str] | None = None) -> None:
    """Run the model fields' own validators (lengths, URLs, time zones, E.164) on ``values``; 422 with
    every field's message when any fails, before a service is called."""
    from django.core.exceptions import ValidationError

    errors = []
    for name in names if names is not None else values:
        if name not in values:
            continue
        field = model._meta.get_field(name)
        value = values[name]
        if value in (None, "") and (getattr(field, "blank", False) or getattr(field, "null", False)):
            continue
        try:
            field.clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors += [{"field": name, "message": message} for message in exc.messages]
    if errors:
        raise ApiProblem(422, "Some fields are not valid.", errors=errors)


Serializer = Callable[[Any], BaseModel]
