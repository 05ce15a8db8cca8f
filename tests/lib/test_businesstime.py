"""Quiet hours and business days: boundaries in real zones, both DST changes, and properties."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candidly.lib import businesstime
from candidly.lib.businesstime import (
    BusinessHours,
    add_business_days,
    business_days_at_least,
    is_business_moment,
    next_business_moment,
    supports_country,
)

DEFAULT = BusinessHours()
EVERY_DAY = frozenset(range(7))
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    """An aware datetime on the wall clock of ``zone`` (``fold=1``: the second of a repeated time)."""
    return datetime(*parts, tzinfo=zoneinfo.ZoneInfo(zone), fold=fold)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- Boundaries with default hours (09:00-18:00, Monday-Friday) in a plain week: 16-22 June 2025


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_one_second_before_opening_moves_to_opening(zone: str) -> None:
    result = next_business_moment(local(zone, 2025, 6, 17, 8, 59, 59), zone, DEFAULT)

    assert result == local(zone, 2025, 6, 17, 9, 0)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_at_opening_stays(zone: str) -> None:
    at = local(zone, 2025, 6, 17, 9, 0)

    result = next_business_moment(at, zone, DEFAULT)

    assert result == at
    assert result.tzinfo is UTC


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_last_second_before_closing_stays(zone: str) -> None:
    at = local(zone, 2025, 6, 17, 17, 59, 59)

    assert next_business_moment(at, zone, DEFAULT) == at


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_at_closing_moves_to_next_morning(zone: str) -> None:
    result = next_business_moment(local(zone, 2025, 6, 17, 18, 0), zone, DEFAULT)

    assert result == local(zone, 2025, 6, 18, 9, 0)


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_friday_closing_moves_to_monday_morning(zone: str) -> None:
    result = next_business_moment(local(zone, 2025, 6, 20, 18, 0), zone, DEFAULT)

    assert result == local(zone, 2025, 6, 23, 9, 0)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("day", [21, 22])
def test_next_business_moment_weekend_moves_to_monday_morning(zone: str, day: int) -> None:
    result = next_business_moment(local(zone, 2025, 6, day, 12, 0), zone, DEFAULT)

    assert result == local(zone, 2025, 6, 23, 9, 0)


@pytest.mark.parametrize("zone", ZONES)
def test_next_business_moment_answers_in_utc_for_any_input_zone(zone: str) -> None:
    # 07:00 UTC on a Tuesday is 08:00 in London, 03:00 in New York, 12:30 in Kolkata, 17:00 in Sydney.
    expected = {
        "Europe/London": utc(2025, 6, 17, 8, 0),
        "America/New_York": utc(2025, 6, 17, 13, 0),
        "Asia/Kolkata": utc(2025, 6, 17, 7, 0),
        "Australia/Sydney": utc(2025, 6, 17, 7, 0),
    }

    assert next_business_moment(utc(2025, 6, 17, 7, 0), zone, DEFAULT) == expected[zone]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (time(8, 59, 59, 999999), False),
        (time(9, 0), True),
        (time(17, 59, 59, 999999), True),
        (time(18, 0), False),
    ],
)
def test_is_business_moment_start_inclusive_end_exclusive(zone: str, wall: time, expected: bool) -> None:
    at = datetime.combine(datetime(2025, 6, 17).date(), wall, tzinfo=zoneinfo.ZoneInfo(zone))

    assert is_business_moment(at, zone, DEFAULT) is expected


@pytest.mark.parametrize("zone", ZONES)
def test_is_business_moment_saturday_noon_is_not(zone: str) -> None:
    assert is_business_moment(local(zone, 2025, 6, 21, 12, 0), zone, DEFAULT) is False


def test_is_business_moment_judges_in_the_given_zone_not_the_datetime_zone() -> None:
    # Tuesday 10:00 in London is 05:00 in New York: business for one recipient, night for the other.
    at = local("Europe/London", 2025, 6, 17, 10, 0)

    assert is_business_moment(at, "Europe/London", DEFAULT) is True
    assert is_business_moment(at, "America/New_York", DEFAULT) is False


def test_business_hours_custom_weekdays_and_hours() -> None:
    # A Sunday-to-Thursday week, 08:00-16:00, in Jerusalem.
    hours = BusinessHours(start=time(8), end=time(16), weekdays=frozenset({6, 0, 1, 2, 3}))

    result = next_business_moment(local("Asia/Jerusalem", 2025, 6, 19, 16, 0), "Asia/Jerusalem", hours)

    assert result == local("Asia/Jerusalem", 2025, 6, 22, 8, 0)


# --- Public holidays


def test_next_business_moment_skips_christmas_and_boxing_day_in_gb() -> None:
    hours = BusinessHours(country="GB")

    result = next_business_moment(local("Europe/London", 2025, 12, 24, 18, 0), "Europe/London", hours)

    assert result == local("Europe/London", 2025, 12, 29, 9, 0)


def test_next_business_moment_ignores_holidays_without_country() -> None:
    result = next_business_moment(local("Europe/London", 2025, 12, 24, 18, 0), "Europe/London", DEFAULT)

    assert result == local("Europe/London", 2025, 12, 25, 9, 0)


def test_next_business_moment_skips_independence_day_in_us() -> None:
    hours = BusinessHours(country="US")

    result = next_business_moment(local("America/New_York", 2025, 7, 3, 18, 0), "America/New_York", hours)

    assert result == local("America/New_York", 2025, 7, 7, 9, 0)


def test_next_business_moment_skips_independence_day_in_india() -> None:
    hours = BusinessHours(country="IN")

    result = next_business_moment(local("Asia/Kolkata", 2025, 8, 15, 10, 0), "Asia/Kolkata", hours)

    assert result == local("Asia/Kolkata", 2025, 8, 18, 9, 0)


def test_next_business_moment_skips_australia_day() -> None:
    hours = BusinessHours(country="AU")

    result = next_business_moment(local("Australia/Sydney", 2026, 1, 26, 9, 0), "Australia/Sydney", hours)

    assert result == local("Australia/Sydney", 2026, 1, 27, 9, 0)


def test_next_business_moment_subdivision_holiday_applies_only_there() -> None:
    # 2 January 2026 (a Friday) is a bank holiday in Scotland but not in England.
    at = local("Europe/London", 2026, 1, 2, 10, 0)

    scotland = next_business_moment(at, "Europe/London", BusinessHours(country="GB", subdivision="SCT"))
    england = next_business_moment(at, "Europe/London", BusinessHours(country="GB", subdivision="ENG"))

    assert scotland == local("Europe/London", 2026, 1, 5, 9, 0)
    assert england == at


def test_public_holidays_built_once_per_country_subdivision_and_year(monkeypatch: pytest.MonkeyPatch) -> None:
    businesstime._public_holidays.cache_clear()
    built: list[tuple[str, str | None, int]] = []
    real = holidays.country_holidays

    def counting(country: str, subdiv: str | None = None, years: int | None = None, **kw: object) -> object:
        built.append((country, subdiv, years))
        return real(country, subdiv=subdiv, years=years, **kw)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    hours = BusinessHours(country="NZ")

    for day in range(1, 29):
        next_business_moment(local("Pacific/Auckland", 2031, 2, day, 20, 0), "Pacific/Auckland", hours)
    next_business_moment(local("Pacific/Auckland", 2031, 12, 31, 20, 0), "Pacific/Auckland", hours)

    assert built == [("NZ", None, 2031), ("NZ", None, 2032)]


# --- Daylight saving time


@pytest.mark.parametrize(
    ("zone", "friday", "monday_opening_utc"),
    [
        # Spring forward on the Sunday between: Friday closes on winter time, Monday opens on summer time.
        ("Europe/London", (2025, 3, 28), utc(2025, 3, 31, 8, 0)),
        ("America/New_York", (2025, 3, 7), utc(2025, 3, 10, 13, 0)),
        ("Australia/Sydney", (2025, 10, 3), utc(2025, 10, 5, 22, 0)),
        # Fall back on the Sunday between.
        ("Europe/London", (2025, 10, 24), utc(2025, 10, 27, 9, 0)),
        ("America/New_York", (2025, 10, 31), utc(2025, 11, 3, 14, 0)),
        ("Australia/Sydney", (2025, 4, 4), utc(2025, 4, 6, 23, 0)),
    ],
)
def test_next_business_moment_across_a_dst_weekend_opens_at_local_nine(
    zone: str, friday: tuple[int, int, int], monday_opening_utc: datetime
) -> None:
    result = next_business_moment(local(zone, *friday, 18, 0), zone, DEFAULT)

    assert result == monday_opening_utc
    assert result.astimezone(zoneinfo.ZoneInfo(zone)).time() == time(9, 0)


@pytest.mark.parametrize(
    ("zone", "opening", "sunday", "expected"),
    [
        # London 01:00 → 02:00 on 30 March 2025: a 01:30 opening becomes 02:00 BST.
        ("Europe/London", time(1, 30), (2025, 3, 30), utc(2025, 3, 30, 1, 0)),
        # New York 02:00 → 03:00 on 9 March 2025: a 02:30 opening becomes 03:00 EDT.
        ("America/New_York", time(2, 30), (2025, 3, 9), utc(2025, 3, 9, 7, 0)),
        # Sydney 02:00 → 03:00 on 5 October 2025: a 02:30 opening becomes 03:00 AEDT.
        ("Australia/Sydney", time(2, 30), (2025, 10, 5), utc(2025, 10, 4, 16, 0)),
    ],
)
def test_next_business_moment_opening_in_spring_gap_moves_to_end_of_gap(
    zone: str, opening: time, sunday: tuple[int, int, int], expected: datetime
) -> None:
    hours = BusinessHours(start=opening, weekdays=EVERY_DAY)

    result = next_business_moment(local(zone, *sunday, 0, 0), zone, hours)

    assert result == expected
    assert is_business_moment(expected - timedelta(microseconds=1), zone, hours) is False


@pytest.mark.parametrize(
    ("zone", "opening", "sunday", "first_occurrence"),
    [
        # London 02:00 BST → 01:00 GMT on 26 October 2025: 01:30 happens at 00:30 and 01:30 UTC.
        ("Europe/London", time(1, 30), (2025, 10, 26), utc(2025, 10, 26, 0, 30)),
        # New York 02:00 EDT → 01:00 EST on 2 November 2025: 01:30 happens at 05:30 and 06:30 UTC.
        ("America/New_York", time(1, 30), (2025, 11, 2), utc(2025, 11, 2, 5, 30)),
        # Sydney 03:00 AEDT → 02:00 AEST on 6 April 2025: 02:30 happens at 15:30 and 16:30 UTC (5 April).
        ("Australia/Sydney", time(2, 30), (2025, 4, 6), utc(2025, 4, 5, 15, 30)),
    ],
)
def test_next_business_moment_opening_in_fall_back_hour_uses_first_occurrence(
    zone: str, opening: time, sunday: tuple[int, int, int], first_occurrence: datetime
) -> None:
    hours = BusinessHours(start=opening, weekdays=EVERY_DAY)

    result = next_business_moment(local(zone, *sunday, 0, 0), zone, hours)

    assert result == first_occurrence
    # The repeated hour lies inside the window, though its wall clock shows a time before the opening.
    assert is_business_moment(first_occurrence + timedelta(minutes=50), zone, hours) is True


def test_is_business_moment_closing_in_spring_gap_closes_at_the_jump() -> None:
    # 01:00-02:30 in New York on 9 March 2025: clocks jump from 02:00 EST to 03:00 EDT (07:00 UTC).
    hours = BusinessHours(start=time(1, 0), end=time(2, 30), weekdays=EVERY_DAY)
    zone = "America/New_York"

    last = is_business_moment(utc(2025, 3, 9, 6, 59, 59), zone, hours)
    after = next_business_moment(utc(2025, 3, 9, 7, 0), zone, hours)

    assert last is True
    assert after == local(zone, 2025, 3, 10, 1, 0)


def test_next_business_moment_skips_a_day_whose_hours_fall_inside_the_gap() -> None:
    # 02:10-02:50 never happens in New York on 9 March 2025, so that day has no business window.
    hours = BusinessHours(start=time(2, 10), end=time(2, 50), weekdays=EVERY_DAY)
    zone = "America/New_York"

    result = next_business_moment(local(zone, 2025, 3, 8, 3, 0), zone, hours)

    assert result == local(zone, 2025, 3, 10, 2, 10)


def test_next_business_moment_skips_the_day_samoa_removed() -> None:
    # Pacific/Apia jumped from 29 to 31 December 2011: Friday the 30th never happened there.
    zone = "Pacific/Apia"

    result = next_business_moment(local(zone, 2011, 12, 29, 18, 0), zone, DEFAULT)

    assert result == local(zone, 2012, 1, 2, 9, 0)


# --- add_business_days


@pytest.mark.parametrize("zone", ZONES)
def test_add_business_days_friday_afternoon_plus_one_is_monday_same_time(zone: str) -> None:
    result = add_business_days(local(zone, 2025, 6, 20, 17, 0), 1, zone, DEFAULT)

    assert result == local(zone, 2025, 6, 23, 17, 0)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("zone", ZONES)
def test_add_business_days_saturday_counts_from_monday_opening(zone: str) -> None:
    result = add_business_days(local(zone, 2025, 6, 21, 14, 0), 1, zone, DEFAULT)

    assert result == local(zone, 2025, 6, 24, 9, 0)


@pytest.mark.parametrize("zone", ZONES)
def test_add_business_days_evening_counts_from_next_morning(zone: str) -> None:
    result = add_business_days(local(zone, 2025, 6, 18, 20, 0), 1, zone, DEFAULT)

    assert result == local(zone, 2025, 6, 20, 9, 0)


@pytest.mark.parametrize("zone", ZONES)
def test_add_business_days_zero_is_next_business_moment(zone: str) -> None:
    at = local(zone, 2025, 6, 20, 18, 30)

    assert add_business_days(at, 0, zone, DEFAULT) == next_business_moment(at, zone, DEFAULT)


def test_add_business_days_five_spans_a_weekend() -> None:
    zone = "Asia/Kolkata"

    result = add_business_days(local(zone, 2025, 6, 17, 11, 15), 5, zone, DEFAULT)

    assert result == local(zone, 2025, 6, 24, 11, 15)


def test_add_business_days_skips_holidays() -> None:
    hours = BusinessHours(country="GB")
    zone = "Europe/London"

    result = add_business_days(local(zone, 2025, 12, 24, 10, 0), 1, zone, hours)

    assert result == local(zone, 2025, 12, 29, 10, 0)


@pytest.mark.parametrize(
    ("zone", "friday", "monday"),
    [
        ("Europe/London", (2025, 3, 28), (2025, 3, 31)),
        ("America/New_York", (2025, 10, 31), (2025, 11, 3)),
        ("Australia/Sydney", (2025, 10, 3), (2025, 10, 6)),
        ("Australia/Sydney", (2025, 4, 4), (2025, 4, 7)),
    ],
)
def test_add_business_days_keeps_wall_clock_across_dst(
    zone: str, friday: tuple[int, int, int], monday: tuple[int, int, int]
) -> None:
    result = add_business_days(local(zone, *friday, 10, 0), 1, zone, DEFAULT)

    assert result == local(zone, *monday, 10, 0)
    assert result - local(zone, *friday, 10, 0) != timedelta(days=3)


def test_add_business_days_wall_clock_in_gap_moves_to_end_of_gap() -> None:
    hours = BusinessHours(start=time(1, 0), weekdays=EVERY_DAY)
    zone = "America/New_York"

    result = add_business_days(local(zone, 2025, 3, 8, 2, 45), 1, zone, hours)

    assert result == utc(2025, 3, 9, 7, 0)


def test_add_business_days_from_gap_moved_opening_lands_on_next_opening() -> None:
    # The anchor is 9 March's opening, moved by the gap to 03:00 EDT; one day later is the 02:30 opening.
    hours = BusinessHours(start=time(2, 30), weekdays=EVERY_DAY)
    zone = "America/New_York"

    result = add_business_days(local(zone, 2025, 3, 8, 20, 0), 1, zone, hours)

    assert result == local(zone, 2025, 3, 10, 2, 30)


def test_add_business_days_from_the_repeated_hour_stays_on_target_day() -> None:
    # 01:15 EST (second occurrence) is inside a 01:30 opening's window on 2 November; on 3 November
    # 01:15 is before the opening, so the result moves to that day's 01:30.
    hours = BusinessHours(start=time(1, 30), weekdays=EVERY_DAY)
    zone = "America/New_York"

    result = add_business_days(local(zone, 2025, 11, 2, 1, 15, fold=1), 1, zone, hours)

    assert result == local(zone, 2025, 11, 3, 1, 30)


def test_add_business_days_negative_is_rejected() -> None:
    with pytest.raises(ValueError, match="days must be zero or more"):
        add_business_days(utc(2025, 6, 17, 10, 0), -1, "Europe/London", DEFAULT)


# --- Bad input


def test_functions_reject_naive_datetimes() -> None:
    naive = datetime(2025, 6, 17, 10, 0)

    with pytest.raises(ValueError, match="naive"):
        is_business_moment(naive, "Europe/London", DEFAULT)
    with pytest.raises(ValueError, match="naive"):
        next_business_moment(naive, "Europe/London", DEFAULT)
    with pytest.raises(ValueError, match="naive"):
        add_business_days(naive, 1, "Europe/London", DEFAULT)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_functions_reject_unknown_zones(zone: str) -> None:
    with pytest.raises(ValueError, match="not a known IANA time zone"):
        next_business_moment(utc(2025, 6, 17, 10, 0), zone, DEFAULT)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": time(18), "end": time(9)}, "start .* must be before end"),
        ({"start": time(9), "end": time(9)}, "start .* must be before end"),
        ({"weekdays": frozenset()}, "at least one day"),
        ({"weekdays": frozenset({0, 7})}, "0 \\(Monday\\) to 6 \\(Sunday\\), got 7"),
        ({"weekdays": {0, 1}}, "must be a frozenset"),
        ({"start": time(9, tzinfo=UTC)}, "naive wall-clock time"),
        ({"end": "18:00"}, "must be a datetime.time"),
        ({"country": "XX"}, "'XX' is not a country code"),
        ({"country": "gb"}, "'gb' is not a country code"),
        ({"subdivision": "ENG"}, "subdivision needs a country"),
        ({"country": "GB", "subdivision": "CA"}, "'CA' is not a subdivision of 'GB'"),
    ],
)
def test_business_hours_rejects_invalid_configuration(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours(**kwargs)


def test_known_countries_and_subdivisions_are_the_holidays_package_list() -> None:
    # The codes come from the package's registry and each country's subdivisions when asked (importing all
    # ~250 country modules at once cost the first Today page of each web process 180 ms): the same answers
    # as holidays.list_supported_countries(), for every code and alias, and no others.
    listed = holidays.list_supported_countries()
    assert all(supports_country(code) for code in listed)
    assert not any(supports_country(code) for code in ("XX", "gb", "", "GBX", "EU"))
    for code, subdivisions in listed.items():
        for subdivision in subdivisions[:3]:
            BusinessHours(country=code, subdivision=subdivision)
        with pytest.raises(ValueError, match="is not a subdivision"):
            BusinessHours(country=code, subdivision="NOT-A-SUBDIVISION")


def test_business_hours_defaults_are_nine_to_six_monday_to_friday() -> None:
    hours = BusinessHours()

    assert (hours.start, hours.end, hours.weekdays, hours.country) == (
        time(9),
        time(18),
        frozenset({0, 1, 2, 3, 4}),
        None,
    )


# --- Properties

ALL_ZONES = sorted(zoneinfo.available_timezones())
# Countries whose holiday rules cover every year drawn below (some, e.g. IN, only cover 2001-2035).
COUNTRIES = ["GB", "US", "AU", "NZ", "BR", "CL", "DE", "FR", "IL", "JP", "ZA", "CA"]
# Wall-clock times where DST changes happen somewhere, so openings and closings often land in gaps/folds.
TRICKY_TIMES = [time(h, m) for h in range(5) for m in (0, 30)] + [time(23, 0), time(23, 59, 59, 999999)]
FIRST_YEAR, LAST_YEAR = 1970, 2069


@functools.lru_cache(maxsize=4096)
def transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """The instants in ``year`` at which ``zone`` changes its UTC offset, to the second."""
    tz = zoneinfo.ZoneInfo(zone)
    found = []
    day = utc(year, 1, 1)
    while day.year == year:
        following = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) // 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return tuple(found)


@st.composite
def zones_and_moments(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and an aware moment, half the time within three days of one of its offset changes."""
    zone = draw(st.sampled_from(ALL_ZONES))
    year = draw(st.integers(FIRST_YEAR, LAST_YEAR))
    changes = transitions(zone, year)
    if changes and draw(st.booleans()):
        offset = draw(
            st.one_of(
                st.integers(-3 * 86400, 3 * 86400).map(lambda s: timedelta(seconds=s)),
                st.integers(-72, 72).map(lambda h: timedelta(minutes=30 * h)),
                st.sampled_from([timedelta(0), timedelta(microseconds=-1), timedelta(hours=-1)]),
            )
        )
        moment = draw(st.sampled_from(changes)) + offset
    else:
        moment = draw(st.datetimes(datetime(year, 1, 1), datetime(year, 12, 31), timezones=st.just(UTC)))
    # Hand the function the moment in a zone of its own, as a caller might.
    shown_in = draw(st.sampled_from([UTC, zoneinfo.ZoneInfo(zone), zoneinfo.ZoneInfo("Asia/Kolkata")]))
    return zone, moment.astimezone(shown_in)


NON_EMPTY_WEEKDAY_SETS = [
    frozenset(day for day in range(7) if mask & (1 << day)) for mask in range(1, 1 << 7)
]


@st.composite
def business_hours(draw: st.DrawFn) -> BusinessHours:
    wall_times = st.one_of(st.sampled_from(TRICKY_TIMES), st.times())
    first, second = draw(wall_times), draw(wall_times)
    if first == second:
        # Nudge rather than reject, so Hypothesis spends its budget on valid examples.
        second = time.min if first == time.max else time.max
    start, end = sorted((first, second))
    return BusinessHours(
        start=start,
        end=end,
        weekdays=draw(st.sampled_from(NON_EMPTY_WEEKDAY_SETS)),
        country=draw(st.one_of(st.none(), st.sampled_from(COUNTRIES))),
    )


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(zone_and_moment=zones_and_moments(), hours=business_hours(), fraction=st.floats(0, 1))
def test_next_business_moment_is_earliest_business_moment_not_before_input(
    zone_and_moment: tuple[str, datetime], hours: BusinessHours, fraction: float
) -> None:
    zone, at = zone_and_moment

    result = next_business_moment(at, zone, hours)

    assert result.tzinfo is UTC
    assert result >= at
    assert is_business_moment(result, zone, hours)
    assert next_business_moment(result, zone, hours) == result
    if result > at:
        # Nothing between the input and the result was a business moment.
        assert not is_business_moment(at, zone, hours)
        assert not is_business_moment(result - timedelta(microseconds=1), zone, hours)
        # Arithmetic in UTC: adding a timedelta to a zoned datetime moves its wall clock, not the instant.
        between = at.astimezone(UTC) + (result - at) * fraction
        assert between == result or not is_business_moment(between, zone, hours)
    else:
        assert is_business_moment(at, zone, hours)


@PROPERTY_SETTINGS
@given(zone_and_moment=zones_and_moments(), hours=business_hours(), days=st.integers(0, 12))
def test_add_business_days_lands_in_business_hours_later_and_monotone(
    zone_and_moment: tuple[str, datetime], hours: BusinessHours, days: int
) -> None:
    zone, at = zone_and_moment

    result = add_business_days(at, days, zone, hours)
    one_more = add_business_days(at, days + 1, zone, hours)

    assert result.tzinfo is UTC
    assert result >= next_business_moment(at, zone, hours) >= at
    assert is_business_moment(result, zone, hours)
    assert hours.is_business_day(result.astimezone(zoneinfo.ZoneInfo(zone)).date())
    assert one_more >= result
    assert next_business_moment(result, zone, hours) == result
    if days == 0:
        assert result == next_business_moment(at, zone, hours)


@settings(max_examples=300)
@given(zone_and_moment=zones_and_moments(), hours=business_hours(), days=st.integers(0, 12))
def test_add_business_days_never_falls_short_of_business_days_at_least(
    zone_and_moment: tuple[str, datetime], hours: BusinessHours, days: int
) -> None:
    # The silence check leaves out in SQL everyone heard from less than this long ago: it must hold in
    # every zone, across DST changes and the dates a zone skipped.
    zone, at = zone_and_moment

    assert add_business_days(at, days, zone, hours) >= at + business_days_at_least(days)


def test_business_days_at_least_is_a_day_less_and_refuses_negative_days() -> None:
    assert business_days_at_least(0) == business_days_at_least(1) == timedelta(0)
    assert business_days_at_least(3) == timedelta(days=2)
    with pytest.raises(ValueError, match="zero or more"):
        business_days_at_least(-1)
