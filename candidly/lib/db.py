"""Small query-building helpers for the ORM (they import none of our models)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Count, Field, IntegerField, Model, OuterRef, QuerySet, Subquery, Value
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


def first_rows(rows: QuerySet, limit: int, *, related: Sequence[str] = ()) -> list[Any]:
    """The first ``limit`` of the ordered ``rows``, with their ``related`` rows (``select_related``).

    The keys come first, from the filtered table alone (its index, a top-N sort of a few hundred keys),
    and only those rows are joined to their related tables. Asked as one query, PostgreSQL joined every
    matching row before sorting (Today's updates: 396 rows joined for 11) or, to avoid that, read the whole
    table (Today's calls: 335,000 tasks). Still one query."""
    order = rows.query.order_by
    if not order:
        raise ValueError("first_rows needs ordered rows.")
    keys = rows.values("pk")[:limit]
    return list(rows.model._default_manager.filter(pk__in=keys).select_related(*related).order_by(*order))


def first_across(rows: QuerySet, *, field: str, groups: QuerySet, limit: int) -> list[Any]:
    """The first ``limit`` of the ordered ``rows`` (by fields, ending with ``pk``) whose ``field`` points to
    one of ``groups`` (a company's latest submissions: ``field="role"``, the company's roles).

    One ordered scan would walk the ordering index past every other group's rows (a small company's latest
    submissions sit among a million others). PostgreSQL reads instead the ordering values of the first
    ``limit`` of each group (``ARRAY(…)`` per group and ordering column: short scans of an index on
    ``(field, ordering…)``), unnests them and keeps the first ``limit`` keys of all; a second query reads
    those rows: two queries whatever the table's size or the number of groups. (A ``UNION ALL`` of one
    SELECT per group cost the ORM ~2 ms per group to build, 0.5 s for a company of 217 roles; joining every
    group's first rows back to the table to sort them read 4,557 rows for 21; sending the 4,557 keys to
    Python to merge them cost ~20 ms of parsing timestamps.) Databases without ``ARRAY`` subqueries
    (SQLite, small data) get the plain query."""
    if connection.vendor != "postgresql":
        return list(rows.filter(**{f"{field}__in": groups.order_by().values("pk")})[:limit])
    from django.contrib.postgres.expressions import ArraySubquery

    terms = [(str(term).lstrip("-"), str(term).startswith("-")) for term in rows.query.order_by]
    if not terms or terms[-1][0] not in ("pk", "id"):
        raise ValueError("first_across needs rows ordered by fields, ending with the primary key.")
    firsts = rows.filter(**{field: OuterRef("pk")})[:limit]
    arrays = {f"first_{i}": ArraySubquery(firsts.values(name)) for i, (name, _) in enumerate(terms)}
    per_group, params = groups.order_by().annotate(**arrays).values_list(*arrays).query.sql_with_params()
    quote = connection.ops.quote_name
    keys = ", ".join(f"c{i}" for i in range(len(terms)))
    order = ", ".join(f"k.c{i} {'DESC' if descending else 'ASC'}" for i, (_, descending) in enumerate(terms))
    # Only Django's own SQL, our column aliases and the fixed ordering words are formatted in.
    sql = f"""
        SELECT k.c{len(terms) - 1}
        FROM ({per_group}) AS g
        CROSS JOIN LATERAL unnest({", ".join(f"g.{quote(name)}" for name in arrays)}) AS k({keys})
        ORDER BY {order}
        LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        firsts_found = [key for (key,) in cursor.fetchall()]
    return list(rows.filter(pk__in=firsts_found)[:limit])


def _default() -> BaseDatabaseWrapper:
    # The connection itself, not the thread-local proxy: each attribute read through ``connection`` costs a
    # lookup, and preparing a row's values reads it once per value.
    return connections[DEFAULT_DB_ALIAS]


def concrete_field(model: type[Model], name: str) -> Field:
    """``model``'s field ``name``, which must be a column of its table."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


@functools.cache
def _set_shape(model: type[Model], names: tuple[str, ...]) -> tuple[str, list[Field]]:
    quote = _default().ops.quote_name
    fields = [concrete_field(model, name) for name in names]
    return ", ".join(f"{quote(field.column)} = %s" for field in fields), fields


def set_clause(model: type[Model], values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """``col = %s, …`` for an ``UPDATE`` of ``model`` setting ``values`` (field names to plain values, no
    expressions), with the parameters as the fields prepare them: for statements written by hand that must
    still store what the ORM would."""
    clause, fields = _set_shape(model, tuple(values))
    db = _default()
    return clause, [field.get_db_prep_save(values[field.name], db) for field in fields]


@dataclass(frozen=True)
class _InsertShape:
    head: str  # INSERT INTO table (columns) SELECT * FROM
    one: str  # one row: its values as parameters
    many: str  # several rows: one array parameter per column
    many_json: str  # several rows: one JSON parameter
    fields: list[Field]
    columns: list[str]


@functools.cache
def _insert_shape(model: type[Model]) -> _InsertShape:
    db = _default()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    typed = ", ".join(f"{db.ops.quote_name(field.column)} {field.db_type(db)}" for field in fields)
    return _InsertShape(
        head=f"INSERT INTO {table} ({columns}) SELECT * FROM ",  # noqa: S608 - names from the model
        one="(VALUES (" + ", ".join(f"CAST(%s AS {field.db_type(db)})" for field in fields) + ")) AS v",
        many="unnest(" + ", ".join(f"CAST(%s AS {field.db_type(db)}[])" for field in fields) + ") AS v",
        many_json=f"jsonb_to_recordset(CAST(%s AS jsonb)) AS v({typed})",
        fields=fields,
        columns=[field.column for field in fields],
    )


def insert_rows_sql(rows: Sequence[Model], *, only_if: str) -> tuple[str, list[Any]]:
    """PostgreSQL: one ``INSERT … SELECT`` of unsaved ``rows`` (all of one model) that inserts them only when
    the SQL condition ``only_if`` holds -- e.g. ``EXISTS (SELECT 1 FROM cte)`` for a data-modifying CTE of the
    same statement. Each value is cast to its column's type (a ``VALUES`` list would otherwise read the
    parameters as text). Several rows go as one JSON parameter (``jsonb_to_recordset``) when every value is
    a string, integer, boolean, date or aware datetime -- the driver writes one JSON text much faster than
    it writes an array per column -- else as one array per column (``unnest``); either way the statement's
    text and its number of parameters do not grow with the rows. Ids are not read back."""
    shape = _insert_shape(type(rows[0]))
    db = _default()
    values = [
        [field.get_db_prep_save(field.pre_save(obj, add=True), db) for field in shape.fields] for obj in rows
    ]
    if len(rows) == 1:
        return f"{shape.head}{shape.one} WHERE {only_if}", values[0]
    records = _json_records(shape.columns, values)
    if records is not None:
        return f"{shape.head}{shape.many_json} WHERE {only_if}", [records]
    return f"{shape.head}{shape.many} WHERE {only_if}", [list(column) for column in zip(*values, strict=True)]


def _json_records(columns: list[str], rows: list[list[Any]]) -> str | None:
    """``rows`` as a JSON array of objects keyed by column, or None when a value has no exact JSON form
    here (it then goes as arrays). Strings and integers include their subclasses (choices are enums)."""
    records = []
    for row in rows:
        record = {}
        for column, value in zip(columns, row, strict=True):
            if value is None or isinstance(value, str | int):
                record[column] = value
            elif (isinstance(value, datetime) and value.tzinfo is not None) or type(value) is date:
                record[column] = value.isoformat()
            else:
                return None
        records.append(record)
    return json.dumps(records, separators=(",", ":"))


def prepared_cursor() -> Any:
    """PostgreSQL (psycopg 3): a cursor of the default connection whose statements are prepared on the server,
    i.e. parsed, analysed and (once PostgreSQL settles on a generic plan) planned once per connection instead
    of on every call. For a hot statement of fixed text, such as the worker's hand-off: its parsing and
    planning cost the server more CPU than running it. Parameters are bound by the server (``%s``
    placeholders, one statement per call). Wrapped like any Django cursor: errors are Django's, and tests'
    ``CaptureQueriesContext`` sees the statements.

    Django turns psycopg's automatic preparation off (``prepare_threshold``: a connection pooler in
    transaction mode cannot keep prepared statements); behind such a pooler set
    ``DATABASE_PREPARED_STATEMENTS=0`` (``settings.CANDIDLY_PREPARED_STATEMENTS``) and this cursor binds on
    the server without preparing."""
    from django.conf import settings

    db = _default()
    db.ensure_connection()
    if settings.CANDIDLY_PREPARED_STATEMENTS and db.connection.prepare_threshold is None:
        # None turns preparing off altogether, even when asked for; Django's own cursors bind on the client
        # and never prepare, so this only lets ours (which ask every time) do it.
        db.connection.prepare_threshold = _ONLY_WHEN_ASKED
    cursor_class = _preparing_cursor() if settings.CANDIDLY_PREPARED_STATEMENTS else _binding_cursor()
    raw = cursor_class(db.connection)
    db.validate_thread_sharing()
    return _LoggedCursor(raw, db) if db.queries_logged else db.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug cursor (``connection.queries``, ``CaptureQueriesContext``), logging the statement as
    written: the driver cannot give the text of a prepared statement's run back."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


# psycopg prepares a statement on its own after this many runs through a server-binding cursor: never, here.
_ONLY_WHEN_ASKED = 2**31 - 1


@functools.cache
def _binding_cursor() -> type:
    import psycopg

    return psycopg.Cursor


@functools.cache
def _preparing_cursor() -> type:
    import psycopg

    class Preparing(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
            return super().execute(query, params, prepare=True, **kwargs)

    return Preparing
