"""CSV that is safe to open in a spreadsheet, for every CSV Candidly writes (reports, list exports).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets (``=HYPERLINK(...)`` can leak data or run commands): such a cell gets a leading ``'``, which
spreadsheets show as text (OWASP's advice for CSV injection). Numbers are written by us, never typed by
someone, so a negative number like ``-3`` is left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def safe_cell(value: Any) -> str:
    """``value`` as text a spreadsheet will not run: a leading ``'`` before a formula-like start."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if isinstance(value, int | float) or _NUMBER.fullmatch(text):
        return text
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` hands back the line, so ``csv.writer`` can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row as one CSV line of safe cells; a generator, so a response can stream it row by row."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
