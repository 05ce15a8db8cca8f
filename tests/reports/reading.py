"""The report builders, read both ways: from the records, and from the daily rollup the worker keeps.

The metric tests import the builders from here and run twice (``conftest.reading``). Read from the rollup,
a builder first lets the rollup catch up incrementally (``refresh_rollup``, the worker's periodic check)
at the report's ``now``, and every such reading is also checked against the direct reading of the
records (every cell of every table, and the headline) and the incremental rollup against a rebuild from
scratch: the tests' own assertions then prove the rollup path, and these checks prove it equal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from candidly.reports import queries
from candidly.reports.models import DailyFigure, OpenProcess, ResponseTime, SharedComment
from candidly.reports.rollup import (
    COMMENT_COLUMNS,
    FIGURE_COLUMNS,
    rebuild_rollup,
    refresh_rollup,
    reporting_zone,
)
from candidly.reports.scope import Scope
from candidly.reports.tables import Report

MODE = {"rolled": False}


def shown(report: Report) -> tuple[list[str], list[list[list[str]]]]:
    """Everything a person reads of a report: the headline and every table as its CSV rows."""
    return report.headline, [table.csv_rows() for table in report.tables]


def rollup_rows() -> list[tuple[Any, ...]]:
    """The rollup's rows, summed per key (an incremental refresh may split a key a rebuild writes once)."""
    columns = [name for name in FIGURE_COLUMNS if name != "value"]
    summed: dict[tuple[Any, ...], int] = {}
    for *key, value in DailyFigure.objects.values_list(*columns, "value"):
        summed[tuple(key)] = summed.get(tuple(key), 0) + value
    times = ResponseTime.objects.values_list(
        "day", "recruiter", "role", "contact", "contact_company", "kind", "seconds", "within_window"
    )
    open_now = OpenProcess.objects.values_list("recruiter", "company", "manager", "role", "open", "quiet")
    return sorted(
        [
            *((*key, value) for key, value in summed.items() if value),
            *(("time", *t) for t in times),
            *(("open", *o) for o in open_now),
            *(("comment", *c) for c in SharedComment.objects.values_list(*COMMENT_COLUMNS)),
        ],
        key=repr,
    )


def reading(builder: Callable[..., Report]) -> Callable[..., Report]:
    def build(scope: Scope, *, now: datetime, **options: Any) -> Report:
        if not MODE["rolled"]:
            return builder(scope, now=now, **options)
        assert scope.zone == reporting_zone()
        refresh_rollup(now=now)
        rolled = builder(scope, now=now, rolled=True, **options)
        assert shown(rolled) == shown(builder(scope, now=now, **options))
        incremental = rollup_rows()
        rebuild_rollup(now=now)
        assert rollup_rows() == incremental
        return rolled

    return build


ghosting = reading(queries.ghosting)
time_to_answer = reading(queries.time_to_answer)
follow_up_steps = reading(queries.follow_up_steps)
experience = reading(queries.experience)
withdrawals = reading(queries.withdrawals)
