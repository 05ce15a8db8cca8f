"""Retention on a frozen clock: the dry-run page lists who the rule would erase, and the worker's periodic
checks erase exactly those, each with its own Event, once (and only once) an admin turned the rule on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.accounts.models import AgencySettings, User
from candidly.followups.worker import Worker
from candidly.hiring.models import Submission
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event
from tests.factories import CandidateFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)  # 24 months before NOW
LONG_AGO = datetime(2023, 1, 16, 9, 0, tzinfo=UTC)


def candidate(name: str, *, created: datetime = LONG_AGO, last_activity: datetime | None = None) -> Candidate:
    with time_machine.travel(created, tick=False):
        person = CandidateFactory(name=name, email=f"{name.lower().replace(' ', '.')}@mail.test")
    if last_activity is not None:
        with time_machine.travel(last_activity, tick=False):
            record_event(kind=EventKind.CANDIDATE_UPDATED, summary=f"Updated {name}", candidate=person)
    return person


@pytest.fixture
def admin(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True))
    return client


def test_retention_erases_exactly_the_candidates_its_dry_run_listed(admin, time_machine):
    quiet = candidate("Quinn Quiet", last_activity=datetime(2023, 6, 1, tzinfo=UTC))
    just_before = candidate("Bea Before", last_activity=CUTOFF - timedelta(seconds=1))
    at_cutoff = candidate("Cal Cutoff", last_activity=CUTOFF)
    recent = candidate("Rae Recent", last_activity=datetime(2025, 6, 1, tzinfo=UTC))
    with time_machine_at(LONG_AGO):
        in_process = SubmissionFactory(candidate=candidate("Opal Open")).candidate
        ended = SubmissionFactory(
            candidate=candidate("Eli Ended"), stage=Submission.Stage.WITHDRAWN, ended_at=LONG_AGO
        ).candidate
    newcomer = candidate("Nia New", created=datetime(2025, 1, 5, tzinfo=UTC))
    time_machine.move_to(NOW, tick=False)

    saved = admin.post("/settings/retention/", {"retention_months": "24"})
    page = admin.get("/settings/retention/")
    Worker(worker_id="w", clock=lambda: NOW, checks_every_seconds=0).run_batch()
    untouched_while_off = Candidate.objects.filter(erased_at__isnull=False).count()
    listed = [row.pk for row in page.context["dry_run"].shown]
    turned_on = admin.post("/settings/retention/", {"retention_months": "24", "retention_active": "on"})
    Worker(worker_id="w", clock=lambda: NOW, checks_every_seconds=0).run_batch()
    Worker(worker_id="w", clock=lambda: NOW, checks_every_seconds=0).run_batch()

    assert (saved.status_code, turned_on.status_code) == (302, 302)
    html = page.content.decode()
    assert "3 candidates with no activity since 10 Mar 2024 and no open process" in html
    assert sorted(listed) == sorted([quiet.pk, just_before.pk, ended.pk])
    assert untouched_while_off == 0
    erased = sorted(Candidate.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == sorted(listed)
    for pk in (at_cutoff.pk, recent.pk, in_process.pk, newcomer.pk):
        assert Candidate.objects.get(pk=pk).erased_at is None
    events = Event.objects.filter(kind=EventKind.CANDIDATE_ERASED).order_by("candidate_id")
    assert [(e.candidate_id, e.actor_type, e.actor_user, e.data["via"]) for e in events] == [
        (pk, Event.Actor.SYSTEM, None, "retention") for pk in sorted(listed)
    ]
    assert Candidate.objects.get(pk=quiet.pk).name == f"Erased candidate #{quiet.pk}"
    changes = Event.objects.filter(kind=EventKind.AGENCY_SETTINGS_CHANGED).order_by("id")
    assert [sorted(e.data) for e in changes] == [["retention_months"], ["retention_active"]]
    assert AgencySettings.load().retention_checked_at == NOW


def time_machine_at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def test_retention_page_is_for_admins_only(recruiter_client):
    response = recruiter_client.get("/settings/retention/")
    refused = recruiter_client.post(
        "/settings/retention/", {"retention_months": "24", "retention_active": "on"}
    )

    assert (response.status_code, refused.status_code) == (403, 403)
    assert AgencySettings.load().retention_months is None


def test_retention_refuses_a_rule_without_months_or_out_of_bounds(admin):
    without = admin.post("/settings/retention/", {"retention_active": "on"})
    too_short = admin.post("/settings/retention/", {"retention_months": "2"})

    assert (without.status_code, too_short.status_code) == (400, 400)
    assert "Choose how many months first." in without.content.decode()
    row = AgencySettings.load()
    assert (row.retention_months, row.retention_active) == (None, False)
