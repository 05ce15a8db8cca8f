"""Helpers for the followups tests: a fixed week, planning shortcuts, threads with their own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from candidly.followups.models import Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.hiring.models import Interview

# Tuesday 10 March 2026, 15:00 UTC: 11:00 in New York (EDT), 15:00 in London -- business hours for both.
TUESDAY_3PM_UTC = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def postgres_only(test: Callable[..., Any]) -> Callable[..., Any]:
    """A test that needs PostgreSQL's row locks and several connections seeing committed rows.

    tests/conftest.py skips tests marked ``postgres`` on SQLite.
    """
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


def plan_email(
    interview: Interview,
    *,
    due_at: datetime,
    kind: str = Touchpoint.Kind.FOLLOW_UP_EMAIL,
    step: int = 0,
    channel: str = Touchpoint.Channel.EMAIL,
    respects_business_hours: bool = True,
) -> Touchpoint:
    touchpoint, created = plan_touchpoint(
        person=interview.submission.candidate,
        kind=kind,
        channel=channel,
        due_at=due_at,
        interview=interview,
        step=step,
        respects_business_hours=respects_business_hours,
    )
    assert created
    return touchpoint


def in_threads(*targets: Callable[[], Any]) -> list[Any]:
    """Run each target in its own thread (so with its own database connection) and return their results."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(index: int, target: Callable[[], Any]) -> None:
        try:
            results[index] = target()
        except BaseException as exc:  # surfaced in the test's thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results
