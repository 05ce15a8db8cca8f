"""Text that people type: one-line values (names go into email headers) and search terms."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# CR and LF, and what Python's str.splitlines() also splits on (vertical tab, form feed, file/group/record
# separators, NEL, Unicode line and paragraph separators).
LINE_BREAK_RE = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
SINGLE_LINE = "Use a single line: no line breaks."


def validate_single_line(value: str) -> None:
    """Refuse a value with a line break: a name ends up in email headers and one-line summaries."""
    if LINE_BREAK_RE.search(value or ""):
        raise ValidationError(SINGLE_LINE, code="line_break")


# Longer than anything worth searching for; SQLite refuses a LIKE pattern over 50,000 bytes (a 500 before).
SEARCH_MAX_LENGTH = 200


def search_terms(raw: str | None) -> str:
    """What a search box's ``q`` means: trimmed, without NUL bytes (PostgreSQL refuses them in text), and
    at most :data:`SEARCH_MAX_LENGTH` characters."""
    return (raw or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH].strip()
