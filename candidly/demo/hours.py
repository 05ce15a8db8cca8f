"""When the demo's interviews may be: inside both the company's and the candidate's working hours.

Working hours are the rule the worker uses for messages (``followups.services.hours_for``: the agency's
hours and weekdays, 09:00-18:00 Monday to Friday on a fresh install, in each side's own zone). A London
company does not interview a Sydney candidate at 03:00 their time, so the demo pairs candidates with roles
whose company shares enough of their day, and books each round inside the shared part of it.
"""

from __future__ import annotations

import functools
import random
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from candidly.accounts.models import AgencySettings
from candidly.lib.businesstime import BusinessHours

# The defaults of a fresh install: the demo never reads the settings row (the generator is pure).
DEFAULT_HOURS = AgencySettings().business_hours()
# Pair a candidate with a company only when their working days overlap at least this much.
ENOUGH_OVERLAP = timedelta(hours=2)
SHORTEST = timedelta(minutes=30)
STEP = timedelta(minutes=30)


def shared_window(
    day: date,
    *,
    company_zone: str,
    candidate_zone: str,
    company_hours: BusinessHours = DEFAULT_HOURS,
    candidate_hours: BusinessHours = DEFAULT_HOURS,
) -> tuple[datetime, datetime] | None:
    """The longest stretch (UTC) of the company's working hours on ``day`` (its local date) that is also
    inside the candidate's working hours on their own date; ``None`` when they share none."""
    if not company_hours.is_business_day(day):
        return None
    company_tz, candidate_tz = zoneinfo.ZoneInfo(company_zone), zoneinfo.ZoneInfo(candidate_zone)
    opens = datetime.combine(day, company_hours.start, company_tz)
    closes = datetime.combine(day, company_hours.end, company_tz)
    best: tuple[datetime, datetime] | None = None
    for their_day in sorted({opens.astimezone(candidate_tz).date(), closes.astimezone(candidate_tz).date()}):
        if not candidate_hours.is_business_day(their_day):
            continue
        low = max(opens, datetime.combine(their_day, candidate_hours.start, candidate_tz))
        high = min(closes, datetime.combine(their_day, candidate_hours.end, candidate_tz))
        if high > low and (best is None or high - low > best[1] - best[0]):
            best = (low.astimezone(UTC), high.astimezone(UTC))
    return best


def starts_in(window: tuple[datetime, datetime], length: timedelta) -> list[datetime]:
    """Every half-hour start from the window's opening at which ``length`` still ends inside it."""
    low, high = window
    starts = []
    moment = low
    while moment + length <= high:
        starts.append(moment)
        moment += STEP
    return starts


def pick_slot(
    rng: random.Random,
    day: date,
    *,
    company_zone: str,
    candidate_zone: str,
    lengths: tuple[int, ...],
    company_hours: BusinessHours = DEFAULT_HOURS,
    candidate_hours: BusinessHours = DEFAULT_HOURS,
) -> tuple[datetime, datetime] | None:
    """A round on ``day`` inside both sides' working hours, ``lengths`` minutes long (shortened to fit the
    shared stretch, never under 30 minutes), starting on a half hour; ``None`` when the day has no room."""
    window = shared_window(
        day,
        company_zone=company_zone,
        candidate_zone=candidate_zone,
        company_hours=company_hours,
        candidate_hours=candidate_hours,
    )
    if window is None or window[1] - window[0] < SHORTEST:
        return None
    length = min(timedelta(minutes=rng.choice(lengths)), window[1] - window[0])
    start = rng.choice(starts_in(window, length))
    return start, start + length


@functools.lru_cache(maxsize=256)
def zones_share_a_day(company_zone: str, candidate_zone: str, week_of: date) -> bool:
    """Whether every working day of the week of ``week_of`` gives both sides ``ENOUGH_OVERLAP``."""
    monday = week_of - timedelta(days=week_of.weekday())
    for offset in range(5):
        window = shared_window(
            monday + timedelta(days=offset), company_zone=company_zone, candidate_zone=candidate_zone
        )
        if window is None or window[1] - window[0] < ENOUGH_OVERLAP:
            return False
    return True
