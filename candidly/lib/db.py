"""Small query-building helpers for the ORM (they import none of our models)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, Model, QuerySet, Subquery, Value
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


def set_clause(model: type[Model], values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """``col = %s, …`` for an ``UPDATE`` of ``model`` setting ``values`` (field names to plain values, no
    expressions), with the parameters as the fields prepare them: for statements written by hand that must
    still store what the ORM would."""
    fields = [model._meta.get_field(name) for name in values]
    clause = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)  # type: ignore[union-attr]
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]  # type: ignore[union-attr]
    return clause, params


def insert_rows_sql(rows: Sequence[Model], *, only_if: str) -> tuple[str, list[Any]]:
    """PostgreSQL: one ``INSERT … SELECT`` of unsaved ``rows`` (all of one model) that inserts them only when
    the SQL condition ``only_if`` holds -- e.g. ``EXISTS (SELECT 1 FROM cte)`` for a data-modifying CTE of the
    same statement. Each value is cast to its column's type (a ``VALUES`` list would otherwise read the
    parameters as text). Ids are not read back."""
    model = type(rows[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields) + ")"
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in rows for field in fields
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join([row] * len(rows))
    sql = f"INSERT INTO {table} ({columns}) SELECT * FROM (VALUES {values}) AS v WHERE {only_if}"  # noqa: S608 - names from the model, values are params
    return sql, params
