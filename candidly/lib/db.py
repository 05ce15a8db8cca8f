"""Small query-building helpers for the ORM (they import none of our models)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery: unlike ``Count`` over two joins it does not multiply rows."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def lease_claim_sql(table: str) -> str:
    """PostgreSQL's one-statement claim of a queue table's due rows under a lease (touchpoints, webhook
    deliveries): ``SKIP LOCKED`` so workers never wait on or take each other's rows. Parameters, in order:
    claimed status, worker id, lease end, now, planned status, now, batch size, planned status.

    The inner SELECT is wrapped in ARRAY(…) so PostgreSQL evaluates it exactly once (an IN (…) semi-join may
    be re-planned and re-run, taking more rows than LIMIT allows)."""
    return f"""
UPDATE {table}
   SET status = %s, claimed_by = %s, lease_expires_at = %s, attempts = attempts + 1, updated_at = %s
 WHERE id = ANY(ARRAY(
        SELECT id FROM {table}
         WHERE status = %s AND due_at <= %s
         ORDER BY due_at
         LIMIT %s
           FOR UPDATE SKIP LOCKED))
   AND status = %s
RETURNING id
"""  # noqa: S608 - the only interpolation is the caller's own table name


def first_across(rows: QuerySet, *, field: str, values: Iterable[Any], limit: int) -> list[Any]:
    """The first ``limit`` of the ordered ``rows`` whose ``field`` is one of ``values`` (a company's latest
    submissions: ``field="role"``, its roles' ids).

    One ordered scan would walk the ordering index past every other group's rows (a small company's latest
    submissions sit among a million others). Read instead the first ``limit`` of each group (a short scan of
    an index on ``(field, ordering…)`` each, ``UNION ALL`` on PostgreSQL), then the first ``limit`` of those:
    two queries whatever the table's size. Databases without sliced compound queries (SQLite, small data)
    get the plain query."""
    values = list(values)
    if not values:
        return []
    if not connection.features.supports_slicing_ordering_in_compound:
        return list(rows.filter(**{f"{field}__in": values})[:limit])
    parts = [rows.filter(**{field: value}).values_list("pk", flat=True)[:limit] for value in values]
    ids = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    return list(rows.filter(pk__in=ids)[:limit])
