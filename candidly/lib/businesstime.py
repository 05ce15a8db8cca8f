"""Quiet hours and business days in a recipient's own time zone.

Every follow-up Candidly sends is due at some instant computed in UTC ("interview end + 1 hour",
"+3 business days"), but it must reach a person during *their* working hours. This module answers
three questions as pure functions of aware datetimes; it imports none of our models:

* ``is_business_moment(at, zone, hours)``: is ``at`` inside business hours in ``zone``?
* ``next_business_moment(at, zone, hours)``: the earliest instant ``>= at`` that is.
* ``add_business_days(at, days, zone, hours)``: ``days`` business days later, same local wall clock.

Vocabulary, precisely:

* A **business day** is a local calendar date whose weekday is in ``hours.weekdays``, which is not a
  public holiday of ``hours.country`` (and ``hours.subdivision``) when a country is set, and which has
  a non-empty business window (a date that a time zone skipped entirely has none).
* The **business window** of a business day ``d`` is the half-open stretch of real time
  ``[start on d, end on d)``: start inclusive, end exclusive. Its two ends are wall-clock times
  resolved in the zone: a time that does not exist on ``d`` (it falls in a DST gap, e.g. 02:30 when
  clocks spring from 02:00 to 03:00) becomes the first existing moment after it (03:00); a time that
  happens twice (clocks fall back) means its *first* occurrence. Because the window is real time, on a
  fall-back day it holds the repeated hour once more, and moments in it are "business" even where the
  wall clock briefly shows a time before ``start`` again.
* A **business moment** is an instant inside the window of some business day.

Inputs must be aware datetimes (a naive one raises ``ValueError``: we never guess a zone) and zone
names must be IANA names such as ``"Europe/London"``; results are aware datetimes in UTC.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import holidays
from holidays.registry import EntityLoader

__all__ = [
    "NIGHT_ENDS",
    "NIGHT_STARTS",
    "BusinessHours",
    "add_business_days",
    "evening_before",
    "is_business_moment",
    "is_night",
    "morning_after",
    "next_business_moment",
    "supports_country",
]

# The night, in the recipient's zone: nothing Candidly sends lands between these, not even logistics.
NIGHT_STARTS = time(21, 0)
NIGHT_ENDS = time(8, 0)

MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))

# Ten years of dates without a single business window means the configuration (or the zone) is
# broken; looping for ever inside the worker would be worse than a loud error.
_MAX_SEARCH_DAYS = 3660

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class BusinessHours:
    """When a recipient may be contacted: daily hours on some weekdays, minus public holidays.

    ``start``/``end`` are naive local wall-clock times with ``start < end`` (hours cannot run past
    midnight). ``weekdays`` uses ``date.weekday()`` numbering (Monday 0 … Sunday 6). ``country`` is an
    ISO 3166 code known to the ``holidays`` package (e.g. ``"GB"``, ``"US"``); ``subdivision`` narrows
    it (e.g. ``"ENG"``, ``"CA"``) and needs a country. Invalid values raise ``ValueError`` on creation.
    """

    start: time = time(9, 0)
    end: time = time(18, 0)
    weekdays: frozenset[int] = field(default=MONDAY_TO_FRIDAY)
    country: str | None = None
    subdivision: str | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"BusinessHours.{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"BusinessHours.{name} must be a naive wall-clock time, got {value!r}")
        if not self.start < self.end:
            raise ValueError(f"BusinessHours.start ({self.start}) must be before end ({self.end})")
        if not isinstance(self.weekdays, frozenset):
            raise ValueError(f"BusinessHours.weekdays must be a frozenset, got {self.weekdays!r}")
        if not self.weekdays:
            raise ValueError("BusinessHours.weekdays must contain at least one day")
        invalid = sorted(repr(day) for day in self.weekdays if not (isinstance(day, int) and 0 <= day <= 6))
        if invalid:
            raise ValueError(
                f"BusinessHours.weekdays must be 0 (Monday) to 6 (Sunday), got {', '.join(invalid)}"
            )
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("BusinessHours.subdivision needs a country")
            return
        subdivisions = _subdivisions(self.country)
        if subdivisions is None:
            raise ValueError(
                f"BusinessHours.country {self.country!r} is not a country code the holidays package knows"
            )
        if self.subdivision is not None and self.subdivision not in subdivisions:
            raise ValueError(
                f"BusinessHours.subdivision {self.subdivision!r} is not a subdivision of {self.country!r}"
            )

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is a configured weekday and not a public holiday (the window is not checked)."""
        if day.weekday() not in self.weekdays:
            return False
        if self.country is None:
            return True
        return day not in _public_holidays(self.country, self.subdivision, day.year)


@functools.cache
def _country_codes() -> frozenset[str]:
    # The package's codes and aliases from its registry: ``holidays.list_supported_countries()`` imports
    # every one of its ~250 country modules to list their subdivisions (180 ms, paid by the first Today
    # page of each web process); a country's subdivisions are read when that country is asked about.
    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


@functools.cache
def _subdivisions(country: str) -> tuple[str, ...] | None:
    """The subdivision codes of ``country`` as ``holidays.list_supported_countries()`` lists them; None for
    a code the package does not know."""
    if country not in _country_codes():
        return None
    return tuple(getattr(holidays, country).subdivisions)


@functools.lru_cache(maxsize=1024)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Building a holidays calendar runs the package's rules for the whole year; the worker asks about
    # the same few (country, year) pairs all day long, so computing each once is what makes it cheap.
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def is_business_moment(at: datetime, zone: str, hours: BusinessHours) -> bool:
    """Whether ``at`` lies inside a business window in ``zone`` (start inclusive, end exclusive).

    Raises ``ValueError`` for a naive ``at`` or an unknown zone.
    """
    moment = _as_utc(at)
    # Defined as "next_business_moment leaves it alone", so the two can never disagree.
    found, _ = _next_business_moment(moment, _zone(zone), hours)
    return found == moment


def next_business_moment(at: datetime, zone: str, hours: BusinessHours) -> datetime:
    """The earliest business moment in ``zone`` that is ``>= at``, as an aware UTC datetime.

    A moment already inside business hours comes back unchanged (same instant, expressed in UTC), so the
    function is idempotent. Otherwise the result is the start of the next business window, e.g. Friday
    18:00 → Monday 09:00 with default hours. Raises ``ValueError`` for a naive ``at``, an unknown zone,
    or when no business window exists within ten years (a configuration that can never be met).
    """
    moment = _as_utc(at)
    tz = _zone(zone)
    found, _ = _next_business_moment(moment, tz, hours)
    return found


def add_business_days(at: datetime, days: int, zone: str, hours: BusinessHours) -> datetime:
    """``days`` business days after ``at`` in ``zone``, at the same local wall-clock time, in UTC.

    Counting starts from ``anchor = next_business_moment(at)``: a follow-up written on Saturday, or at
    20:00, reaches the recipient at the next opening, and "+1 business day" gives them one full business
    day after that. Then the result is the ``days``-th business day after the anchor's business day at
    the anchor's wall-clock time (at the target day's opening when the anchor was an opening), moved
    into business hours if that time is outside them on the target day (possible only around DST).

    With default hours (09:00-18:00, Monday-Friday): Friday 17:00 + 1 → Monday 17:00; Saturday 14:00
    + 1 → Tuesday 09:00 (anchor Monday 09:00); Wednesday 20:00 + 1 → Friday 09:00 (anchor Thursday
    09:00); ``days=0`` is just the anchor. The result is always ``>= at``, a business moment, and
    non-decreasing in ``days``. Raises ``ValueError`` for negative ``days``, a naive ``at``, an
    unknown zone, or hours that leave no business day within ten years.
    """
    if days < 0:
        raise ValueError(f"days must be zero or more, got {days}")
    moment = _as_utc(at)
    tz = _zone(zone)
    anchor, anchor_day = _next_business_moment(moment, tz, hours)
    if days == 0:
        return anchor
    window = _window(anchor_day, tz, hours)
    # An anchor at the opening means "first thing", even when a DST gap moved that opening on its day.
    at_opening = window is not None and anchor == window[0]
    wall = hours.start if at_opening else anchor.astimezone(tz).time()
    target_day = anchor_day
    for _ in range(days):
        target_day = next(day for day in _days_from(target_day + _ONE_DAY) if _window(day, tz, hours))
    found, _ = _next_business_moment(_resolve(target_day, wall, tz), tz, hours)
    return found


def business_days_at_least(days: int) -> timedelta:
    """A span ``add_business_days(at, days, …)`` never falls short of, whatever the zone and hours: the
    ``days``-th business day after ``at`` is at least ``days`` calendar days later at the same wall-clock
    time, less what clock changes take away (an hour at DST; a whole date where a zone once skipped one).
    One day less than ``days`` covers both. For queries that leave out, in SQL, rows whose business-day
    deadline cannot have come yet."""
    if days < 0:
        raise ValueError(f"days must be zero or more, got {days}")
    return timedelta(days=max(days - 1, 0))


def supports_country(country: str) -> bool:
    """Whether ``country`` (ISO 3166, upper case) is a code the ``holidays`` package knows."""
    return country in _country_codes()


def is_night(at: datetime, zone: str) -> bool:
    """Whether ``at`` is night in ``zone``: from ``NIGHT_STARTS`` (inclusive) to ``NIGHT_ENDS`` (exclusive),
    on the local wall clock. Raises ``ValueError`` for a naive ``at`` or an unknown zone."""
    local = _as_utc(at).astimezone(_zone(zone)).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def morning_after(at: datetime, zone: str) -> datetime:
    """``at`` if it is not night in ``zone``, else the end of that night (``NIGHT_ENDS``), in UTC."""
    moment = _as_utc(at)
    if not is_night(moment, zone):
        return moment
    tz = _zone(zone)
    local = moment.astimezone(tz)
    day = local.date() if local.time() < NIGHT_ENDS else local.date() + _ONE_DAY
    return _resolve(day, NIGHT_ENDS, tz)


def evening_before(at: datetime, zone: str, *, margin: timedelta) -> datetime:
    """The last moment before the night that holds or precedes ``at`` (``NIGHT_STARTS`` minus ``margin``
    on that evening), in UTC: for 06:00 it is the evening before, for 22:00 the same evening. For a moment
    that is not night, ``at`` itself."""
    moment = _as_utc(at)
    if not is_night(moment, zone):
        return moment
    tz = _zone(zone)
    local = moment.astimezone(tz)
    day = local.date() - _ONE_DAY if local.time() < NIGHT_ENDS else local.date()
    return _resolve(day, NIGHT_STARTS, tz) - margin


def _as_utc(at: datetime) -> datetime:
    if not isinstance(at, datetime):
        raise ValueError(f"expected an aware datetime, got {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _zone(zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{zone!r} is not a known IANA time zone") from None


def _days_from(first: date) -> Iterator[date]:
    """Consecutive dates from ``first``, bounded so a hopeless configuration fails instead of hanging."""
    day = first
    for _ in range(_MAX_SEARCH_DAYS):
        yield day
        day += _ONE_DAY
    raise ValueError(f"no business day within {_MAX_SEARCH_DAYS} days of {first.isoformat()}")


def _window(day: date, tz: zoneinfo.ZoneInfo, hours: BusinessHours) -> tuple[datetime, datetime] | None:
    """The business window of ``day`` as UTC instants, or ``None`` when ``day`` has none."""
    if not hours.is_business_day(day):
        return None
    start = _resolve(day, hours.start, tz)
    end = _resolve(day, hours.end, tz)
    # Both ends inside one DST gap (or a date the zone skipped) resolve to the same instant.
    return (start, end) if start < end else None


def _next_business_moment(
    moment: datetime, tz: zoneinfo.ZoneInfo, hours: BusinessHours
) -> tuple[datetime, date]:
    """``next_business_moment`` for a UTC ``moment``, plus the business day whose window it is in."""
    # Windows are searched in date order from the moment's own local date: an earlier date's window
    # closes at the first instant its wall clock reaches the closing time, which is before this moment.
    for day in _days_from(moment.astimezone(tz).date()):
        window = _window(day, tz, hours)
        if window is not None and moment < window[1]:
            return max(moment, window[0]), day
    raise AssertionError("unreachable: _days_from raises when exhausted")


def _resolve(day: date, wall: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant at which the clocks in ``tz`` show ``wall`` on ``day``.

    Ambiguous (repeated) wall times give the first occurrence. Non-existent ones (in a gap) give the
    first existing moment after them, i.e. the instant of the transition itself.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        # fold=0 round-trips, so the time exists; for a repeated time fold=0 is the first occurrence.
        return first
    if second.astimezone(tz).replace(tzinfo=None) == naive:
        return second
    # A gap: the two folds bracket the transition (applying the offsets from before and after it).
    # Bisect for the earliest instant whose local wall clock has reached ``naive``.
    low, high = min(first, second), max(first, second)
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) // 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high
