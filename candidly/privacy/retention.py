"""Retention: candidates nobody has heard from or about for ``retention_months`` are erased by the worker.

"No activity" means no Event about them (every message, answer, change and call is one) since the cutoff and
no open process. The admin sets the months, reads the dry run (:func:`dry_run`, the retention page), and only
then turns the rule on (``AgencySettings.retention_active``); each worker's periodic checks call
:func:`apply_retention`, which at most once an hour across all workers erases the candidates the dry run
lists, each in its own transaction with its own ``candidate.erased`` Event.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from candidly.accounts.models import AgencySettings, User
from candidly.accounts.services import AgencySettingsChanges, update_agency_settings
from candidly.hiring.models import Submission
from candidly.people.models import Candidate
from candidly.privacy.erasure import ErasureRefused, erase_candidate
from candidly.privacy.models import KeptRecord
from candidly.timeline.models import Event

logger = logging.getLogger("candidly.privacy")

# Erasures per pass: a pass stays short; a longer list carries on at the next pass.
RETENTION_BATCH = 100
RETENTION_EVERY = timedelta(hours=1)
# Rows the dry-run page shows (the count covers them all).
DRY_RUN_SHOWN = 100


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when it is shorter)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def due_for_erasure(*, now: datetime, months: int) -> QuerySet[Candidate]:
    """Candidates not erased, on file since before the cutoff, with no Event since it and no open process;
    oldest first."""
    cutoff = months_before(now, months)
    recent = Event.objects.filter(candidate=OuterRef("pk"), occurred_at__gte=cutoff)
    open_process = Submission.objects.filter(candidate=OuterRef("pk"), stage__in=Submission.OPEN_STAGES)
    return (
        Candidate.objects.filter(erased_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(recent))
        .exclude(Exists(open_process))
        .order_by("pk")
    )


@dataclass
class DryRun:
    months: int | None
    active: bool
    cutoff: datetime | None
    total: int
    shown: list[Candidate]


def dry_run(*, now: datetime, months: int | None = None) -> DryRun:
    """Who the rule would erase now: the count and the first ``DRY_RUN_SHOWN`` (two queries; none without
    months). ``months`` defaults to the agency's setting."""
    row = AgencySettings.load()
    months = months if months is not None else row.retention_months
    if not months:
        return DryRun(months=None, active=row.retention_active, cutoff=None, total=0, shown=[])
    due = due_for_erasure(now=now, months=months)
    return DryRun(
        months=months,
        active=row.retention_active,
        cutoff=months_before(now, months),
        total=due.count(),
        shown=list(due[:DRY_RUN_SHOWN]),
    )


def save_retention(*, months: int | None, active: bool, actor: User) -> list[str]:
    """Change the rule through the agency settings' service (an ``agency.settings_changed`` Event, on the
    audit trail); returns what changed. A change gives back the hour's claim, so the next worker pass applies
    the rule as the dry run shows it now. Raises what ``update_agency_settings`` raises."""
    with transaction.atomic():
        changed = update_agency_settings(
            changes=AgencySettingsChanges(retention_months=months, retention_active=active), actor=actor
        )
        if changed:
            AgencySettings.objects.filter(pk=1).update(retention_checked_at=None)
    return changed


def apply_retention(*, now: datetime) -> int:
    """Erase up to ``RETENTION_BATCH`` candidates the rule lists, if an admin turned it on; returns how many.

    Deletes kept records whose time has passed. When the rule is on, claims the hour with a conditional
    UPDATE first, so among several workers one pass an hour does the work; a full batch gives the claim back
    so the next pass carries on. A candidate whose process reopened meanwhile is left alone
    (``ErasureRefused``, logged).
    """
    KeptRecord.objects.filter(kept_until__lte=now).delete()
    row = AgencySettings.load()
    if not (row.retention_active and row.retention_months):
        return 0
    claimed = (
        AgencySettings.objects.filter(pk=1)
        .filter(Q(retention_checked_at__isnull=True) | Q(retention_checked_at__lte=now - RETENTION_EVERY))
        .update(retention_checked_at=now)
    )
    if not claimed:
        return 0
    due = list(due_for_erasure(now=now, months=row.retention_months)[:RETENTION_BATCH])
    erased = 0
    for candidate in due:
        try:
            erase_candidate(candidate, actor=None, now=now, via="retention")
        except ErasureRefused as exc:
            logger.info("Retention left candidate #%s alone: %s", candidate.pk, exc)
            continue
        erased += 1
    if len(due) == RETENTION_BATCH:
        AgencySettings.objects.filter(pk=1).update(retention_checked_at=None)
    return erased
