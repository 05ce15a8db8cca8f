"""The Reports section: one page per report (filters, charts, tables) and each table as CSV.

Login is required (LoginRequiredMiddleware). Admins see the whole agency or a recruiter's desk; a recruiter
only their own (``scope.desk_for``). "The desk today" is for admins only. Each page runs a fixed number of
queries: the staff list, one per company/manager/role filter given, and the report's own (see its builder).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidly.accounts.models import User
from candidly.accounts.permissions import require_admin
from candidly.lib.csvcells import csv_lines
from candidly.reports import queries
from candidly.reports.forms import ReportFilterForm
from candidly.reports.scope import Scope
from candidly.reports.tables import Report


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    summary: str
    build: Callable[..., Report]
    admin_only: bool = False
    dated: bool = True


CATALOG: dict[str, Entry] = {
    entry.slug: entry
    for entry in (
        Entry(
            "ghosting",
            "Ghosting, both sides",
            "Who went dark, per 100 interviews, and how processes ended.",
            lambda scope, now, users: queries.ghosting(scope, now=now),
        ),
        Entry(
            "time-to-answer",
            "Time to answer",
            "Candidates' and hiring managers' median time to answer.",
            lambda scope, now, users: queries.time_to_answer(scope, now=now),
        ),
        Entry(
            "follow-ups",
            "Which follow-up works",
            "Responses per cadence step and per channel.",
            lambda scope, now, users: queries.follow_up_steps(scope, now=now),
        ),
        Entry(
            "experience",
            "Candidate experience score",
            "cNPS over time and per recruiter, with comments.",
            lambda scope, now, users: queries.experience(scope, now=now, users=users),
        ),
        Entry(
            "withdrawals",
            "Withdrawals and where they went",
            "Reasons, and placements through suggestions.",
            lambda scope, now, users: queries.withdrawals(scope, now=now),
        ),
        Entry(
            "desk",
            "The desk today",
            "Open processes, overdue tasks and calls not made, per recruiter.",
            lambda scope, now, users: queries.desk_today(scope, now=now, users=users),
            admin_only=True,
            dated=False,
        ),
    )
}


def _viewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware turned anonymous visitors away
    return request.user


def _entries(viewer: User) -> list[Entry]:
    return [entry for entry in CATALOG.values() if viewer.is_admin or not entry.admin_only]


def _build(request: HttpRequest, slug: str) -> tuple[Entry, Report, ReportFilterForm, Scope]:
    viewer = _viewer(request)
    entry = CATALOG.get(slug)
    if entry is None:
        raise Http404("No such report.")
    if entry.admin_only:
        require_admin(request)
    now = timezone.now()
    users = {
        user.pk: user for user in User.objects.filter(is_active=True).order_by("first_name", "last_name")
    }
    form = ReportFilterForm(request.GET or None, viewer=viewer, users=users, today=timezone.localdate(now))
    zone = timezone.get_current_timezone()
    assert isinstance(zone, zoneinfo.ZoneInfo)
    scope = form.scope(zone)
    return entry, entry.build(scope, now, users), form, scope


@require_safe
def report_index(request: HttpRequest) -> HttpResponse:
    """The section's front page: the reports this viewer may open."""
    return render(request, "reports/index.html", {"entries": _entries(_viewer(request))})


@require_safe
def report(request: HttpRequest, slug: str) -> HttpResponse:
    entry, built, form, scope = _build(request, slug)
    query = request.GET.copy()
    filters: list[dict[str, Any]] = []
    for name, value in (("company", scope.company), ("manager", scope.manager), ("role", scope.role)):
        if value is not None:
            rest = query.copy()
            rest.pop(name, None)
            filters.append({"label": f"{name.capitalize()}: {value}", "remove": rest.urlencode()})
    context = {
        "entry": entry,
        "entries": _entries(_viewer(request)),
        "report": built,
        "form": form,
        "scope": scope,
        "query": query.urlencode(),
        "filters": filters,
    }
    return render(request, "reports/report.html", context)


@require_safe
def report_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    """One table of a report as CSV: the same header, rows and totals as the page shows."""
    entry, built, _, scope = _build(request, slug)
    found = built.table(table)
    if found is None:
        raise Http404("No such table.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{entry.slug}-{found.slug}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Cells carry names people typed (a company, a recruiter): made safe for spreadsheets like every export.
    response.writelines(csv_lines(found.csv_rows()))
    return response
