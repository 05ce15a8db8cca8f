"""Reading an uploaded spreadsheet (CSV or XLSX) into a header and rows of text, or saying clearly why not.

Every refusal is a ``TableError`` whose message a person can act on: which columns are missing or unknown,
that the file is not UTF-8 (and how to save it so), that an ``.xlsx`` is not a workbook, that it is empty or
too large, which cells look like spreadsheet formulas. Nothing here knows what the rows mean.

Formulas: a cell starting with ``=``, ``@``, a tab or a carriage return, or with ``+`` / ``-`` and not a
number or phone number, is refused with the file (``=HYPERLINK(...)`` would run when someone opens an export
of it). A cell escaped the way our own CSV exports escape (``'`` before such a character, see
``lib.csvcells``) is read without the ``'``, and is then checked the same way: a phone number ``'+44…``
passes, ``'=HYPERLINK(…)`` does not. So nothing formula-like is ever stored from an import.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl

from candidly.lib.csvcells import FORMULA_START

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# A cell starting with + or - that is only a number or a phone number (digits, spaces, dots, dashes,
# brackets) is data, not a formula.
_PLAIN_SIGNED = re.compile(r"[+-][\d\s().-]*\d[\d\s().-]*")
_SHOWN_FORMULAS = 5


class TableError(Exception):
    """The file cannot be read as a table; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    """The header (normalised: lower case, spaces as underscores) and the data rows, cells stripped.

    ``rows[i]`` is the file's line ``i + 2`` (line 1 is the header): what the preview calls "row".
    """

    header: list[str]
    rows: list[list[str]]


def normalise_header(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_table(data: bytes, filename: str) -> Table:
    """The table in ``data`` (``.csv`` as UTF-8 with or without BOM, or ``.xlsx``); ``TableError`` if not."""
    if len(data) > MAX_BYTES:
        raise TableError(
            f"The file is too large ({len(data) / 1024 / 1024:.1f} MB): the limit is "
            f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    if not data.strip():
        raise TableError("The file is empty.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw = _read_csv(data)
    else:
        raise TableError("Upload a .csv or .xlsx file.")
    return _table(raw)


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(
            "This file is UTF-16 (Excel's “Unicode Text”), not UTF-8. "
            "In Excel use Save As → “CSV UTF-8 (Comma delimited)”."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            f"This file is not UTF-8 text (byte {data[exc.start]:#04x} at position {exc.start} is not valid "
            "UTF-8; it may be Windows-1252 or Latin-1). Save it as UTF-8: in Excel, Save As → "
            "“CSV UTF-8 (Comma delimited)”; in LibreOffice, Character set “Unicode (UTF-8)”."
        ) from None
    if "\x00" in text:
        raise TableError("This file has NUL bytes: it is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales separates with semicolons: take whichever the header uses more.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise TableError(f"This CSV file is malformed ({exc}).") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TableError(
            "This .xlsx file is not an Excel workbook. Save it again from Excel, or upload a CSV."
        )
    try:
        # openpyxl itself rather than tablib's loader: that one reads formulas' cached results
        # (data_only), which would hide a formula from the check below instead of refusing it.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)] if sheet is not None else []
        book.close()
    except Exception:  # openpyxl raises many kinds for a damaged workbook: all mean the same to a person
        raise TableError(
            "This .xlsx file could not be read as an Excel workbook. "
            "Save it again from Excel or upload a CSV."
        ) from None
    return [["" if cell is None else _xlsx_text(cell) for cell in row] for row in rows]


def _xlsx_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _table(raw: list[list[str]]) -> Table:
    rows = [[cell.strip() for cell in row] for row in raw]
    rows = [row for row in rows if any(row)]  # blank lines (and Excel's empty trailing rows) are not data
    if not rows:
        raise TableError("The file is empty.")
    header = [normalise_header(name) for name in rows[0]]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise TableError("The first row must name the columns; it is empty.")
    if "" in header:
        raise TableError(f"Column {header.index('') + 1} has no name in the first row.")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise TableError(f"These columns appear twice: {', '.join(repeated)}.")
    body = rows[1:]
    if not body:
        raise TableError("The file has a header but no rows.")
    if len(body) > MAX_ROWS:
        raise TableError(f"The file has {len(body):,} rows: the limit is {MAX_ROWS:,}. Split it.")
    width = len(header)
    cells = []
    for number, row in enumerate(body, start=2):
        if any(row[width:]):
            raise TableError(f"Row {number} has more cells than the header has columns.")
        cells.append(_unescape([*row[:width], *[""] * (width - len(row))]))
    _refuse_formulas(header, cells)
    return Table(header=header, rows=cells)


def _unescape(row: list[str]) -> list[str]:
    return [cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell for cell in row]


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet would run ``cell`` as a formula (numbers and phone numbers are data)."""
    if not cell.startswith(FORMULA_START):
        return False
    return not (cell[0] in "+-" and _PLAIN_SIGNED.fullmatch(cell))


def _refuse_formulas(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    found = [
        f"row {number}, {header[index]}: {cell[:30]!r}"
        for number, row in enumerate(rows, start=2)
        for index, cell in enumerate(row)
        if cell and is_formula(cell)
    ]
    if found:
        shown = "; ".join(found[:_SHOWN_FORMULAS])
        more = f" and {len(found) - _SHOWN_FORMULAS} more" if len(found) > _SHOWN_FORMULAS else ""
        raise TableError(
            f"Some cells look like spreadsheet formulas ({shown}{more}). Candidly does not import formulas: "
            "they run when someone opens an export. Remove the leading =, +, - or @ from those cells."
        )
