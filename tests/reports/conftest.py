from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from candidly.reports.models import RollupState
from candidly.reports.rollup import reporting_zone
from tests.reports import reading as reading_module

# Before every test's events: the rollup starts empty and catches up incrementally, as in production.
ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)


def start_rollup() -> RollupState:
    return RollupState.objects.create(id=1, zone=reporting_zone().key, event_id=0, refreshed_at=ORIGIN)


@pytest.fixture(params=["records", "rollup"])
def reading(request: pytest.FixtureRequest, db: None) -> Iterator[str]:
    """Run a metric test reading the records, then reading the rollup (see tests/reports/reading.py)."""
    rolled = request.param == "rollup"
    if rolled:
        start_rollup()
    reading_module.MODE["rolled"] = rolled
    yield request.param
    reading_module.MODE["rolled"] = False
