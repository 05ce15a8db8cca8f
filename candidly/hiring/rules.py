"""The 24-hour rule (PRODUCT.md rule 4) as a pure function: no database, no clock of its own; and the
window of days an interview may be booked on.

``hiring.services.interview_status`` reads the agency's notice period from ``AgencySettings`` and passes it
here, so the rule itself can be tested at its boundary without any setup.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from django.db import models
from django.utils import timezone

DEFAULT_NOTICE = timedelta(hours=24)


class CancellationTiming(StrEnum):
    """How a cancellation asked for at a given moment counts."""

    WITH_NOTICE = "with_notice"
    LATE = "late"
    STARTED = "started"


def classify_cancellation(
    *, starts_at: datetime, now: datetime, notice: timedelta = DEFAULT_NOTICE
) -> CancellationTiming:
    """Apply the rule to an interview starting at ``starts_at`` cancelled at ``now``.

    ``starts_at - now >= notice`` is *with notice*: exactly 24 h 00 min 00 s before counts, one second less
    is *late*. From the start itself on it is too late to cancel: *started*. Raises ``ValueError`` for naive
    datetimes (comparing them would silently assume a zone).
    """
    if timezone.is_naive(starts_at) or timezone.is_naive(now):
        raise ValueError("classify_cancellation needs aware datetimes.")
    if now >= starts_at:
        return CancellationTiming.STARTED
    if starts_at - now >= notice:
        return CancellationTiming.WITH_NOTICE
    return CancellationTiming.LATE


class CancellationReason(models.TextChoices):
    """Why the candidate cannot make it (the public page asks; a recruiter picks it on their behalf)."""

    RESCHEDULE = "reschedule", "Would like another time"
    NOT_INTERESTED = "not_interested", "No longer interested in the role"


class FollowUpPlan(StrEnum):
    """What the follow-ups engine plans after an outcome is marked (``InterviewOutcome.follow_up``)."""

    # Completed: the post-interview cadences (PRODUCT.md rule 1) for candidate and hiring manager.
    FOLLOW_UP_CADENCE = "follow_up_cadence"
    # No-show: no cadence, a single "we missed you — is everything all right?" message instead.
    MISSED_YOU = "missed_you"


# Interviews are booked from 2000 (old processes can be recorded) to five years ahead: a date beyond that is a
# typo, and year 9999 breaks the calendar invite and the worker's arithmetic.
EARLIEST_INTERVIEW_DAY = date(2000, 1, 1)
INTERVIEW_YEARS_AHEAD = 5
INTERVIEW_WINDOW_HELP = "From 1 January 2000 to five years from today."


def interview_day_window(today: date) -> tuple[date, date]:
    """The first and last day (both included) an interview may be on, seen from ``today``."""
    year = today.year + INTERVIEW_YEARS_AHEAD
    # 29 February five years on is 28 February.
    latest = today.replace(year=year) if (today.month, today.day) != (2, 29) else date(year, 2, 28)
    return EARLIEST_INTERVIEW_DAY, latest


def outside_interview_window(day: date, *, today: date) -> str:
    """Why ``day`` cannot hold an interview (empty when it can), in the words the form shows."""
    first, last = interview_day_window(today)
    if first <= day <= last:
        return ""
    return f"Pick a date between {first.day} {first:%B %Y} and {last.day} {last:%B %Y}."
