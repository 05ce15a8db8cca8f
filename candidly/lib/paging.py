"""Pages of a list without counting it: read one row more than the page shows to know there is a next page.

``Paginator`` runs ``SELECT COUNT(*)`` over the whole filtered list on every page view; at a million rows
that count alone costs more than the page. A ``Window`` says "more" instead of "page 3 of 40,000".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Far enough for any person paging by hand; an OFFSET beyond it would scan that many rows for one page.
MAX_PAGE = 1000


@dataclass(frozen=True)
class Window:
    """One page of rows: ``object_list`` and whether pages come before and after it (template-friendly)."""

    object_list: list[Any]
    number: int
    has_more: bool

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.has_more

    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_more or self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(raw: Any) -> int:
    """``?page=`` as a number from 1 to ``MAX_PAGE``; anything else is page 1."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def window(rows: Any, raw_page: Any, *, size: int) -> Window:
    """Page ``raw_page`` of ``rows`` (a queryset is sliced: one query of ``size + 1`` rows, no COUNT)."""
    number = page_number(raw_page)
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])
    return Window(object_list=found[:size], number=number, has_more=len(found) > size)
