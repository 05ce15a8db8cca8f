"""The reports' numbers read from the daily rollup (``reports.models``), in the shapes ``reports.queries``
reads from the records, so each builder renders either the same way.

Every read is a range of local days (``day`` between the scope's first and last) with the scope's filters
as plain columns: no join, no Event. Medians are exact (the mean of the two middle values, as
``statistics.median``): the hour histogram of the response times finds the hour holding each median and its
rank there, and PostgreSQL returns the time at that rank among that hour's stored times.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import FullResultSet
from django.db import connection
from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trunc

from candidly.people.models import Company, Contact
from candidly.reports import facts
from candidly.reports.models import DailyFigure, OpenProcess, ResponseTime, SharedComment
from candidly.reports.rollup import ANSWER_HOUR_METRICS, PERIOD_GRAINS, WITHDRAWAL_METRICS
from candidly.reports.scope import Period, Scope, period_last, whole_periods
from candidly.timeline.kinds import EventKind

HOUR = 3600


@dataclass
class AnswerTimes:
    """Time to answer, summarised: per period and in all (how many times, median hours), and the rows of
    the managers' and companies' ranking (``person``)."""

    candidates: dict[date, tuple[int, float | None]]
    managers: dict[date, tuple[int, float | None]]
    candidates_total: tuple[int, float | None]
    managers_total: tuple[int, float | None]
    people: dict[str, dict[int, dict[str, object]]]


def person(pk: int, name: object, company: object, company_pk: object) -> dict[str, object]:
    """A blank row of the ranking of hiring managers (or companies)."""
    return {
        "pk": pk,
        "name": name,
        "company": company,
        "company_pk": company_pk,
        "answers": 0,
        "within": 0,
        "escalations": 0,
        "median": None,
    }


def _rows(
    model: type[DailyFigure] | type[ResponseTime],
    scope: Scope,
    *,
    by_desk: bool = False,
    days: bool = True,
    summed: DailyFigure.Grain | None = None,
) -> QuerySet[Any]:
    """The rows of the scope's days (``days=False``: any day; the caller bounds them) and filters: of the
    coarsest grain that has them (``by_desk``: keep the recruiters apart even for the whole agency). With
    ``summed`` (``WEEK`` or ``MONTH``, for ``rollup.PERIOD_METRICS`` only), the whole agency's whole periods
    inside the range come from their summed rows and only the days before the first and after the last from
    the AGENCY days."""
    condition = Q(day__gte=scope.start, day__lte=scope.end) if days else Q()
    for name in ("recruiter", "company", "manager", "role"):
        value = getattr(scope, name)
        if value is not None:
            condition &= Q(**{f"{name}_id": value.pk})
    if model is DailyFigure:
        if scope.company is not None or scope.manager is not None or scope.role is not None:
            grain = DailyFigure.Grain.FINE
        elif scope.recruiter is not None or by_desk:
            grain = DailyFigure.Grain.DESK
        else:
            grain = DailyFigure.Grain.AGENCY
        unit = PERIOD_GRAINS[summed] if summed is not None else None
        whole = whole_periods(scope.start, scope.end, unit) if unit is not None and days else None
        if grain == DailyFigure.Grain.AGENCY and unit is not None and whole is not None:
            # No filter at this grain: the range's days are the whole condition.
            first, last = whole
            condition = Q(grain=summed, day__gte=first, day__lte=last) | Q(
                Q(day__gte=scope.start, day__lt=first)
                | Q(day__gt=period_last(last, unit), day__lte=scope.end),
                grain=grain,
            )
        else:
            condition &= Q(grain=grain)
    return model.objects.filter(condition)


def _period(scope: Scope) -> Trunc:
    return Trunc("day", str(scope.period), output_field=DateField())


def ghosting_counts(scope: Scope) -> tuple[dict[date, Counter[str]], dict[str, int]]:
    """Counts per period by kind (``overdue`` for overdue feedback), and the endings. One query."""
    metrics = [*facts.OUTCOME_KINDS, *facts.CANDIDATE_SILENCE_KINDS, *facts.ESCALATION_KINDS]
    metrics += ["feedback_overdue", "ended", "ended_silent"]
    rows = (
        _rows(DailyFigure, scope)
        .filter(metric__in=metrics)
        .annotate(period=_period(scope))
        .values_list("period", "metric")
        .annotate(n=Sum("value"))
        .order_by()
    )
    by_period: dict[date, Counter[str]] = defaultdict(Counter)
    ended = {"ended": 0, "silent": 0}
    for period, metric, n in rows:
        if metric == "ended":
            ended["ended"] += n
        elif metric == "ended_silent":
            ended["silent"] += n
        else:
            by_period[scope.period_of(period)]["overdue" if metric == "feedback_overdue" else metric] += n
    return by_period, ended


Summary = tuple[int, float | None]
Answered = dict[str, dict[int, tuple[int, int, float | None]]]


# The local week (its Monday) or month (its 1st) of a rollup row's ``day``, by date arithmetic: cheaper than
# ``date_trunc`` (which goes through a timestamp in the session's zone) on every row of a year.
PERIOD_SQL = {
    Period.WEEK: "day - (extract(isodow FROM day)::int - 1)",
    Period.MONTH: "day - (extract(day FROM day)::int - 1)",
}


def _period_date(scope: Scope) -> Trunc | RawSQL:
    """The period of a row's ``day``, as a date: on PostgreSQL by date arithmetic (``PERIOD_SQL``), whose
    dates psycopg reads several times faster than ``date_trunc``'s timestamps (thousands of rows here)."""
    if connection.vendor == "postgresql":
        # A constant of this module, no value in it.
        return RawSQL(PERIOD_SQL[Period(scope.period)], [], output_field=DateField())  # noqa: S611
    return _period(scope)


def _middle_hours(counts: dict[int, int]) -> tuple[int, tuple[tuple[int, int], ...]]:
    """How many times an hour histogram holds, and where its median's one or two middle values lie: (hour,
    rank within that hour) each, ranks from 0. The median is the mean of the values at ranks (n-1)//2 and
    n//2 of the sorted times, as ``statistics.median``."""
    n = sum(counts.values())
    wanted = sorted({(n - 1) // 2, n // 2}) if n else []
    found = []
    seen = 0
    for hour in sorted(counts):
        for rank in wanted:
            if seen <= rank < seen + counts[hour]:
                found.append((hour, rank - seen))
        seen += counts[hour]
    return n, tuple(found)


def _medians(scope: Scope) -> tuple[dict[tuple[date, str], Summary], dict[str, Summary]]:
    """(how many times, median hours) per period and response kind, and per kind over the range. Two
    queries, whatever the range: the hour histogram (``DailyFigure`` ``<kind>.hour``) gives each median's
    hour and its rank in it; then the values at those ranks (``_middle_values``)."""
    metric_kinds = {metric: kind for kind, metric in ANSWER_HOUR_METRICS.items()}
    hist: dict[tuple[date | None, str], Counter[int]] = defaultdict(Counter)
    periods: dict[date, date] = {}  # a year's histogram is ~7,000 rows of some 50 periods
    summed = DailyFigure.Grain.MONTH if scope.period == Period.MONTH else DailyFigure.Grain.WEEK
    for period, metric, detail, n in (
        _rows(DailyFigure, scope, summed=summed)
        .filter(metric__in=list(metric_kinds))
        .annotate(period=_period_date(scope))
        .values_list("period", "metric", "detail")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        kind = metric_kinds[metric]
        if period not in periods:
            periods[period] = scope.period_of(period)
        hist[(periods[period], kind)][int(detail)] += n
        hist[(None, kind)][int(detail)] += n
    # Each group's middle values: (hour, rank in hour); the groups are periods, or the whole range (None).
    middles = {group: _middle_hours(counts) for group, counts in hist.items()}
    # Each group's places: its kind, the hour, its days, the rank among that hour's times there.
    asked: dict[tuple[date | None, str], list[tuple[str, int, date, date, int]]] = {}
    for (period, kind), (_, group_places) in middles.items():
        first = scope.start if period is None else max(period, scope.start)
        last = scope.end if period is None else min(period_last(period, scope.period), scope.end)
        asked[(period, kind)] = [(kind, hour, first, last, rank) for hour, rank in group_places]
    values = _middle_values(scope, [place for places in asked.values() for place in places])
    by_period: dict[tuple[date, str], Summary] = {}
    totals: dict[str, Summary] = {}
    for (period, kind), (n, _) in middles.items():
        middle = [values[place] for place in asked[(period, kind)]]
        summary = (n, statistics.median(middle) / HOUR if middle else None)
        if period is None:
            totals[kind] = summary
        else:
            by_period[(period, kind)] = summary
    return by_period, totals


def _middle_values(
    scope: Scope, places: list[tuple[str, int, date, date, int]]
) -> dict[tuple[str, int, date, date, int], float]:
    """The time at each place (kind, hour, first day, last day, rank from 0 among that hour's times of those
    days, in the scope's filters). One query, run even when nothing is asked (a constant count).

    PostgreSQL picks each value itself: a lateral subquery per place sorts that hour's times of its days
    (``response_time_hour_idx``, an index-only read) and returns the one at the rank, so a year of the whole
    agency sends back two hundred numbers, not the tens of thousands of times of the hours holding its
    medians. Elsewhere (the SQLite demo) those times are read and sorted here."""
    rows = _rows(ResponseTime, scope, days=False)
    found: dict[tuple[str, int, date, date, int], float] = {}
    # The first place matches nothing: the query runs (and is counted) even when no group has a time.
    asked = [("", -1, scope.start, scope.start, 0), *places]
    if connection.vendor == "postgresql":
        compiler = rows.query.get_compiler(connection=connection)
        try:
            where, params = rows.query.where.as_sql(compiler, connection)
            filters = f"AND {where}"
        except FullResultSet:  # the whole agency: no filter at all
            filters, params = "", ()
        table = ResponseTime._meta.db_table
        # Only the table's name and Django's own WHERE are formatted in; values are parameters (the places
        # as five arrays: a few hundred places are five values to send, not two thousand).
        sql = f"""
            SELECT v.i, x.seconds
            FROM unnest(%s::text[], %s::int[], %s::date[], %s::date[], %s::int[])
                WITH ORDINALITY AS v(kind, hour, first, last, rank, i)
            CROSS JOIN LATERAL (
                SELECT seconds FROM {table}
                WHERE kind = v.kind AND hour = v.hour AND day >= v.first AND day <= v.last {filters}
                ORDER BY seconds OFFSET v.rank LIMIT 1
            ) AS x
        """  # noqa: S608
        columns = [list(column) for column in zip(*asked, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*columns, *params])
            for i, seconds in cursor.fetchall():
                found[asked[i - 1]] = seconds
        return found
    wanted = Q()
    for kind, hour, first, last, _ in asked:
        wanted |= Q(kind=kind, hour=hour, day__gte=first, day__lte=last)
    times: dict[tuple[str, int], list[tuple[date, float]]] = defaultdict(list)
    for kind, hour, day, seconds in rows.filter(wanted).values_list("kind", "hour", "day", "seconds"):
        times[(kind, hour)].append((day, seconds))
    for place in places:
        kind, hour, first, last, rank = place
        found[place] = sorted(seconds for day, seconds in times[(kind, hour)] if first <= day <= last)[rank]
    return found


def _managers(scope: Scope) -> Answered:
    """Per hiring manager and per company (feedback given, within the window, median hours). One query.

    Every answer of the range counts here (a manager's times do not compress into a histogram: a few a
    month each): PostgreSQL takes exact medians (``percentile_cont``), for the whole agency reading each
    manager's and each company's times in order from their covering indexes (``response_time_manager_idx``,
    ``response_time_mgr_company_idx``), no sort of the range; elsewhere (the SQLite demo) in Python."""
    rows = _rows(ResponseTime, scope).filter(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)
    answered: Answered = {"contact": {}, "company": {}}
    if connection.vendor == "postgresql":
        where, found = rows.query.where.as_sql(rows.query.get_compiler(connection=connection), connection)
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)"
        figures = f"count(*), count(*) FILTER (WHERE within_window), {median}"
        table = ResponseTime._meta.db_table
        # Only the table's name and Django's own WHERE are formatted in; values are parameters.
        if any(getattr(scope, name) is not None for name in ("recruiter", "company", "manager", "role")):
            # A desk's (or a company's…) answers are a few thousand rows spread over the whole table: read
            # them once (by their filter's index) and group them twice, rather than walk every manager's
            # index entries twice.
            sql = f"""
                WITH r AS MATERIALIZED (SELECT contact_id, contact_company_id, seconds, within_window
                    FROM {table} WHERE {where})
                SELECT CASE WHEN GROUPING(contact_id) = 0 THEN 'contact' ELSE 'company' END,
                    coalesce(contact_id, contact_company_id), {figures}
                FROM r GROUP BY GROUPING SETS ((contact_id), (contact_company_id))
            """  # noqa: S608
            params = list(found)
        else:
            sql = f"""
                SELECT 'contact', contact_id, {figures} FROM {table} WHERE {where} GROUP BY contact_id
                UNION ALL
                SELECT 'company', contact_company_id, {figures} FROM {table} WHERE {where}
                    GROUP BY contact_company_id
            """  # noqa: S608
            params = [*found, *found]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for about, pk, n_all, within, middle in cursor.fetchall():
                if pk is not None:
                    answered[about][pk] = (n_all, within, middle / HOUR if middle is not None else None)
        return answered
    times: dict[tuple[str, int], list[float]] = defaultdict(list)
    counted: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for contact, company, seconds, within in rows.values_list(
        "contact_id", "contact_company_id", "seconds", "within_window"
    ):
        for key in [("contact", contact), ("company", company)]:
            if key[1] is None:
                continue
            counted[key][0] += 1
            counted[key][1] += within
            if seconds is not None:
                times[key].append(seconds)
    for (about, pk), (n_all, within) in counted.items():
        values = times[(about, pk)]
        answered[about][pk] = (n_all, within, statistics.median(values) / HOUR if values else None)
    return answered


def ranking_numbers(row: dict[str, object]) -> tuple[int, float, int]:
    """Where a manager's (or company's) row of ``person`` stands in the slowest-first ranking, but for its
    name (the last tie-break): who went quiet without ever answering, then the slowest median, then the
    most escalations."""
    median = row["median"]
    silent_only = median is None and bool(row["escalations"])
    return (
        0 if silent_only else 1 if median is not None else 2,
        -(median if isinstance(median, float) else 0.0),
        -int(row["escalations"]),  # type: ignore[call-overload]
    )


def _contenders(rows: dict[int, dict[str, object]], shown: int) -> dict[int, dict[str, object]]:
    """The rows that can be among the first ``shown`` of the ranking: those ranked before the ``shown``-th
    by their numbers, and every row tied with it (their names decide)."""
    if len(rows) <= shown:
        return rows
    numbers = {pk: ranking_numbers(row) for pk, row in rows.items()}
    cut = sorted(numbers.values())[shown - 1]
    return {pk: row for pk, row in rows.items() if numbers[pk] <= cut}


def answer_times(scope: Scope, *, shown: int) -> AnswerTimes:
    """Time to answer from the hour histogram, the stored response times and the escalations; the
    managers' and companies' rows limited to those that can be among the ``shown`` slowest (their names are
    read for those only: a year holds thousands of managers). Six queries."""
    by_period, totals = _medians(scope)
    answered = _managers(scope)
    people: dict[str, dict[int, dict[str, object]]] = {"contact": {}, "company": {}}
    escalations: dict[str, Counter[int]] = {"contact": Counter(), "company": Counter()}
    for contact_pk, company_pk, n in (
        _rows(DailyFigure, scope, summed=DailyFigure.Grain.MONTH)
        .filter(metric__in=facts.ESCALATION_KINDS)
        .values_list("contact_id", "contact_company_id")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        if contact_pk is not None:
            escalations["contact"][contact_pk] += n
        if company_pk is not None:
            escalations["company"][company_pk] += n
    for about in people:
        for pk in set(answered[about]) | set(escalations[about]):
            row = people[about][pk] = person(pk, "", None, None)
            row["answers"], row["within"], row["median"] = answered[about].get(pk, (0, 0, None))
            row["escalations"] = escalations[about][pk]
        people[about] = _contenders(people[about], shown)
    for pk, name, company, company_pk in Contact.objects.filter(pk__in=list(people["contact"])).values_list(
        "pk", "name", "company__name", "company_id"
    ):
        people["contact"][pk].update(name=name, company=company, company_pk=company_pk)
    for pk, name in Company.objects.filter(pk__in=list(people["company"])).values_list("pk", "name"):
        people["company"][pk].update(name=name, company=name, company_pk=pk)

    def side(kind: str) -> dict[date, tuple[int, float | None]]:
        return {
            scope.period_of(period): value
            for (period, k), value in by_period.items()
            if k == kind and value[0]
        }

    return AnswerTimes(
        candidates=side(EventKind.FOLLOWUP_RESPONDED),
        managers=side(EventKind.FOLLOWUP_MANAGER_RESPONDED),
        candidates_total=totals.get(EventKind.FOLLOWUP_RESPONDED, (0, None)),
        managers_total=totals.get(EventKind.FOLLOWUP_MANAGER_RESPONDED, (0, None)),
        people=people,
    )


def response_steps(scope: Scope) -> list[tuple[str, str | None, str | None, int]]:
    """(response kind, step, channel, how many), as ``queries.follow_up_steps`` reads them. One query."""
    rows = (
        _rows(DailyFigure, scope)
        .filter(metric__in=facts.RESPONSE_KINDS)
        .values_list("metric", "detail")
        .annotate(n=Sum("value"))
        .order_by()
    )
    found = []
    for kind, detail, n in rows:
        step, _, channel = detail.partition("|")
        found.append((kind, step or None, channel or None, n))
    return found


def scores(scope: Scope) -> list[tuple[date | None, int | None, int, int]]:
    """(period, None, recommend score, how many) and (None, desk, recommend score, how many): the answers
    summed per period and per desk by the database (a year of desks' days is a few hundred rows, not
    tens of thousands). One query."""
    rows = _rows(DailyFigure, scope, by_desk=True).filter(metric="recommend").order_by()
    if connection.vendor != "postgresql":  # the SQLite demo: sum per day and desk, then per period here
        found: Counter[tuple[date | None, int | None, int]] = Counter()
        for day, desk, score, n in (
            rows.values_list("day", "recruiter_id", "detail").annotate(n=Sum("value")).order_by()
        ):
            found[(scope.period_of(day), None, int(score))] += n
            found[(None, desk, int(score))] += n
        return [(key[0], key[1], key[2], n) for key, n in found.items()]
    where, params = rows.query.where.as_sql(rows.query.get_compiler(connection=connection), connection)
    period = PERIOD_SQL[Period(scope.period)]
    # Only the period expression (a constant of this module) and Django's own WHERE are formatted in.
    sql = f"""
        SELECT {period}, recruiter_id, detail, GROUPING({period}, recruiter_id), sum(value)
        FROM {DailyFigure._meta.db_table} WHERE {where}
        GROUP BY GROUPING SETS (({period}, detail), (recruiter_id, detail))
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (period_day if grouping == 1 else None, desk if grouping == 2 else None, int(score), int(n))
            for period_day, desk, score, grouping, n in cursor.fetchall()
        ]


def withdrawals(scope: Scope) -> list[tuple[str, int, int, int, int, int]]:
    """(reason, withdrawals, open to other roles, sent roles, interested, placed). One query."""
    rows = (
        _rows(DailyFigure, scope)
        .filter(metric__in=list(WITHDRAWAL_METRICS))
        .values_list("detail", "metric")
        .annotate(n=Sum("value"))
        .order_by()
    )
    order = list(WITHDRAWAL_METRICS)
    by_reason: dict[str, list[int]] = defaultdict(lambda: [0] * len(order))
    for reason, metric, n in rows:
        by_reason[reason][order.index(metric)] += n
    return [(reason, *numbers) for reason, numbers in by_reason.items()]  # type: ignore[misc]


def open_processes(scope: Scope) -> list[tuple[int | None, int, int]]:
    """(desk, open processes, of which gone quiet) now, as of the rollup. One query."""
    condition = Q()
    for name in ("recruiter", "company", "manager", "role"):
        value = getattr(scope, name)
        if value is not None:
            condition &= Q(**{f"{name}_id": value.pk})
    return list(
        OpenProcess.objects.filter(condition)
        .values_list("recruiter_id")
        .annotate(n=Sum("open"), quiet=Sum("quiet"))
        .order_by()
    )


def comment_ids(scope: Scope, limit: int) -> list[int]:
    """The Feedback ids of the newest ``limit`` comments in the scope, newest first. One query."""
    condition = Q(created_at__gte=scope.starts_at, created_at__lt=scope.ends_at)
    for name in ("recruiter", "company", "manager", "role"):
        value = getattr(scope, name)
        if value is not None:
            condition &= Q(**{f"{name}_id": value.pk})
    return list(
        SharedComment.objects.filter(condition)
        .order_by("-created_at", "-feedback_id")
        .values_list("feedback_id", flat=True)[:limit]
    )
