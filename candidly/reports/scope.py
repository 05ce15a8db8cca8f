"""What a report is about: a date range in the viewer's zone, its periods (weeks or months), and filters.

Every report reads through a :class:`Scope`, so "whose desk" and "which period" mean the same on every page:

- the range is whole local days, ``start`` to ``end`` inclusive, in the viewer's time zone; a day is 23 or 25
  hours long when the clocks change, and a row belongs to the local week or month it happened in;
- the desk filter is the responsible recruiter (``hiring.queries.responsible_recruiter_is``, the same rule as
  ``Submission.responsible_recruiter``); :func:`desk_for` decides whose desk a viewer may see;
- company, hiring manager and role narrow to the processes of that company, manager or role.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import DateTimeField, Q
from django.db.models.functions import Trunc

from candidly.accounts.models import User
from candidly.hiring.models import Role
from candidly.hiring.queries import responsible_recruiter_is
from candidly.people.models import Company, Contact

# The longest range a page reads: two years of weeks is about a hundred rows.
MAX_DAYS = 731
DEFAULT_DAYS = 91


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


def period_first(day: date, period: Period) -> date:
    """The first day of the local week (its Monday) or month holding ``day``."""
    if period == Period.MONTH:
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def period_last(first: date, period: Period) -> date:
    """The last day of the week (month) that starts on ``first``."""
    if period == Period.MONTH:
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first + timedelta(days=6)


def whole_periods(start: date, end: date, period: Period) -> tuple[date, date] | None:
    """The first and last starts of the weeks (months) lying wholly between ``start`` and ``end``; None when
    none does."""
    first = period_first(start, period)
    if first < start:
        first = period_last(first, period) + timedelta(days=1)
    last = period_first(end, period)
    if period_last(last, period) > end:
        last = period_first(last - timedelta(days=1), period)
    return (first, last) if first <= last else None


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    zone: zoneinfo.ZoneInfo
    period: Period = Period.WEEK
    recruiter: User | None = None
    company: Company | None = None
    manager: Contact | None = None
    role: Role | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A report's range ends on or after its start.")
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValueError(f"A report covers at most {MAX_DAYS} days.")

    # -- the range ------------------------------------------------------------------------------------

    @property
    def starts_at(self) -> datetime:
        """The first instant of ``start`` in the viewer's zone."""
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def ends_at(self) -> datetime:
        """The first instant after ``end`` (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    def during(self, field: str) -> Q:
        """``field`` (an aware datetime column) inside the range."""
        return Q(**{f"{field}__gte": self.starts_at, f"{field}__lt": self.ends_at})

    # -- periods --------------------------------------------------------------------------------------

    def truncate(self, field: str) -> Trunc:
        """The database expression giving the local week (Monday) or month a moment belongs to."""
        return Trunc(field, str(self.period), output_field=DateTimeField(), tzinfo=self.zone)

    def period_of(self, value: datetime | date) -> date:
        """The first local day of the period a truncated value (or a moment) stands for."""
        day = value.astimezone(self.zone).date() if isinstance(value, datetime) else value
        return period_first(day, self.period)

    def periods(self) -> list[date]:
        """Every period the range touches, in order, also those with no rows (a chart shows the gap)."""
        first, last = self.period_of(self.start), self.period_of(self.end)
        found = []
        current = first
        while current <= last:
            found.append(current)
            if self.period == Period.MONTH:
                current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
            else:
                current += timedelta(days=7)
        return found

    def label(self, period: date) -> str:
        """``"Week of 30 Mar 2026"`` / ``"Mar 2026"``."""
        if self.period == Period.MONTH:
            return f"{period:%b %Y}"
        return f"Week of {period.day} {period:%b %Y}"

    def short_label(self, period: date) -> str:
        """``"30 Mar"`` / ``"Mar 2026"``: a chart axis's label."""
        if self.period == Period.MONTH:
            return f"{period:%b %Y}"
        return f"{period.day} {period:%b}"

    # -- filters --------------------------------------------------------------------------------------

    def processes(self, prefix: str = "") -> Q:
        """The filters as a condition on submissions; ``prefix`` reaches the submission from another model
        (``"submission__"`` from an Event, ``"interview__submission__"`` from Feedback)."""
        condition = Q()
        if self.recruiter is not None:
            condition &= responsible_recruiter_is(self.recruiter.pk, prefix=prefix)
        if self.company is not None:
            condition &= Q(**{f"{prefix}role__company_id": self.company.pk})
        if self.manager is not None:
            condition &= Q(**{f"{prefix}role__hiring_manager_id": self.manager.pk})
        if self.role is not None:
            condition &= Q(**{f"{prefix}role_id": self.role.pk})
        return condition

    @property
    def is_whole_agency(self) -> bool:
        return self.recruiter is None


def desk_for(viewer: User, requested: User | None) -> User | None:
    """Whose desk ``viewer`` sees: an admin the recruiter they asked for, or the whole agency (``None``);
    anyone else only their own desk, whatever they asked for."""
    if viewer.is_admin:
        return requested
    return viewer


def default_range(today: date) -> tuple[date, date]:
    """The last ``DEFAULT_DAYS`` days up to ``today``, from a Monday (whole weeks)."""
    start = today - timedelta(days=DEFAULT_DAYS - 1)
    return start - timedelta(days=start.weekday()), today
