"""reports.scope's period arithmetic, which the rollup's week and month rows and the reports that read them
share: every day of a range is read once, from a whole period's row or as an edge day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from candidly.reports.scope import Period, period_first, period_last, whole_periods

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(DAYS, st.integers(min_value=0, max_value=730), st.sampled_from(list(Period)))
def test_whole_periods_and_edges_cover_each_day_of_a_range_once(
    start: date, length: int, period: Period
) -> None:
    end = start + timedelta(days=length)
    whole = whole_periods(start, end, period)
    # Every whole period inside the range, found day by day.
    days = [start + timedelta(days=i) for i in range(length + 1)]
    inside = [day for day in days if period_first(day, period) == day and period_last(day, period) <= end]
    assert whole == ((inside[0], inside[-1]) if inside else None)
    covered: list[date] = []
    if whole is None:
        covered = [start + timedelta(days=i) for i in range(length + 1)]
    else:
        first, last = whole
        assert period_first(first, period) == first and period_first(last, period) == last
        assert start <= first and period_last(last, period) <= end
        covered = [start + timedelta(days=i) for i in range((first - start).days)]  # the days before
        current = first
        while current <= last:
            stop = period_last(current, period)
            covered += [current + timedelta(days=i) for i in range((stop - current).days + 1)]
            current = stop + timedelta(days=1)
        after = period_last(last, period) + timedelta(days=1)
        covered += [after + timedelta(days=i) for i in range((end - after).days + 1)]
    assert covered == [start + timedelta(days=i) for i in range(length + 1)]


def test_periods_of_known_days() -> None:
    assert period_first(date(2026, 3, 11), Period.WEEK) == date(2026, 3, 9)
    assert period_first(date(2026, 3, 11), Period.MONTH) == date(2026, 3, 1)
    assert period_last(date(2026, 2, 1), Period.MONTH) == date(2026, 2, 28)
    assert period_last(date(2028, 2, 1), Period.MONTH) == date(2028, 2, 29)
    assert whole_periods(date(2025, 12, 2), date(2026, 12, 1), Period.MONTH) == (
        date(2026, 1, 1),
        date(2026, 11, 1),
    )
    assert whole_periods(date(2025, 12, 2), date(2026, 12, 1), Period.WEEK) == (
        date(2025, 12, 8),
        date(2026, 11, 23),
    )
    assert whole_periods(date(2026, 3, 10), date(2026, 3, 15), Period.WEEK) is None
    assert whole_periods(date(2026, 3, 9), date(2026, 3, 15), Period.WEEK) == (
        date(2026, 3, 9),
        date(2026, 3, 9),
    )
