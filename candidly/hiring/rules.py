"""The 24-hour rule (PRODUCT.md rule 4) as a pure function: no database, no clock of its own.

The services in ``hiring/services.py`` read the agency's notice period from ``AgencySettings`` and pass it
here, so the rule itself can be tested at its boundary without any setup.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

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
