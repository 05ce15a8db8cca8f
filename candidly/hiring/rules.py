"""The 24-hour rule (PRODUCT.md rule 4) as a pure function: no database, no clock of its own.

``hiring.services.interview_status`` reads the agency's notice period from ``AgencySettings`` and passes it
here, so the rule itself can be tested at its boundary without any setup.
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
