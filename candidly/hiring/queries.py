"""Reads about interviews used by several pages (Today, the interview list, people pages)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from candidly.hiring.models import Interview


def interviews_with_people() -> QuerySet[Interview]:
    """Interviews with their candidate, role and company loaded in the same query (for lists)."""
    return Interview.objects.select_related(
        "submission__candidate", "submission__role__company", "submission__role__hiring_manager"
    )


def local_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The aware start and end of ``day`` in ``zone``: 23 or 25 hours long on DST days.

    Midnight itself can fall in a DST gap in a few zones; ``fold=0`` then resolves to the instant the
    day actually starts, which is what a day filter needs.
    """
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def interviews_on_day(day: date, zone: str) -> QuerySet[Interview]:
    """Interviews starting on ``day`` as the calendar runs in ``zone`` (the viewer's), earliest first."""
    start, end = local_day_bounds(day, zone)
    return (
        interviews_with_people().filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "pk")
    )


def unmarked_interviews(now: datetime) -> QuerySet[Interview]:
    """Interviews over by ``now`` that still say scheduled or confirmed: nobody recorded what happened."""
    return (
        interviews_with_people()
        .filter(ends_at__lte=now, status__in=Interview.UPCOMING_STATUSES)
        .order_by("ends_at", "pk")
    )
