"""The hand-off of a message the worker sends, and its "sent" outcome, in as few database round trips as the
guarantee allows.

The guarantee: a durable hand-off marker (``handoff_at``) is committed before each message goes to the
provider, and the message goes only if the candidate and the interview still want it at that moment. A crash
after the marker leaves the row for the reaper, which makes it ``ambiguous`` (never re-sent).

Per message, one round trip and one durable commit (:func:`hand_off`), just before the provider gets it:

- the outcomes of messages sent before it (:class:`Sent`: ``done``, its Message-ID and Event), which the
  worker keeps back until this commit instead of committing each on its own: they ride on its disk flush;
- the marker, conditional on still holding the claim *and* on the candidate's and interview's changeable
  fields (:data:`FRESH_CANDIDATE`, :data:`FRESH_INTERVIEW`) still being what the worker decided on
  (:func:`state_of`): the fresh-state check and the marker are one statement, with nothing in between;
- the message's signed links, inserted only when the marker was.

The outcomes still kept back at the end of a batch are written by :func:`record_sent`, committed without
waiting for the disk: losing them in a database crash leaves their rows ``in_progress`` with a marker, which
the reaper makes ``ambiguous`` -- never a second send, never a loss.

On PostgreSQL all that is hand-written SQL sent as one multi-statement message (one implicit transaction).
Elsewhere (SQLite: tests, the demo) the same effects go through the ORM in one transaction, statement by
statement.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model

from candidly.followups import services
from candidly.followups.models import Touchpoint
from candidly.hiring.models import Interview
from candidly.lib.db import concrete_field, insert_rows_sql, prepared_cursor, set_clause
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from candidly.timeline.services import prepared_event

Status = Touchpoint.Status

# What a person (or a recruiter) can change while a worker holds the row, checked again at the hand-off.
FRESH_CANDIDATE = ("unsubscribed_at", "sms_opted_out_at")
FRESH_INTERVIEW = ("status", "starts_at", "ends_at", "sequence")

State = tuple[Any, ...]


def state_of(touchpoint: Touchpoint) -> State:
    """The fields of :data:`FRESH_CANDIDATE` and :data:`FRESH_INTERVIEW` as loaded (``None`` without a
    candidate or an interview): what the worker decides and renders on."""
    candidate, interview = touchpoint.candidate, touchpoint.interview
    return tuple(
        getattr(candidate, name) if candidate is not None else None for name in FRESH_CANDIDATE
    ) + tuple(getattr(interview, name) if interview is not None else None for name in FRESH_INTERVIEW)


_FRESH = [f"candidate__{name}" for name in FRESH_CANDIDATE] + [
    f"interview__{name}" for name in FRESH_INTERVIEW
]


def _read(touchpoint: Touchpoint) -> dict[str, Any] | None:
    return Touchpoint.objects.filter(pk=touchpoint.pk).values("status", "claimed_by", *_FRESH).first()


def refresh_state(touchpoint: Touchpoint) -> None:
    """Read the candidate's and the interview's changeable fields from the database now, in one query."""
    fresh = _read(touchpoint)
    if fresh is None:
        return
    candidate, interview = touchpoint.candidate, touchpoint.interview
    for name in FRESH_CANDIDATE if candidate is not None else ():
        setattr(candidate, name, fresh[f"candidate__{name}"])
    for name in FRESH_INTERVIEW if interview is not None else ():
        setattr(interview, name, fresh[f"interview__{name}"])


# -- outcomes kept back --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A message the provider accepted, its outcome not written yet (:func:`sent`)."""

    touchpoint: Touchpoint
    now: datetime
    message_id: str
    fallback: str
    fields: dict[str, Any] = field(repr=False)
    event: Event = field(repr=False)


def sent(touchpoint: Touchpoint, *, now: datetime, message_id: str, fallback: str = "") -> Sent:
    """The outcome of an accepted message (``services.sent_change``), its Event stamped now: it is written
    with the next hand-off or at the end of the batch."""
    fields, event = services.sent_change(touchpoint, now=now, message_id=message_id, fallback=fallback)
    return Sent(touchpoint, now, message_id, fallback, fields, prepared_event(**event))


def _apply(outcome: Sent) -> None:
    for name, value in outcome.fields.items():
        setattr(outcome.touchpoint, name, value)


_TOUCHPOINT = connection.ops.quote_name(Touchpoint._meta.db_table)


def _sent_ctes(outcome: Sent, worker_id: str) -> tuple[str, list[Any]]:
    """``done`` while still claimed by ``worker_id`` (CTE ``done``, a row when recorded, none when the claim
    was lost), and the Event only if it was."""
    clause, params = set_clause(Touchpoint, {**outcome.fields, "updated_at": outcome.now})
    insert, insert_params = insert_rows_sql([outcome.event], only_if="EXISTS (SELECT 1 FROM done)")
    sql = (
        f"done AS (UPDATE {_TOUCHPOINT} SET {clause} "  # noqa: S608 - names from the models, values are params
        f"WHERE id = %s AND status = %s AND claimed_by = %s RETURNING id), recorded AS ({insert})"
    )
    return sql, [*params, outcome.touchpoint.pk, Status.IN_PROGRESS, worker_id, *insert_params]


def _sent_sql(outcome: Sent, worker_id: str) -> tuple[str, list[Any]]:
    """:func:`_sent_ctes` as a statement of its own, returning one row when recorded, none when not."""
    ctes, params = _sent_ctes(outcome, worker_id)
    return f"WITH {ctes} SELECT 1 FROM done", params  # noqa: S608 - the CTEs' names and values are params


# -- the hand-off --------------------------------------------------------------------------------------------


class Result(enum.Enum):
    HANDED_OFF = "handed off"  # the marker is committed: the message may go
    STATE_CHANGED = "state changed"  # still claimed, but the candidate or interview changed: decide again
    LEASE_LOST = "lease lost"  # another worker (or the reaper) has the row: send nothing


@dataclass(frozen=True)
class HandOff:
    result: Result
    lost: int = 0  # outcomes kept back that found their claim gone (not recorded)


def _unchanged(model: type[Model], names: Sequence[str], key: str) -> str:
    """No row of ``model`` with id ``key`` whose ``names`` differ from the parameters (NULLs are equal)."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"x.{quote(concrete_field(model, name).column)}" for name in names)
    values = ", ".join(["%s"] * len(names))
    return (
        f"NOT EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} AS x "  # noqa: S608 - names from the models
        f"WHERE x.id = {key} AND ({columns}) IS DISTINCT FROM ({values}))"
    )


# The marker, only while the claim holds and the fresh fields are as expected (a CTE of the hand-off
# statement); then whether it was written, and whether the claim still holds (to tell a lost lease from a
# changed state).
_HANDED_OFF = f"""handed_off AS (
    UPDATE {_TOUCHPOINT} AS tp SET handoff_at = %s, lease_expires_at = %s, updated_at = %s
     WHERE tp.id = %s AND tp.status = %s AND tp.claimed_by = %s
       AND {_unchanged(Candidate, FRESH_CANDIDATE, "tp.candidate_id")}
       AND {_unchanged(Interview, FRESH_INTERVIEW, "tp.interview_id")}
    RETURNING tp.id
)"""  # noqa: S608 - names from the models, values are params
_RESULT = f"""SELECT EXISTS (SELECT 1 FROM handed_off),
       EXISTS (SELECT 1 FROM {_TOUCHPOINT} WHERE id = %s AND status = %s AND claimed_by = %s)"""  # noqa: S608


_STATE_FIELDS = [concrete_field(Candidate, name) for name in FRESH_CANDIDATE] + [
    concrete_field(Interview, name) for name in FRESH_INTERVIEW
]


def _state_params(state: State) -> list[Any]:
    db = connections[DEFAULT_DB_ALIAS]
    return [
        field.get_db_prep_value(value, db) if value is not None else None
        for field, value in zip(_STATE_FIELDS, state, strict=True)
    ]


def hand_off(
    touchpoint: Touchpoint,
    *,
    now: datetime,
    worker_id: str,
    lease: timedelta,
    expected: State,
    rows: Sequence[Model] = (),
    sent: Sequence[Sent] = (),
) -> HandOff:
    """Commit, durably and at once: the ``sent`` outcomes kept back, then the marker for ``touchpoint`` (the
    lease renewed to ``now + lease``) only while ``worker_id`` holds it and its fresh fields are ``expected``,
    and ``rows`` (the message's links) only with the marker. Must run outside a transaction so that the commit
    happens before the hand-off. One round trip on PostgreSQL."""
    if connection.vendor != "postgresql":
        return _hand_off_orm(
            touchpoint, now=now, worker_id=worker_id, lease=lease, expected=expected, rows=rows, sent=sent
        )
    claim = [touchpoint.pk, Status.IN_PROGRESS, worker_id]
    marker_params = [now, now + lease, now, *claim, *_state_params(expected)]
    links, links_params = "", cast("list[Any]", [])
    if rows:
        insert, links_params = insert_rows_sql(rows, only_if="EXISTS (SELECT 1 FROM handed_off)")
        links = f", saved AS ({insert})"
    if len(sent) <= 1:
        # The usual case (the message sent just before this one, or none): one statement of fixed text,
        # prepared on the server -- parsing and planning it cost PostgreSQL more CPU than running it.
        outcome = sent[0] if sent else None
        head, head_params, recorded = "", cast("list[Any]", []), ""
        if outcome is not None:
            head, head_params = _sent_ctes(outcome, worker_id)
            head, recorded = f"{head}, ", ", EXISTS (SELECT 1 FROM done)"
        sql = f"WITH {head}{_HANDED_OFF}{links} {_RESULT}{recorded}"
        with prepared_cursor() as cursor:
            cursor.execute(sql, [*head_params, *marker_params, *links_params, *claim])
            [(marked, held, *written)] = cursor.fetchall()
        lost = 0
        if outcome is not None:
            if written[0]:
                _apply(outcome)
            else:
                lost = 1
    else:
        statements = [_sent_sql(outcome, worker_id) for outcome in sent]
        statements.append((f"WITH {_HANDED_OFF}{links} {_RESULT}", [*marker_params, *links_params, *claim]))
        with connection.cursor() as cursor:
            cursor.execute(
                "; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params]
            )
            lost = _read_outcomes(cursor, sent)
            [(marked, held)] = cursor.fetchall()
    if marked:
        touchpoint.handoff_at, touchpoint.lease_expires_at = now, now + lease
        return HandOff(Result.HANDED_OFF, lost)
    return HandOff(Result.STATE_CHANGED if held else Result.LEASE_LOST, lost)


def _hand_off_orm(
    touchpoint: Touchpoint,
    *,
    now: datetime,
    worker_id: str,
    lease: timedelta,
    expected: State,
    rows: Sequence[Model],
    sent: Sequence[Sent],
) -> HandOff:
    with transaction.atomic():
        lost = _record_sent_orm(sent, worker_id)
        fresh = _read(touchpoint)
        if fresh is None or (fresh["status"], fresh["claimed_by"]) != (Status.IN_PROGRESS, worker_id):
            return HandOff(Result.LEASE_LOST, lost)
        if tuple(fresh[name] for name in _FRESH) != expected:
            return HandOff(Result.STATE_CHANGED, lost)
        if not services.mark_handoff(touchpoint, now=now, worker_id=worker_id, lease=lease):
            return HandOff(Result.LEASE_LOST, lost)
        if rows:
            type(rows[0])._default_manager.bulk_create(rows)
    return HandOff(Result.HANDED_OFF, lost)


def record_sent(sent: Sequence[Sent], *, worker_id: str) -> int:
    """Write outcomes kept back (the end of a batch), committed without waiting for the disk; returns how many
    found their claim gone. One round trip on PostgreSQL."""
    if not sent:
        return 0
    if connection.vendor != "postgresql":
        return _record_sent_orm(sent, worker_id)
    statements = [_sent_sql(outcome, worker_id) for outcome in sent]
    # Only when we own the whole transaction (see services._outcome_transaction).
    prefix = "" if connection.in_atomic_block else "SET LOCAL synchronous_commit TO OFF; "
    with connection.cursor() as cursor:
        cursor.execute(
            prefix + "; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps]
        )
        if prefix:
            cursor.nextset()
        return _read_outcomes(cursor, sent)


def _read_outcomes(cursor: Any, sent: Sequence[Sent]) -> int:
    """Read the results of :func:`_sent_sql` statements, one per outcome in order (a row when recorded),
    applying the recorded ones to their touchpoints; returns how many found their claim gone."""
    lost = 0
    for outcome in sent:
        recorded = bool(cursor.fetchall())
        lost += not recorded
        if recorded:
            _apply(outcome)
        cursor.nextset()
    return lost


def _record_sent_orm(sent: Sequence[Sent], worker_id: str) -> int:
    return sum(
        not services.mark_sent(
            outcome.touchpoint,
            now=outcome.now,
            worker_id=worker_id,
            message_id=outcome.message_id,
            fallback=outcome.fallback,
        )
        for outcome in sent
    )
