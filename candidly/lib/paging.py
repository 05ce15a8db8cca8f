"""Pages of a list without counting it and without OFFSET: each page starts after (or ends before) a row.

``Paginator`` runs ``SELECT COUNT(*)`` over the whole filtered list on every page view, and ``OFFSET n``
reads and throws away n rows: at a million rows either costs more than the page. A ``Window`` says "more"
instead of "page 3 of 40,000", and its links carry a cursor (keyset paging): the ordering values of the last
row shown (``?after=``) or of the first (``?before=``), so page 400 costs what page 1 costs when an index
matches the ordering.

A list is one ordered queryset, or several shown one after the other (``window_of_parts``: the viewer's
tasks, then everyone else's), each part ordered the same way and ending with a unique field (``pk``).
Old ``?page=N`` links still work (OFFSET, capped at ``MAX_PAGE``); the links a page shows are cursors. A
cursor that does not decode (edited, truncated) shows the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, OrderBy, Q, QuerySet

# Far enough for any person paging by hand with an old ``?page=`` link; beyond it OFFSET scans too much.
MAX_PAGE = 1000
# Cursor values are the ordering columns' values: bound them as the database's bigint and text are.
_MAX_INT = 2**63 - 1
_MAX_CURSOR = 2000
_KEY = "page_key_{}"


@dataclass(frozen=True)
class Window:
    """One page of rows: ``object_list``, whether pages come before and after it, and the cursors of the
    links to them (template-friendly; ``number`` is shown as "Page n")."""

    object_list: list[Any]
    number: int
    has_more: bool
    has_before: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.has_more

    def has_previous(self) -> bool:
        return self.has_before or self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


def page_number(raw: Any) -> int:
    """``?page=`` as a number from 1 to ``MAX_PAGE``; anything else is page 1."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class _Cursor:
    part: int
    keys: list[Any]
    number: int


class _Encoder(DjangoJSONEncoder):
    """Django's JSON, but times to the microsecond: Django's cuts them to milliseconds, and a cursor a
    fraction of a millisecond early would show rows of the previous page again."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _encode(part: int, keys: Sequence[Any], number: int) -> str:
    raw = json.dumps({"p": part, "k": list(keys), "n": number}, cls=_Encoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_after(keys: Sequence[Any], *, number: int) -> str:
    """The ``?after=`` value of page ``number`` of a one-part list, which starts after the row whose ordering
    values are ``keys`` (the bench's deep pages; pages make their own links)."""
    return _encode(0, keys, number)


def _plain(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_MAX_INT <= value <= _MAX_INT
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    return isinstance(value, str) and "\x00" not in value


def _decode(raw: str | None, *, parts: int, width: int) -> _Cursor | None:
    """The cursor in ``raw``, or None when it is missing or not one this list made."""
    if not raw or len(raw) > _MAX_CURSOR:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    part, keys, number = data.get("p"), data.get("k"), data.get("n")
    if not (isinstance(part, int) and 0 <= part < parts and isinstance(number, int) and 1 <= number <= 10**9):
        return None
    if not (isinstance(keys, list) and len(keys) == width and all(_plain(key) for key in keys)):
        return None
    return _Cursor(part=part, keys=keys, number=number)


def _ordering(rows: QuerySet[Any]) -> list[tuple[Any, bool]]:
    """``rows``' ordering as (expression, descending) pairs; it must end with the primary key."""
    terms: list[tuple[Any, bool]] = []
    for term in rows.query.order_by:
        if isinstance(term, OrderBy):
            terms.append((term.expression, term.descending))
        elif isinstance(term, str) and term not in ("?", "-?"):
            name = term.lstrip("-")
            terms.append((F("pk" if name == "id" else name), term.startswith("-")))
        else:
            raise ValueError(f"Cannot page by {term!r}: order by fields or expressions.")
    if not terms or not (isinstance(terms[-1][0], F) and terms[-1][0].name == "pk"):
        raise ValueError("Keyset paging needs an ordering that ends with the primary key.")
    return terms


class _Part:
    """One ordered queryset of the list, with its ordering values annotated on each row."""

    def __init__(self, rows: QuerySet[Any]) -> None:
        self.terms = _ordering(rows)
        self.names = [_KEY.format(i) for i in range(len(self.terms))]
        self.rows = rows.annotate(
            **{name: expr for name, (expr, _) in zip(self.names, self.terms, strict=True)}
        )

    def keys(self, row: Any) -> list[Any]:
        return [getattr(row, name) for name in self.names]

    def forward(self) -> QuerySet[Any]:
        return self.rows.order_by(*self._order(reverse=False))

    def backward(self) -> QuerySet[Any]:
        return self.rows.order_by(*self._order(reverse=True))

    def _order(self, *, reverse: bool) -> list[OrderBy]:
        return [
            F(name).desc() if descending != reverse else F(name).asc()
            for name, (_, descending) in zip(self.names, self.terms, strict=True)
        ]

    def beyond(self, keys: Sequence[Any], *, reverse: bool) -> Q:
        """Rows strictly after ``keys`` in this ordering (before them when ``reverse``): the usual OR of
        "equal on the first i columns, past on the next", plus a plain bound on the first column so an
        index on the ordering starts at the cursor instead of filtering from the top."""
        condition = Q()
        equal = Q()
        for name, (_, descending), key in zip(self.names, self.terms, keys, strict=True):
            later = "lt" if descending != reverse else "gt"
            condition |= equal & Q(**{f"{name}__{later}": key})
            equal &= Q(**{name: key})
        first, (_, descending) = self.names[0], self.terms[0]
        return Q(**{f"{first}__{'lte' if descending != reverse else 'gte'}": keys[0]}) & condition


def window(rows: QuerySet[Any], params: Mapping[str, Any], *, size: int) -> Window:
    """The page of ``rows`` (ordered, ending with ``pk``) that ``params`` (``request.GET``) asks for:
    ``?after=`` / ``?before=`` a cursor, an old ``?page=N``, or the first page. One query of ``size + 1``."""
    return window_of_parts([rows], params, size=size)


def window_of_parts(parts: Sequence[QuerySet[Any]], params: Mapping[str, Any], *, size: int) -> Window:
    """A page of the list made of ``parts`` shown one after the other (each ordered the same way, ending
    with ``pk``). One query per part, whatever the page: each reads at most ``size + 1`` rows."""
    shaped = [_Part(rows) for rows in parts]
    width = len(shaped[0].names)
    try:
        before = _decode(params.get("before"), parts=len(shaped), width=width)
        after = None if before else _decode(params.get("after"), parts=len(shaped), width=width)
        if before is not None:
            return _backward(shaped, before, size=size)
        if after is not None:
            return _forward(shaped, after, size=size)
    except (ValidationError, FieldError, ValueError, TypeError, OverflowError):
        pass  # a cursor whose values do not fit the ordering's columns: show the first page
    number = page_number(params.get("page")) if "page" in params else 1
    return _by_offset(shaped, number, size=size)


def _page(
    shaped: list[_Part], found: list[tuple[int, Any]], *, number: int, has_more: bool, has_before: bool
) -> Window:
    def cursor(at: tuple[int, Any], page: int) -> str:
        return _encode(at[0], shaped[at[0]].keys(at[1]), page)

    return Window(
        object_list=[row for _, row in found],
        number=number,
        has_more=has_more,
        has_before=has_before,
        next_cursor=cursor(found[-1], number + 1) if found and has_more else "",
        previous_cursor=cursor(found[0], max(number - 1, 1)) if found and has_before else "",
    )


def _forward(shaped: list[_Part], cursor: _Cursor, *, size: int) -> Window:
    found: list[tuple[int, Any]] = []
    for index, part in enumerate(shaped):
        if index < cursor.part:
            continue
        rows = part.forward()
        if index == cursor.part:
            rows = rows.filter(part.beyond(cursor.keys, reverse=False))
        # Every part is read even when the page is full: the same queries on every page.
        found += [(index, row) for row in rows[: size + 1]]
    return _page(shaped, found[:size], number=cursor.number, has_more=len(found) > size, has_before=True)


def _backward(shaped: list[_Part], cursor: _Cursor, *, size: int) -> Window:
    found: list[tuple[int, Any]] = []
    for index in reversed(range(len(shaped))):
        if index > cursor.part:
            continue
        part = shaped[index]
        rows = part.backward()
        if index == cursor.part:
            rows = rows.filter(part.beyond(cursor.keys, reverse=True))
        found += [(index, row) for row in rows[: size + 1]]
    earlier = len(found) > size
    shown = list(reversed(found[:size]))
    number = cursor.number if earlier else 1
    return _page(shaped, shown, number=number, has_more=True, has_before=earlier)


def _by_offset(shaped: list[_Part], number: int, *, size: int) -> Window:
    """Page ``number`` by OFFSET (page 1, and old ``?page=`` links); the page's own links are cursors. A list
    of several parts cannot skip rows without counting each part: an old link to its page 2+ shows page 1."""
    if len(shaped) > 1:
        number = 1
    start = (number - 1) * size
    first = shaped[0].forward()
    if start:
        # The rows to skip are found by their keys alone (a subquery of ids); the page's own columns and
        # annotations (a correlated count per row, say) are computed for the page only, not for the 1,950
        # rows OFFSET reads and throws away before page 40.
        first = first.filter(pk__in=first.values("pk")[start : start + size + 1])
    found = [(0, row) for row in first[: size + 1]]
    for index, part in enumerate(shaped[1:], start=1):
        found += [(index, row) for row in part.forward()[: size + 1]]
    return _page(shaped, found[:size], number=number, has_more=len(found) > size, has_before=number > 1)
