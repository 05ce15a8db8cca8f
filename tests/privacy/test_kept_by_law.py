"""What the law makes the agency keep after an erasure: a placement's name, role, company and date, for the
years ``CANDIDLY_KEPT_BY_LAW`` says, then gone; nothing when the setting says 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.accounts.models import User
from candidly.followups.worker import Worker
from candidly.hiring.models import Submission
from candidly.privacy.models import KeptRecord
from tests.factories import CandidateFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def placed(db, time_machine):
    time_machine.move_to(NOW, tick=False)
    cara = CandidateFactory(name="Cara Candidate", email="cara@mail.test")
    SubmissionFactory(
        candidate=cara,
        stage=Submission.Stage.PLACED,
        ended_at=datetime(2025, 11, 3, 10, 0, tzinfo=UTC),
        role__title="Backend Engineer",
        role__company__name="Acme Robotics",
    )
    return cara


def erase(cara) -> int:
    admin = Client()
    admin.force_login(UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True))
    return admin.post(f"/candidates/{cara.pk}/erase/", {"confirm": "Cara Candidate"}).status_code


def test_erasing_a_placed_candidate_keeps_the_invoice_minimum_until_it_expires(placed, time_machine):
    assert erase(placed) == 302

    [kept] = KeptRecord.objects.all()
    assert (kept.what, kept.candidate_id, kept.data, kept.kept_until) == (
        "placements",
        placed.pk,
        {
            "name": "Cara Candidate",
            "role": "Backend Engineer",
            "company": "Acme Robotics",
            "placed_on": "2025-11-03",
        },
        NOW + timedelta(days=7 * 365),
    )
    Worker(worker_id="w", clock=lambda: NOW, checks_every_seconds=0).run_batch()
    assert KeptRecord.objects.count() == 1
    later = NOW + timedelta(days=7 * 365, seconds=1)
    time_machine.move_to(later, tick=False)
    Worker(worker_id="w", clock=lambda: later, checks_every_seconds=0).run_batch()
    assert KeptRecord.objects.count() == 0


def test_erasing_a_placed_candidate_keeps_nothing_when_the_setting_says_0(placed, settings):
    settings.CANDIDLY_KEPT_BY_LAW = {"placements": 0}

    assert erase(placed) == 302

    assert KeptRecord.objects.count() == 0
