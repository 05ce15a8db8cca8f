from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from tests.factories import InterviewFactory
from tests.followups.support import LEASE, TUESDAY_3PM_UTC


class Clock:
    """The frozen wall clock every test here runs on; ``advance`` moves it (and ``timezone.now()``)."""

    def __init__(self, machine: Any, start: datetime) -> None:
        self._machine = machine
        self.now = start
        machine.move_to(start, tick=False)

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        self._machine.move_to(moment, tick=False)
        return moment

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self.now + delta)


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine, TUESDAY_3PM_UTC)


@pytest.fixture
def interview(db, clock: Clock) -> Interview:
    """An interview that ended an hour ago, for a candidate in New York with recruiter Rita."""
    return InterviewFactory(
        starts_at=clock.now - timedelta(hours=2),
        ends_at=clock.now - timedelta(hours=1),
        submission__candidate__name="Cara Candidate",
        submission__candidate__email="cara@mail.test",
        submission__candidate__time_zone="America/New_York",
        submission__candidate__recruiter__username="rita",
    )


@pytest.fixture
def make_worker() -> Callable[..., Worker]:
    def make(worker_id: str = "worker-a", **options: Any) -> Worker:
        options.setdefault("batch_size", 10)
        options.setdefault("lease", LEASE)
        options.setdefault("poll_seconds", 0.05)
        return Worker(worker_id=worker_id, **options)

    return make
