"""Keeping the reports' daily rollup (``reports.models``) equal to the records, incrementally.

The unit of work is a **cell**: one local day of one role. Recomputing a set of cells deletes their rows and
inserts them again with one ``INSERT … SELECT`` per figure, grouped by the database
(no row goes through Python). What makes a cell stale:

- a new Event about a process (any kind that a figure reads or that changes a process): every day on which
  that process counts is recomputed, for its role. That covers an Event for an old day (a response recorded
  late, an outcome corrected weeks later: the correction moves the original day's count). Some kinds make
  all the candidate's processes stale (``WHOLE_CANDIDATE_KINDS``: a reassignment, a placement through a
  suggestion that changes where an earlier withdrawal went);
- time passing: a hiring manager's feedback window that ended since the last refresh becomes overdue with
  no Event at all, so the cells of windows ending between two refreshes are recomputed.

Events are read by id from a watermark, in bounded windows. An id is taken when a transaction inserts but
seen only once it commits, so a window can have holes: ids of transactions still running (or rolled back).
The holes are remembered (``RollupState.pending``) and looked up by id on every pass until their Event
appears, however many ids later it commits; a hole still empty after ``GAP_PATIENCE`` was a rollback and
is forgotten. (Sequences hand ids out in order, so an id above the newest committed one is never a hole.)
One refresher at a time: the state row is locked, a second worker skips the pass.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Field,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, Floor, Trunc, TruncDate

from candidly.followups.models import CadenceRun, Feedback
from candidly.followups.responsiveness import overdue_runs
from candidly.hiring.models import RoleSuggestion, Submission
from candidly.hiring.queries import responsible_recruiter_id
from candidly.reports import facts
from candidly.reports.models import DailyFigure, OpenProcess, ResponseTime, RollupState, SharedComment
from candidly.reports.scope import Period, period_first, period_last
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

logger = logging.getLogger(__name__)

# Event ids read per window, and windows per refresh: a refresh is bounded however far behind it is.
WINDOW_IDS = 20_000
WINDOWS_PER_REFRESH = 5
# How long an id read as a hole is looked for: a transaction open longer than this is not waited for
# (``rebuild_report_rollup`` counts it), and at most MAX_PENDING holes are kept (the oldest go first).
GAP_PATIENCE = timedelta(hours=6)
MAX_PENDING = 5_000
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
    EventKind.CANDIDATE_ERASED,
    EventKind.CANDIDATE_ROLES_SUGGESTED,
    EventKind.ROLE_INTEREST_EXPRESSED,
    EventKind.FEEDBACK_GIVEN,
    EventKind.FEEDBACK_CORRECTED,
    EventKind.INTERVIEW_CANCELLED_BY_COMPANY,
)
# Events after which every process of the candidate is recomputed: a change of who or where (a reassignment),
# or a step that can change another of their processes' figures (a placement through a suggestion).
WHOLE_CANDIDATE_KINDS: tuple[str, ...] = (
    EventKind.CANDIDATE_ERASED,  # their comments were scrubbed: the newest comments change
    EventKind.CANDIDATE_UPDATED,
    EventKind.CANDIDATE_ROLES_SUGGESTED,
    EventKind.ROLE_INTEREST_EXPRESSED,
    EventKind.SUBMISSION_STAGE_CHANGED,
)
# A role's fields that are dimensions of every one of its processes' rows: changing one (``role.updated``
# names what changed) makes all the role's cells stale.
ROLE_DIMENSIONS = frozenset({"recruiter", "hiring_manager", "company"})
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
COMMENT_COLUMNS = ["feedback", "created_at", "day", "recruiter", "company", "manager", "role"]
OPEN_COLUMNS = ["recruiter", "company", "manager", "role", "open", "quiet"]
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
    "hour",
]
# The daily figure counting a response kind's answers per whole hour of response time (``detail``: the hour):
# the coarse histogram from which ``figures`` finds the hour holding a median before reading that hour's
# exact times.
ANSWER_HOUR_METRICS: dict[str, str] = {kind: f"{kind}.hour" for kind in facts.RESPONSE_KINDS}
# The metrics also kept per local week and month (``DailyFigure.Grain.WEEK`` / ``MONTH``): what a year of the
# whole agency's time to answer reads (the hour histograms per period, the escalations per manager).
PERIOD_METRICS: tuple[str, ...] = (*ANSWER_HOUR_METRICS.values(), *facts.ESCALATION_KINDS)
PERIOD_GRAINS = {DailyFigure.Grain.WEEK: Period.WEEK, DailyFigure.Grain.MONTH: Period.MONTH}
SECONDS_PER_HOUR = 3600


def reporting_zone() -> zoneinfo.ZoneInfo:
    """The zone whose local days the reports count in: the agency's (``CANDIDLY_DEFAULT_TIME_ZONE``), the
    same for every viewer, so two recruiters in two zones read the same week."""
    return zoneinfo.ZoneInfo(settings.CANDIDLY_DEFAULT_TIME_ZONE)


@dataclass
class Cells:
    """The (day, role) cells to recompute: for each local day, its roles."""

    roles: dict[date, set[int]] = field(default_factory=dict)
    # Roles whose open processes (the desk today) to count again.
    open_roles: set[int] = field(default_factory=set)

    def add(self, moment: datetime | None, role: int, zone: zoneinfo.ZoneInfo) -> None:
        if moment is not None:
            self.roles.setdefault(moment.astimezone(zone).date(), set()).add(role)

    def update(self, other: Cells) -> None:
        for day, roles in other.roles.items():
            self.roles.setdefault(day, set()).update(roles)
        self.open_roles |= other.open_roles

    def __len__(self) -> int:
        return sum(len(roles) for roles in self.roles.values())


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


def _within(cells: Cells | None, moment: str, role: str, zone: zoneinfo.ZoneInfo) -> Q:
    """The rows of ``cells`` (all rows when None): per day, the moments of that local day on its roles. One
    range per day, so the database reads each day's rows by index however far apart the days are."""
    if cells is None:
        return Q()
    condition = Q(pk__in=[])
    for day, roles in sorted(cells.roles.items()):
        condition |= Q(
            **{
                f"{moment}__gte": datetime.combine(day, time.min, tzinfo=zone),
                f"{moment}__lt": datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
                f"{role}__in": sorted(roles),
            }
        )
    return condition


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
        # Per hour, without the contact: the whole agency's day is a hundred rows, not one per manager.
        _grouped(
            _answer_times(responses.filter(within)).filter(r_hour__isnull=False),
            Concat(F("kind"), Value(".hour"), output_field=CharField()),
            Cast("r_hour", CharField()),
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


def _answer_times(rows: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    """Response Events with their time (``r_seconds``: NULL when not a usable time) and its whole hour
    (``r_hour``): one expression for the stored times and the hour histogram, so they always agree."""
    seconds = Cast(KT("data__response_seconds"), FloatField())
    return rows.alias(r_raw=seconds).annotate(
        r_seconds=Case(When(Q(r_raw__gte=0), then=F("r_raw")), default=None, output_field=FloatField()),
        r_hour=Cast(Floor(F("r_seconds") / SECONDS_PER_HOUR), IntegerField()),
    )


def _time_query(cells: Cells | None, zone: zoneinfo.ZoneInfo) -> QuerySet:  # type: ignore[type-arg]
    events = Event.objects.filter(submission__isnull=False, kind__in=facts.RESPONSE_KINDS)
    return (
        _answer_times(
            events.annotate(
                r_day=TruncDate("occurred_at", tzinfo=zone), **_dims("submission__", contact="")
            ).filter(_within(cells, "occurred_at", "submission__role_id", zone))
        )
        .annotate(
            r_kind=F("kind"),
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
            "r_hour",
        )
        .order_by()
    )


def _comment_query(cells: Cells | None, zone: zoneinfo.ZoneInfo) -> QuerySet:  # type: ignore[type-arg]
    dims = _dims("interview__submission__")
    return (
        Feedback.objects.filter(candidate__isnull=False, recommend_score__isnull=False)  # type: ignore[misc]
        .exclude(recommend_comment="")
        .filter(_within(cells, "created_at", "interview__submission__role_id", zone))
        .annotate(
            r_feedback=F("pk"),
            r_created=F("created_at"),
            r_day=TruncDate("created_at", tzinfo=zone),
            **{key: dims[key] for key in ("r_recruiter", "r_company", "r_manager", "r_role")},
        )
        .values_list("r_feedback", "r_created", "r_day", "r_recruiter", "r_company", "r_manager", "r_role")
        .order_by()
    )


def _insert(target: type[Model], columns: list[str], rows: QuerySet) -> int:  # type: ignore[type-arg]
    """``INSERT INTO target (columns) SELECT …``: the rows never leave the database."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # no cells of that kind to recompute (``pk__in=[]``)
        return 0
    meta = target._meta
    fields = [meta.get_field(name) for name in columns]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields if isinstance(field, Field))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) {sql}", params)
        return max(cursor.rowcount, 0)


def recompute(cells: Cells | None, *, zone: zoneinfo.ZoneInfo, now: datetime) -> int:
    """Replace the rollup's rows of ``cells`` (everything when None) with figures computed from the
    records as of ``now``. Call inside a transaction. Returns the rows written."""
    if cells is not None and not len(cells) and not cells.open_roles:
        return 0
    condition = Q()
    if cells is not None:
        condition = Q(pk__in=[])
        for day, roles in cells.roles.items():
            condition |= Q(day=day, role_id__in=sorted(roles))
    stale: QuerySet[Any]
    for stale in (
        DailyFigure.objects.filter(condition, grain=DailyFigure.Grain.FINE),
        ResponseTime.objects.filter(condition),
        SharedComment.objects.filter(condition),
    ):
        stale._raw_delete(stale.db)  # type: ignore[attr-defined]  # derived rows: no signals, no cascade
    written = sum(_insert(DailyFigure, FIGURE_COLUMNS, query) for query in _figure_queries(cells, zone, now))
    written += _insert(ResponseTime, TIME_COLUMNS, _time_query(cells, zone))
    written += _insert(SharedComment, COMMENT_COLUMNS, _comment_query(cells, zone))
    written += _count_open(sorted(cells.open_roles) if cells is not None else None)
    return written + _sum_grains(sorted(cells.roles) if cells is not None else None)


def _count_open(roles: list[int] | None) -> int:
    """Count the open processes of ``roles`` (all when None) again."""
    stale = OpenProcess.objects.all() if roles is None else OpenProcess.objects.filter(role_id__in=roles)
    stale._raw_delete(stale.db)  # type: ignore[attr-defined]
    processes = Submission.objects.filter(stage__in=Submission.OPEN_STAGES)
    if roles is not None:
        processes = processes.filter(role_id__in=roles)
    names = [f"r_{name}" for name in OPEN_COLUMNS[:4]]
    rows = (
        processes.annotate(**{key: value for key, value in _dims("").items() if key in names})
        .values(*names)
        .annotate(r_open=Count("pk"), r_quiet=Count("pk", filter=Q(gone_quiet_at__isnull=False)))
        .values_list(*names, "r_open", "r_quiet")
        .order_by()
    )
    return _insert(OpenProcess, OPEN_COLUMNS, rows)


def _sum_grains(days: list[date] | None) -> int:
    """Write the DESK and AGENCY rows of ``days`` (all when None) again from their FINE rows, then the WEEK
    and MONTH rows of the periods holding those days."""
    coarse = DailyFigure.objects.filter(grain__in=[DailyFigure.Grain.DESK, DailyFigure.Grain.AGENCY])
    fine = DailyFigure.objects.filter(grain=DailyFigure.Grain.FINE)
    if days is not None:
        coarse, fine = coarse.filter(day__in=days), fine.filter(day__in=days)
    coarse._raw_delete(coarse.db)  # type: ignore[attr-defined]
    written = _insert_summed(fine, DailyFigure.Grain.DESK, day=F("day"), recruiter=F("recruiter_id"))
    written += _insert_summed(fine, DailyFigure.Grain.AGENCY, day=F("day"), recruiter=_null())
    return written + _sum_periods(days)


def _sum_periods(days: list[date] | None) -> int:
    """Write the WEEK and MONTH rows of ``PERIOD_METRICS`` for the periods holding ``days`` (all when None)
    again, each from all the AGENCY rows of its days."""
    written = 0
    for grain, unit in PERIOD_GRAINS.items():
        stale = DailyFigure.objects.filter(grain=grain)
        daily = DailyFigure.objects.filter(grain=DailyFigure.Grain.AGENCY, metric__in=PERIOD_METRICS)
        if days is not None:
            firsts = sorted({period_first(day, unit) for day in days})
            stale = stale.filter(day__in=firsts)
            spans = Q(pk__in=[])
            for first in firsts:
                spans |= Q(day__gte=first, day__lte=period_last(first, unit))
            daily = daily.filter(spans)
        stale._raw_delete(stale.db)  # type: ignore[attr-defined]
        period = Trunc("day", str(unit), output_field=DateField())
        written += _insert_summed(daily, grain, day=period, recruiter=_null())
    return written


def _insert_summed(rows: QuerySet, grain: int, *, day: Any, recruiter: Any) -> int:  # type: ignore[type-arg]
    """Insert ``rows`` summed at ``grain``: by ``day`` (an expression: the day, or its week or month) and
    ``recruiter`` (the desk, or none), the manager rankings' contact kept, company, manager and role not."""
    names = ["r_day", *(f"r_{name}" for name in FIGURE_COLUMNS[1:9])]
    summed = (
        rows.annotate(
            r_day=day,
            r_recruiter=recruiter,
            r_company=_null(),
            r_manager=_null(),
            r_role=_null(),
            r_contact=F("contact_id"),
            r_contact_company=F("contact_company_id"),
            r_metric=F("metric"),
            r_detail=F("detail"),
        )
        .values(*names)
        .annotate(r_value=Sum("value"), r_grain=Value(int(grain)))
        .values_list(*names, "r_value", "r_grain")
        .order_by()
    )
    return _insert(DailyFigure, [*FIGURE_COLUMNS, "grain"], summed)


# --- what is stale --------------------------------------------------------------------------------------


def stale_cells(events: Sequence[tuple[str, int | None, int | None]], zone: zoneinfo.ZoneInfo) -> Cells:
    """Every (day, role) on which the processes these Events (kind, candidate, submission) are about count:
    their counted Events, their ending, their hiring managers' feedback windows, their candidates' scores.
    A kind in ``WHOLE_CANDIDATE_KINDS`` makes all of that candidate's processes stale. Four queries."""
    processes = {submission for _, _, submission in events if submission is not None}
    people = {candidate for kind, candidate, _ in events if kind in WHOLE_CANDIDATE_KINDS and candidate}
    cells = Cells()
    if not processes and not people:
        return cells
    about = Q(pk__in=sorted(processes)) | Q(candidate_id__in=sorted(people))
    ids = {}
    for pk, role, ended in Submission.objects.filter(about).values_list("pk", "role_id", "ended_at"):
        ids[pk] = role
        cells.add(ended, role, zone)
        cells.open_roles.add(role)
    chosen = sorted(ids)
    for occurred_at, role in Event.objects.filter(
        submission_id__in=chosen, kind__in=facts.COUNTED_KINDS
    ).values_list("occurred_at", "submission__role_id"):
        cells.add(occurred_at, role, zone)
    on_interviews = {"interview__submission_id__in": chosen}
    for moment, role in CadenceRun.objects.filter(**on_interviews, respond_by__isnull=False).values_list(
        "respond_by", "interview__submission__role_id"
    ):
        cells.add(moment, role, zone)
    for moment, role in Feedback.objects.filter(**on_interviews).values_list(
        "created_at", "interview__submission__role_id"
    ):
        cells.add(moment, role, zone)
    return cells


def _processes_of_changed_roles(events: QuerySet[Event]) -> list[tuple[str, int | None, int | None]]:
    """Every process of a role whose recruiter, hiring manager or company changed in ``events`` (as
    ``stale_cells`` reads them): their rows carry the role's old desk or manager. Two queries."""
    roles = {
        role
        for role, changed in events.filter(kind=EventKind.ROLE_UPDATED).values_list(
            KT("data__role"), "data__changed"
        )
        if role and isinstance(changed, list) and ROLE_DIMENSIONS & set(changed)
    }
    if not roles:
        return []
    processes = Submission.objects.filter(role_id__in=sorted(int(role) for role in roles))
    return [("", None, pk) for pk in processes.values_list("pk", flat=True)]


def _windows_ended(since: datetime, now: datetime, zone: zoneinfo.ZoneInfo) -> Cells:
    """The cells of hiring-manager feedback windows that ended in ``(since, now]``: overdue since."""
    cells = Cells()
    for moment, role in CadenceRun.objects.filter(
        audience="hiring_manager", respond_by__gt=since, respond_by__lte=now
    ).values_list("respond_by", "interview__submission__role_id"):
        cells.add(moment, role, zone)
    return cells


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
        # The holes of the newest ids (transactions still running as it starts) are looked for afterwards.
        recent = range(max(last - WINDOW_IDS, 0) + 1, last + 1)
        present = set(
            Event.objects.filter(pk__gte=recent.start, pk__lt=recent.stop).values_list("pk", flat=True)
        )
        written = recompute(None, zone=zone, now=now)
        state.zone, state.event_id, state.refreshed_at = zone.key, last, now
        state.pending = _still_pending({}, present, recent, now)
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
            waited = {int(pk): str(since) for pk, since in state.pending}
            window = Q(pk__gt=state.event_id, pk__lte=upper)
            # First which ids exist (the holes), then what they say: an Event committed in between is read
            # twice at worst, never missed.
            present = set(
                Event.objects.filter(window | Q(pk__in=sorted(waited))).values_list("pk", flat=True)
            )
            read = Event.objects.filter(
                Q(pk__gt=state.event_id, pk__lte=upper) | Q(pk__in=sorted(waited.keys() & present))
            )
            touched: list[tuple[str, int | None, int | None]] = list(
                read.filter(kind__in=STALE_KINDS).values_list("kind", "candidate_id", "submission_id")
            )
            touched += _processes_of_changed_roles(read)
            report.events_read += len(touched)
            cells = stale_cells(touched, zone)
            cells.update(_windows_ended(state.refreshed_at, now, zone))
            recompute(cells, zone=zone, now=now)
            report.cells += len(cells) + len(cells.open_roles)
            report.days |= set(cells.roles)
            state.pending = _still_pending(waited, present, range(state.event_id + 1, upper + 1), now)
            state.event_id, state.refreshed_at = upper, now
            state.save(update_fields=["event_id", "refreshed_at", "pending"])
            if upper >= newest:
                return report
    report.behind = True
    return report


def _still_pending(
    waited: dict[int, str], present: set[int], window: range, now: datetime
) -> list[list[Any]]:
    """The holes to look for next pass: the ones still empty, and the new ones of ``window``, as
    [id, first seen]; those older than ``GAP_PATIENCE`` are forgotten (rolled back), and only the newest
    ``MAX_PENDING`` are kept."""
    oldest = now - GAP_PATIENCE
    holes: list[list[Any]] = [
        [pk, since]
        for pk, since in waited.items()
        if pk not in present and datetime.fromisoformat(since) >= oldest
    ]
    holes += [[pk, now.isoformat()] for pk in window if pk not in present]
    if len(holes) > MAX_PENDING:
        logger.warning("report rollup: %s Event ids never committed, keeping the newest", len(holes))
    return sorted(holes)[-MAX_PENDING:]


def rollup_as_of(zone: zoneinfo.ZoneInfo) -> datetime | None:
    """When the rollup was last brought up to date, if it is built in ``zone`` (else None: read the
    records directly). One query."""
    state = RollupState.objects.filter(id=1).values_list("zone", "refreshed_at").first()
    if state is None or state[0] != zone.key:
        return None
    return state[1]
