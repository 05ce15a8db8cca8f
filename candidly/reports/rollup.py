"""Keeping the reports' daily rollup (``reports.models``) equal to the records, incrementally.

The unit of work is a **cell**: one local day of one role. Recomputing a set of days for a set of roles
deletes their rows and inserts them again with one ``INSERT … SELECT`` per figure, grouped by the database
(no row goes through Python). What makes a cell stale:

- a new Event about a candidate's process (any kind that a figure reads or that changes a process):
  every day on which one of that candidate's processes counts is recomputed. That covers an Event for an
  old day (a response recorded late, an outcome corrected weeks later: the correction moves the original
  day's count), a withdrawal whose candidate is placed later through a suggestion, a reassignment;
- time passing: a hiring manager's feedback window that ended since the last refresh becomes overdue with
  no Event at all, so the cells of windows ending between two refreshes are recomputed.

Events are read by id from a watermark, in bounded windows; the last ``OVERLAP_IDS`` ids are read again each
time, because an id is taken when a transaction inserts but seen only once it commits (a longer transaction
than that overlap could slip past: ``rebuild_report_rollup`` rebuilds everything). One refresher at a time:
the state row is locked, a second worker skips the pass.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Field,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate

from candidly.followups.models import CadenceRun, Feedback
from candidly.followups.responsiveness import overdue_runs
from candidly.hiring.models import RoleSuggestion, Submission
from candidly.hiring.queries import responsible_recruiter_id
from candidly.reports import facts
from candidly.reports.models import DailyFigure, ResponseTime, RollupState
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

logger = logging.getLogger(__name__)

# Event ids read per window, and windows per refresh: a refresh is bounded however far behind it is.
WINDOW_IDS = 20_000
WINDOWS_PER_REFRESH = 5
OVERLAP_IDS = 500
# Events that change a figure or a process's dimensions (who, which role): they make cells stale.
STALE_KINDS: tuple[str, ...] = (
    *facts.COUNTED_KINDS,
    EventKind.INTERVIEW_OUTCOME_CORRECTED,
    EventKind.SUBMISSION_CREATED,
    EventKind.SUBMISSION_STAGE_CHANGED,
    EventKind.SUBMISSION_WITHDRAWN,
    EventKind.SUBMISSION_REJECTED,
    EventKind.SUBMISSION_GONE_QUIET_CLEARED,
    EventKind.CANDIDATE_UPDATED,
    EventKind.CANDIDATE_ROLES_SUGGESTED,
    EventKind.ROLE_INTEREST_EXPRESSED,
    EventKind.FEEDBACK_GIVEN,
    EventKind.FEEDBACK_CORRECTED,
    EventKind.INTERVIEW_CANCELLED_BY_COMPANY,
)
FIGURE_COLUMNS = [
    "day",
    "recruiter",
    "company",
    "manager",
    "role",
    "contact",
    "contact_company",
    "metric",
    "detail",
    "value",
]
TIME_COLUMNS = [
    "day",
    "recruiter",
    "company",
    "manager",
    "role",
    "contact",
    "contact_company",
    "kind",
    "seconds",
    "within_window",
]


def reporting_zone() -> zoneinfo.ZoneInfo:
    """The zone whose local days the reports count in: the agency's (``CANDIDLY_DEFAULT_TIME_ZONE``), the
    same for every viewer, so two recruiters in two zones read the same week."""
    return zoneinfo.ZoneInfo(settings.CANDIDLY_DEFAULT_TIME_ZONE)


@dataclass(frozen=True)
class Cells:
    """Days x roles to recompute (a superset of the stale cells is harmless: recomputing is exact)."""

    days: frozenset[date] = frozenset()
    roles: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.days and self.roles)


@dataclass
class RefreshReport:
    events_read: int = 0
    cells: int = 0
    rebuilt: bool = False
    skipped: bool = False
    behind: bool = False
    days: set[date] = field(default_factory=set)


# --- the figures, as INSERT … SELECT ----------------------------------------------------------------------


def _null() -> Value:
    return Value(None, output_field=IntegerField())


def _dims(prefix: str, *, contact: str | None = None) -> dict[str, Any]:
    """The dimension columns, in FIGURE_COLUMNS' order (after ``day``), from a process reached by
    ``prefix``; ``contact`` is the model's own contact/company pair (``""`` from an Event) or None."""
    return {
        "r_recruiter": responsible_recruiter_id(prefix=prefix),
        "r_company": F(f"{prefix}role__company_id"),
        "r_manager": F(f"{prefix}role__hiring_manager_id"),
        "r_role": F(f"{prefix}role_id"),
        "r_contact": F(f"{contact}contact_id") if contact is not None else _null(),
        "r_contact_company": F(f"{contact}company_id") if contact is not None else _null(),
    }


def _within(cells: Cells | None, day_field: str, role_field: str, zone: zoneinfo.ZoneInfo) -> Q:
    """The rows of ``cells`` (all rows when None): the moments of those local days, on those roles."""
    if cells is None:
        return Q()
    first, last = min(cells.days), max(cells.days)
    return Q(
        **{
            f"{day_field}__gte": datetime.combine(first, time.min, tzinfo=zone),
            f"{day_field}__lt": datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
            f"{role_field}__in": sorted(cells.roles),
            "r_day__in": sorted(cells.days),
        }
    )


def _grouped(rows: QuerySet, metric: Any, detail: Any, value: Any) -> QuerySet:  # type: ignore[type-arg]
    names = ["r_day", *(f"r_{name}" for name in FIGURE_COLUMNS[1:7])]
    return (
        rows.annotate(r_metric=metric, r_detail=detail)
        .values(*names, "r_metric", "r_detail")
        .annotate(r_value=value)
        .values_list(*names, "r_metric", "r_detail", "r_value")
        .order_by()
    )


def _figure_queries(cells: Cells | None, zone: zoneinfo.ZoneInfo, now: datetime) -> list[QuerySet]:  # type: ignore[type-arg]
    day = {"r_day": TruncDate("occurred_at", tzinfo=zone)}
    events = Event.objects.filter(submission__isnull=False)
    empty = Value("", output_field=CharField())
    outcomes = events.filter(kind__in=facts.OUTCOME_KINDS).annotate(**day, **_dims("submission__"))
    quiet = events.filter(kind__in=facts.CANDIDATE_SILENCE_KINDS).annotate(**day, **_dims("submission__"))
    escalated = events.filter(kind__in=facts.ESCALATION_KINDS).annotate(
        **day, **_dims("submission__", contact="")
    )
    responses = events.filter(kind__in=facts.RESPONSE_KINDS).annotate(**day, **_dims("submission__"))
    within = _within(cells, "occurred_at", "submission__role_id", zone)

    runs = overdue_runs(now=now).annotate(
        r_day=TruncDate("respond_by", tzinfo=zone), **_dims("interview__submission__")
    )
    ended = facts.with_missed(
        Submission.objects.filter(ended_at__isnull=False).annotate(
            r_day=TruncDate("ended_at", tzinfo=zone), **_dims("")
        )
    )
    ended_within = _within(cells, "ended_at", "role_id", zone)
    withdrawn = ended.filter(ended_within, stage=Submission.Stage.WITHDRAWN).annotate(**_where_they_went())
    reason = F("end_reason")
    scores = Feedback.objects.filter(candidate__isnull=False, recommend_score__isnull=False).annotate(
        r_day=TruncDate("created_at", tzinfo=zone), **_dims("interview__submission__")
    )
    counted = Count("pk")
    return [
        _grouped(outcomes.filter(within), facts.outcome_kind(), empty, counted),
        _grouped(quiet.filter(within), F("kind"), empty, counted),
        _grouped(escalated.filter(within), F("kind"), empty, counted),
        _grouped(
            responses.filter(within),
            F("kind"),
            Concat(
                Coalesce(KT("data__after_step"), empty, output_field=CharField()),
                Value("|"),
                Coalesce(KT("data__channel"), empty, output_field=CharField()),
                output_field=CharField(),
            ),
            counted,
        ),
        _grouped(
            runs.filter(_within(cells, "respond_by", "interview__submission__role_id", zone)),
            Value("feedback_overdue"),
            empty,
            counted,
        ),
        _grouped(ended.filter(ended_within), Value("ended"), empty, counted),
        _grouped(
            ended.filter(ended_within).filter(facts.silent_ending()), Value("ended_silent"), empty, counted
        ),
        *(
            _grouped(withdrawn.filter(condition), Value(metric), reason, counted)
            for metric, condition in WITHDRAWAL_METRICS.items()
        ),
        _grouped(
            scores.filter(_within(cells, "created_at", "interview__submission__role_id", zone)),
            Value("recommend"),
            Cast("recommend_score", CharField()),
            counted,
        ),
    ]


def _where_they_went() -> dict[str, Any]:
    suggested = RoleSuggestion.objects.filter(after_submission=OuterRef("pk"), sent_at__isnull=False)
    placed = RoleSuggestion.objects.filter(
        after_submission=OuterRef("pk"),
        role__submissions__candidate=OuterRef("candidate"),
        role__submissions__stage=Submission.Stage.PLACED,
    )
    return {
        "was_suggested": Exists(suggested),
        "was_interested": Exists(suggested.filter(interested_at__isnull=False)),
        "was_placed": Exists(placed),
    }


WITHDRAWAL_METRICS: dict[str, Q] = {
    "withdrawn": Q(),
    "withdrawn_open": Q(open_to_other_roles=True),
    "withdrawn_sent": Q(was_suggested=True),
    "withdrawn_interested": Q(was_interested=True),
    "withdrawn_placed": Q(was_placed=True),
}


def _time_query(cells: Cells | None, zone: zoneinfo.ZoneInfo) -> QuerySet:  # type: ignore[type-arg]
    seconds = Cast(KT("data__response_seconds"), FloatField())
    return (
        Event.objects.filter(submission__isnull=False, kind__in=facts.RESPONSE_KINDS)
        .annotate(r_day=TruncDate("occurred_at", tzinfo=zone), **_dims("submission__", contact=""))
        .filter(_within(cells, "occurred_at", "submission__role_id", zone))
        .alias(r_raw=seconds)
        .annotate(
            r_kind=F("kind"),
            r_seconds=Case(When(Q(r_raw__gte=0), then=F("r_raw")), default=None, output_field=FloatField()),
            r_within=Case(
                When(Q(data__within_window=True), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list(
            "r_day",
            *(f"r_{name}" for name in TIME_COLUMNS[1:7]),
            "r_kind",
            "r_seconds",
            "r_within",
        )
        .order_by()
    )


def _insert(target: type[Model], columns: list[str], rows: QuerySet) -> int:  # type: ignore[type-arg]
    """``INSERT INTO target (columns) SELECT …``: the rows never leave the database."""
    sql, params = rows.query.sql_with_params()
    meta = target._meta
    fields = [meta.get_field(name) for name in columns]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields if isinstance(field, Field))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) {sql}", params)
        return max(cursor.rowcount, 0)


def recompute(cells: Cells | None, *, zone: zoneinfo.ZoneInfo, now: datetime) -> int:
    """Replace the rollup's rows of ``cells`` (everything when None) with figures computed from the
    records as of ``now``. Call inside a transaction. Returns the rows written."""
    if cells is not None and not cells:
        return 0
    for model in (DailyFigure, ResponseTime):
        stale = model.objects.all()
        if cells is not None:
            stale = stale.filter(day__in=sorted(cells.days), role_id__in=sorted(cells.roles))
        stale._raw_delete(stale.db)  # type: ignore[attr-defined]  # derived rows: no signals, no cascade
    written = sum(_insert(DailyFigure, FIGURE_COLUMNS, query) for query in _figure_queries(cells, zone, now))
    return written + _insert(ResponseTime, TIME_COLUMNS, _time_query(cells, zone))


# --- what is stale --------------------------------------------------------------------------------------


def _local_days(moments: Iterable[datetime | None], zone: zoneinfo.ZoneInfo) -> set[date]:
    return {moment.astimezone(zone).date() for moment in moments if moment is not None}


def stale_cells(candidate_ids: set[int], zone: zoneinfo.ZoneInfo) -> Cells:
    """Every (day, role) on which a process of these candidates counts. Four queries."""
    if not candidate_ids:
        return Cells()
    processes = Submission.objects.filter(candidate_id__in=sorted(candidate_ids))
    pairs = list(processes.values_list("role_id", "ended_at"))
    roles = {role for role, _ in pairs}
    days = _local_days((ended for _, ended in pairs), zone)
    days |= _local_days(
        Event.objects.filter(
            submission__candidate_id__in=sorted(candidate_ids), kind__in=facts.COUNTED_KINDS
        ).values_list("occurred_at", flat=True),
        zone,
    )
    on_interviews = {"interview__submission__candidate_id__in": sorted(candidate_ids)}
    days |= _local_days(
        CadenceRun.objects.filter(**on_interviews, respond_by__isnull=False).values_list(
            "respond_by", flat=True
        ),
        zone,
    )
    days |= _local_days(Feedback.objects.filter(**on_interviews).values_list("created_at", flat=True), zone)
    return Cells(frozenset(days), frozenset(roles))


def _windows_ended(since: datetime, now: datetime, zone: zoneinfo.ZoneInfo) -> Cells:
    """The cells of hiring-manager feedback windows that ended in ``(since, now]``: overdue since."""
    ended = CadenceRun.objects.filter(
        audience="hiring_manager", respond_by__gt=since, respond_by__lte=now
    ).values_list("respond_by", "interview__submission__role_id")
    pairs = list(ended)
    return Cells(frozenset(_local_days((at for at, _ in pairs), zone)), frozenset(role for _, role in pairs))


# --- the two entry points ----------------------------------------------------------------------------------


def rebuild_rollup(*, now: datetime) -> int:
    """Rebuild the whole rollup from the records, in the reporting zone, as of ``now``; one transaction
    (pages read the old figures until it commits). Returns the rows written."""
    zone = reporting_zone()
    with transaction.atomic():
        last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        state, _ = RollupState.objects.select_for_update().get_or_create(
            id=1, defaults={"zone": zone.key, "refreshed_at": now}
        )
        written = recompute(None, zone=zone, now=now)
        state.zone, state.event_id, state.refreshed_at = zone.key, last, now
        state.save()
    logger.info("report rollup rebuilt: %s rows, events up to id %s", written, last)
    return written


def refresh_rollup(*, now: datetime) -> RefreshReport:
    """Bring the rollup up to date with the Events written since the last refresh and with the feedback
    windows that ended since (one periodic check of the worker).

    Bounded: at most ``WINDOWS_PER_REFRESH`` windows of ``WINDOW_IDS`` Event ids, each its own transaction
    (``behind`` says more remain for the next pass). Without a state row, or when the reporting zone
    changed, the rollup is rebuilt. Another worker refreshing at the same moment makes this one skip.
    """
    report = RefreshReport()
    zone = reporting_zone()
    state = RollupState.objects.filter(id=1).first()
    if state is None or state.zone != zone.key:
        rebuild_rollup(now=now)
        report.rebuilt = True
        return report
    for _ in range(WINDOWS_PER_REFRESH):
        with transaction.atomic():
            state = RollupState.objects.select_for_update(skip_locked=True).filter(id=1).first()
            if state is None:
                report.skipped = True
                return report
            newest = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            upper = min(newest, state.event_id + WINDOW_IDS)
            touched = Event.objects.filter(
                pk__gt=max(state.event_id - OVERLAP_IDS, 0), pk__lte=upper, kind__in=STALE_KINDS
            ).values_list("candidate_id", flat=True)
            candidates = {pk for pk in touched if pk is not None}
            report.events_read += len(candidates)
            cells = stale_cells(candidates, zone)
            windows = _windows_ended(state.refreshed_at, now, zone)
            for part in (cells, windows):
                recompute(part, zone=zone, now=now)
                report.cells += len(part.days) * len(part.roles)
                report.days |= part.days
            state.event_id, state.refreshed_at = upper, now
            state.save(update_fields=["event_id", "refreshed_at"])
            if upper >= newest:
                return report
    report.behind = True
    return report


def rollup_as_of(zone: zoneinfo.ZoneInfo) -> datetime | None:
    """When the rollup was last brought up to date, if it is built in ``zone`` (else None: read the
    records directly). One query."""
    state = RollupState.objects.filter(id=1).values_list("zone", "refreshed_at").first()
    if state is None or state[0] != zone.key:
        return None
    return state[1]
