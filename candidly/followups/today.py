"""What the recruiter's Today page lists: one query per section, whatever the data size.

Sections: calls due now (only candidates inside their business hours; the others wait, with the time to
call), overdue company feedback, gone-quiet alerts, Update tasks, and what the worker sends in the next
hours. Each list holds at most ``limit`` rows and says whether there are more (one row more is read
instead of a COUNT query). Tasks are the viewer's and the unassigned ones; an admin may ask for the whole
agency's (``everyone=True``), still capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from candidly.accounts.models import AgencySettings, User
from candidly.followups.cadences import STOPPED_INTERVIEW_STATUSES
from candidly.followups.models import Cadence, CadenceRun, Task, Touchpoint
from candidly.followups.services import business_moment
from candidly.hiring.models import Submission
from candidly.lib.db import first_rows

LIMIT = 20
SENDING_WINDOW = timedelta(hours=12)


@dataclass
class Section:
    rows: list[Any] = field(default_factory=list)
    more: bool = False

    @property
    def count(self) -> str:
        return f"{len(self.rows)}+" if self.more else str(len(self.rows))


@dataclass(frozen=True)
class CallRow:
    """A call task and the first moment inside the candidate's business hours (``now`` when it is)."""

    task: Task
    good_from: datetime


@dataclass
class TodayLists:
    calls_now: Section
    calls_later: Section
    overdue_feedback: Section
    gone_quiet: Section
    updates: Section
    sending_soon: Section


def _section(rows: list[Any], limit: int) -> Section:
    return Section(rows=rows[:limit], more=len(rows) > limit)


def _mine(user: User | None) -> Q:
    return Q(assigned_to=user) | Q(assigned_to__isnull=True) if user is not None else Q()


def _their_submissions(user: User | None, prefix: str) -> Q:
    if user is None:
        return Q()
    return Q(**{f"{prefix}recruiter": user}) | Q(**{f"{prefix}recruiter__isnull": True})


def _open_tasks(kind: str, user: User | None) -> Any:
    return Task.objects.filter(_mine(user), kind=kind, status=Task.Status.OPEN)


def today_lists(*, user: User, now: datetime, limit: int = LIMIT, everyone: bool = False) -> TodayLists:
    """The Today page's sections for ``user`` at ``now`` (the whole agency's with ``everyone``): five
    queries, and one for the agency's business hours when there are calls."""
    whose = None if everyone else user
    calls = first_rows(
        _open_tasks(Task.Kind.CALL, whose).filter(due_at__lte=now).order_by("-urgent", "due_at", "pk"),
        2 * limit + 1,
        related=("candidate", "submission__role__company", "interview"),
    )
    # The agency's hours are read only when there is a call to place in them.
    agency = AgencySettings.load() if calls else None
    now_rows: list[CallRow] = []
    later_rows: list[CallRow] = []
    for task in calls:
        # A recruiter is never asked to phone someone at night: those calls wait, showing when to call.
        good_from = business_moment(now, task.candidate, agency=agency) if task.candidate else now
        (now_rows if good_from <= now else later_rows).append(CallRow(task=task, good_from=good_from))
    # Most unanswered runs belong to processes that ended: ``process_open`` (and its index) skips them
    # without a join. The stage test stays: a mark wrongly left true could slow the list, never fill it.
    overdue = first_rows(
        CadenceRun.objects.filter(
            audience=Cadence.Audience.HIRING_MANAGER,
            responded_at__isnull=True,
            process_open=True,
            respond_by__lt=now,
            interview__submission__stage__in=Submission.OPEN_STAGES,
        )
        .filter(_their_submissions(whose, "interview__submission__"))
        .exclude(interview__status__in=STOPPED_INTERVIEW_STATUSES)
        .order_by("respond_by", "pk"),
        limit + 1,
        related=("contact__company", "interview__submission__candidate", "interview__submission__role"),
    )
    quiet = first_rows(
        _open_tasks(Task.Kind.GONE_QUIET, whose).order_by("due_at", "pk"),
        limit + 1,
        related=("candidate", "submission__role__company"),
    )
    updates = first_rows(
        _open_tasks(Task.Kind.UPDATE_CANDIDATE, whose).order_by("due_at", "pk"),
        limit + 1,
        related=("candidate", "submission__role__company"),
    )
    sending = first_rows(
        Touchpoint.objects.filter(
            status=Touchpoint.Status.PLANNED,
            due_at__gt=now,
            due_at__lte=now + SENDING_WINDOW,
            channel__in=Touchpoint.MESSAGE_CHANNELS,
        )
        .filter(_their_submissions(whose, "submission__"))
        .order_by("due_at", "pk"),
        limit + 1,
        related=("candidate", "contact__company", "submission__role__company"),
    )
    return TodayLists(
        calls_now=_section(now_rows, limit),
        calls_later=_section(later_rows, limit),
        overdue_feedback=_section(overdue, limit),
        gone_quiet=_section(quiet, limit),
        updates=_section(updates, limit),
        sending_soon=_section(sending, limit),
    )
