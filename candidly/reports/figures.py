"""The reports' numbers read from the daily rollup (``reports.models``), in the shapes ``reports.queries``
reads from the records, so each builder renders either the same way.

Every read is a range of local days (``day`` between the scope's first and last) with the scope's filters
as plain columns: no join, no Event. Medians are exact: on PostgreSQL ``percentile_cont(0.5)`` over the
stored response times (the mean of the two middle values, as ``statistics.median``); elsewhere (the SQLite
demo) the times are read and the median taken in Python.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.functions import Trunc

from candidly.people.models import Company, Contact
from candidly.reports import facts
from candidly.reports.models import DailyFigure, OpenProcess, ResponseTime, SharedComment
from candidly.reports.rollup import WITHDRAWAL_METRICS
from candidly.reports.scope import Period, Scope
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
    model: type[DailyFigure] | type[ResponseTime], scope: Scope, *, by_desk: bool = False
) -> QuerySet[Any]:
    """The rows of the scope's days and filters: of the coarsest grain that has them (``by_desk``: keep the
    recruiters apart even for the whole agency)."""
    condition = Q(day__gte=scope.start, day__lte=scope.end)
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


def _time_summaries(scope: Scope) -> tuple[dict[tuple[date, str], Summary], dict[str, Summary], Answered]:
    """From the response times, in one query: (how many, median hours) per period and kind and per kind,
    and per hiring manager and per company (feedback given, within the window, median hours).

    PostgreSQL reads the range's rows once (a CTE of six narrow columns, the kind as a boolean) and takes
    exact medians (``percentile_cont``) over it in three sorts: per period and in all (one sort serves both),
    and per hiring manager and per company over the managers' rows only. Elsewhere (the SQLite demo) the
    times are read once and summarised in Python."""
    rows = _rows(ResponseTime, scope)
    manager = EventKind.FOLLOWUP_MANAGER_RESPONDED
    by_period: dict[tuple[date, str], Summary] = {}
    totals: dict[str, Summary] = {}
    answered: Answered = {"contact": {}, "company": {}}
    if connection.vendor == "postgresql":
        where, params = rows.query.where.as_sql(rows.query.get_compiler(connection=connection), connection)
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)"
        within_sql = "count(*) FILTER (WHERE within_window)"
        # Only the period expression (a constant of this module) and Django's own WHERE are formatted in;
        # values are parameters.
        sql = f"""
            WITH r AS MATERIALIZED (
                SELECT kind = %s AS m, {PERIOD_SQL[Period(scope.period)]} AS period, contact_id,
                    contact_company_id, seconds, within_window
                FROM {ResponseTime._meta.db_table} WHERE {where}
            )
            SELECT GROUPING(period), m, period, NULL::bigint, NULL::bigint, 0::bigint, count(seconds),
                0::bigint, {median}
                FROM r GROUP BY GROUPING SETS ((m, period), (m))
            UNION ALL
            SELECT 2 + GROUPING(contact_id), true, NULL, contact_id, contact_company_id, count(*),
                count(seconds), {within_sql}, {median}
                FROM r WHERE m GROUP BY GROUPING SETS ((contact_id), (contact_company_id))
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [manager, *params])
            found = cursor.fetchall()
        # The rows hold the two response kinds only: ``m`` tells them apart (a boolean sorts faster).
        kinds = {True: manager, False: EventKind.FOLLOWUP_RESPONDED}
        for about, is_manager, period, contact, company, n_all, n, within_n, middle in found:
            hours = middle / HOUR if middle is not None else None
            if about == 0:
                by_period[(period, kinds[is_manager])] = (n, hours)
            elif about == 1:
                totals[kinds[is_manager]] = (n, hours)
            elif about == 2 and contact is not None:
                answered["contact"][contact] = (n_all, within_n, hours)
            elif about == 3 and company is not None:
                answered["company"][company] = (n_all, within_n, hours)
        return by_period, totals, answered
    times: dict[tuple[str, Any], list[float]] = defaultdict(list)
    counted: dict[tuple[str, Any], list[int]] = defaultdict(lambda: [0, 0])
    for day, kind, contact, company, seconds, within in rows.values_list(
        "day", "kind", "contact_id", "contact_company_id", "seconds", "within_window"
    ):
        keys = [("period", (scope.period_of(day), kind)), ("kind", kind)]
        if kind == manager:
            keys += [("contact", contact)] if contact is not None else []
            keys += [("company", company)] if company is not None else []
        for key in keys:
            counted[key][0] += 1
            counted[key][1] += within
            if seconds is not None:
                times[key].append(seconds)
    for (about, key), (n_all, within) in counted.items():
        values = times[(about, key)]
        hours = statistics.median(values) / HOUR if values else None
        if about == "period":
            by_period[key] = (len(values), hours)
        elif about == "kind":
            totals[key] = (len(values), hours)
        else:
            answered[about][key] = (n_all, within, hours)
    return by_period, totals, answered


def answer_times(scope: Scope) -> AnswerTimes:
    """Time to answer from the stored response times and the escalations. Four queries."""
    by_period, totals, answered = _time_summaries(scope)
    people: dict[str, dict[int, dict[str, object]]] = {"contact": {}, "company": {}}
    escalations: dict[str, Counter[int]] = {"contact": Counter(), "company": Counter()}
    for contact_pk, company_pk, n in (
        _rows(DailyFigure, scope)
        .filter(metric__in=facts.ESCALATION_KINDS)
        .values_list("contact_id", "contact_company_id")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        if contact_pk is not None:
            escalations["contact"][contact_pk] += n
        if company_pk is not None:
            escalations["company"][company_pk] += n
    contacts = {
        pk: (name, company, company_pk)
        for pk, name, company, company_pk in Contact.objects.filter(
            pk__in=set(answered["contact"]) | set(escalations["contact"])
        ).values_list("pk", "name", "company__name", "company_id")
    }
    companies = dict(
        Company.objects.filter(pk__in=set(answered["company"]) | set(escalations["company"])).values_list(
            "pk", "name"
        )
    )
    for pk in set(answered["contact"]) | set(escalations["contact"]):
        name, company, company_pk = contacts.get(pk, ("", None, None))
        people["contact"][pk] = person(pk, name, company, company_pk)
    for pk in set(answered["company"]) | set(escalations["company"]):
        people["company"][pk] = person(pk, companies.get(pk, ""), companies.get(pk, ""), pk)
    for about, rows in people.items():
        for pk, row in rows.items():
            row["answers"], row["within"], row["median"] = answered[about].get(pk, (0, 0, None))
            row["escalations"] = escalations[about][pk]

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
