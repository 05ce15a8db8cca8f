"""``lib.db.insert_rows_sql`` on PostgreSQL: several rows go as one JSON parameter when every value has an
exact JSON form, else as one array per column; either way what lands is what the ORM would have stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from candidly.lib.db import insert_rows_sql
from candidly.messaging.models import Link
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

COLUMNS = (
    "token_hash",
    "purpose",
    "candidate_id",
    "interview_id",
    "submission_id",
    "contact_id",
    "touchpoint_id",
)


def _insert(rows, *, only_if: str = "TRUE") -> str:
    sql, params = insert_rows_sql(rows, only_if=only_if)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return sql


def test_links_go_as_one_json_parameter_and_land_exactly():
    interview = InterviewFactory()
    candidate = interview.submission.candidate
    moment = datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC)  # microseconds, the night of a DST change
    links = [
        Link(
            token_hash=token,
            purpose=purpose,
            candidate=candidate,
            interview=interview if purpose == Link.Purpose.CONFIRM else None,
            submission=interview.submission if purpose == Link.Purpose.CONFIRM else None,
            created_at=moment,
            expires_at=moment + timedelta(days=30, microseconds=1),
        )
        for token, purpose in [
            ('quote " and \\ back', Link.Purpose.CONFIRM),
            ("zoë, 日本, emoji 😀", Link.Purpose.UNSUBSCRIBE),
            ("plain", Link.Purpose.FEEDBACK),
        ]
    ]

    sql = _insert(links)

    assert "jsonb_to_recordset" in sql
    stored = list(Link.objects.order_by("id").values_list(*COLUMNS, "created_at", "expires_at"))
    assert stored == [
        (
            link.token_hash,
            link.purpose,
            candidate.pk,
            link.interview_id,
            link.submission_id,
            None,
            None,
            moment,
            moment + timedelta(days=30, microseconds=1),
        )
        for link in links
    ]


def test_rows_with_a_value_json_cannot_carry_exactly_go_as_arrays():
    candidate = InterviewFactory().submission.candidate
    moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    events = [
        Event(
            occurred_at=moment,
            kind="test",
            summary=f"Event {n}",
            actor_type="system",
            candidate=candidate,
            data={"n": n, "nested": {"ok": True}},
        )
        for n in range(2)
    ]

    sql = _insert(events)

    assert "unnest(" in sql
    assert list(Event.objects.filter(kind="test").order_by("id").values_list("summary", "data")) == [
        ("Event 0", {"n": 0, "nested": {"ok": True}}),
        ("Event 1", {"n": 1, "nested": {"ok": True}}),
    ]


def test_nothing_lands_when_the_condition_does_not_hold():
    candidate = InterviewFactory().submission.candidate
    moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    links = [
        Link(
            token_hash=f"t{n}",
            purpose=Link.Purpose.UNSUBSCRIBE,
            candidate=candidate,
            created_at=moment,
            expires_at=moment,
        )
        for n in range(2)
    ]

    _insert(links, only_if="FALSE")

    assert not Link.objects.exists()
