"""The shape every report takes: tables of formatted cells, charts drawn from those same tables' numbers.

A table's cells are strings formatted once (:func:`count`, :func:`one_decimal`, :func:`percent`), and the
page, the CSV download and the chart all read them from here: the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from candidly.lib.charts import ChartKind, Series, render_chart

NONE = "—"


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    # The number behind the text, for charts (``None``: nothing to plot).
    value: float | None = None


def count(number: int) -> Cell:
    return Cell(str(number), value=float(number))


def one_decimal(number: float | None) -> Cell:
    """``12.5``; ``—`` when there is nothing to divide by or no value yet."""
    if number is None:
        return Cell(NONE)
    rounded = round(number, 1)
    return Cell(f"{rounded:.1f}", value=rounded)


def whole(number: float | None) -> Cell:
    if number is None:
        return Cell(NONE)
    rounded = round(number)
    return Cell(str(rounded), value=float(rounded))


def percent(part: int, total: int) -> Cell:
    """``37.5 %`` of ``total``; ``—`` of nothing."""
    if not total:
        return Cell(NONE)
    share = round(100 * part / total, 1)
    return Cell(f"{share:.1f} %", value=share)


def per_hundred(part: int, total: int) -> Cell:
    """How many per 100 of ``total`` (``—`` without any)."""
    return one_decimal(100 * part / total if total else None)


def text(value: str, url: str = "") -> Cell:
    return Cell(value, url=url)


@dataclass
class Table:
    slug: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    # A last row with the totals, shown in <tfoot> and written last in the CSV.
    total: list[Cell] | None = None
    # Shorter names of the rows for a chart's axis ("31 Aug" for "Week of 31 Aug 2026").
    chart_labels: list[str] = field(default_factory=list)

    def csv_rows(self) -> list[list[str]]:
        """The header and every row as the page shows them (totals last)."""
        body = [*self.rows, *([self.total] if self.total else [])]
        return [self.columns, *[[cell.text for cell in row] for row in body]]

    def column(self, name: str) -> list[float | None]:
        index = self.columns.index(name)
        return [row[index].value for row in self.rows]

    def labels(self) -> list[str]:
        return [row[0].text for row in self.rows]

    def body_html(self) -> SafeString:
        """The rows as ``<tr>`` elements, the first cell a row header; each cell's text escaped. Built here
        rather than tag by tag in the template: a year of weeks and two rankings are ~500 cells, and the
        template's loops and conditions per cell cost more than the report's queries' Python."""
        return mark_safe("\n".join(_row_html(row) for row in self.rows))  # noqa: S308 - every text escaped

    def total_html(self) -> SafeString:
        return mark_safe(_row_html(self.total) if self.total else "")  # noqa: S308 - every text escaped


def _row_html(row: Sequence[Cell]) -> str:
    cells = []
    for index, cell in enumerate(row):
        inner = f'<a href="{escape(cell.url)}">{escape(cell.text)}</a>' if cell.url else escape(cell.text)
        cells.append(f'<th scope="row">{inner}</th>' if index == 0 else f"<td>{inner}</td>")
    return f"<tr>{''.join(cells)}</tr>"


@dataclass
class Chart:
    """A chart of some columns of one table (rows are the x axis), drawn as safe inline SVG."""

    chart_id: str
    kind: ChartKind
    title: str
    description: str
    table: Table
    columns: Sequence[str]
    # Legend names when they differ from the column headers.
    names: Sequence[str] = ()
    y_title: str = ""

    @cached_property
    def svg(self) -> str:
        names = list(self.names) or list(self.columns)
        return render_chart(
            kind=self.kind,
            chart_id=self.chart_id,
            title=self.title,
            description=self.description,
            labels=self.table.chart_labels or self.table.labels(),
            series=[
                Series(name, self.table.column(column))
                for name, column in zip(names, self.columns, strict=True)
            ],
            y_title=self.y_title,
        )


@dataclass
class Report:
    slug: str
    title: str
    summary: str
    headline: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # Shown under the tables: what the numbers count (definitions, in a sentence or two each).
    notes: list[str] = field(default_factory=list)

    def table(self, slug: str) -> Table | None:
        return next((table for table in self.tables if table.slug == slug), None)
