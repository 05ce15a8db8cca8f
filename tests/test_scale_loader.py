"""``make scale``'s loader at a tiny size, on PostgreSQL (it writes set-based SQL): the rows it writes obey
the models' rules, so the benchmark keeps measuring a realistic agency as the models change; and every page
``make scale`` times answers on it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from bench.scale_data import PASSWORD, Loader, Size, load
from bench.scale_pages import objects_of, pages
from candidly.accounts.models import User
from candidly.followups.models import CadenceRun, Feedback, Task
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = datetime.now(UTC)  # objects_of reads the database clock: the agency is loaded around it
CANDIDATES = 300
LOADED_APPS = {"people", "hiring", "followups", "timeline", "accounts"}


@pytest.fixture
def agency() -> dict[str, int]:
    steps: Counter[str] = Counter()
    with connection.cursor() as cursor:
        load(
            Loader(
                cursor,
                Size(CANDIDATES),
                NOW,
                make_password(PASSWORD),
                lambda label, rows: steps.update({label: rows}),
            )
        )
    return dict(steps)


def test_scale_loader_writes_a_realistic_agency_whose_rows_pass_full_clean(agency):
    sizes = {model._meta.label: model.objects.count() for model in apps.get_models()}

    # Foreign keys are deferred in the test's transaction: check them now.
    connection.check_constraints()
    assert sizes["people.Candidate"] == CANDIDATES
    assert sizes["hiring.Submission"] == Size(CANDIDATES).submissions
    for label in (
        "accounts.User",
        "people.Company",
        "people.Contact",
        "people.Tag",
        "hiring.Role",
        "hiring.Interview",
        "followups.Touchpoint",
        "followups.Task",
        "followups.Feedback",
        "followups.CadenceRun",
    ):
        assert sizes[label] > 0, label
    for model in apps.get_models():
        if model._meta.app_label in LOADED_APPS:
            for row in model.objects.order_by("pk")[:40]:
                row.full_clean()
            for row in model.objects.order_by("-pk")[:40]:
                row.full_clean()

    # A realistic agency: every stage, every kind of round, messages to come, tasks on the right desks.
    events_per_candidate = Event.objects.filter(candidate__isnull=False).count() / CANDIDATES
    kinds = set(Event.objects.values_list("kind", flat=True).distinct())
    stages = set(Submission.objects.values_list("stage", flat=True).distinct())
    statuses = set(Interview.objects.values_list("status", flat=True).distinct())

    assert events_per_candidate >= 5
    assert kinds <= {kind.value for kind in EventKind}
    assert stages == set(Submission.Stage.values)
    assert {"scheduled", "confirmed", "completed", "no_show"} <= statuses
    assert Interview.objects.filter(starts_at__gt=NOW).exists()
    assert Submission.objects.filter(stage__in=Submission.OPEN_STAGES).count() >= CANDIDATES // 20
    # Tasks go to the responsible recruiter: the submission's, else the candidate's, else the role's.
    for task in Task.objects.select_related(
        "submission__recruiter", "submission__candidate__recruiter", "submission__role__recruiter"
    ):
        assert task.assigned_to_id == (task.submission.responsible_recruiter.pk), task.pk
    # The stored responsible recruiter (Today's "mine") is the rule's, for every submission loaded.
    for submission in Submission.objects.select_related(
        "recruiter", "candidate__recruiter", "role__recruiter"
    ):
        rule = submission.responsible_recruiter
        assert submission.responsible_id == (rule.pk if rule else None), submission.pk
    assert User.objects.filter(username="scale-admin", role=User.Role.ADMIN).exists()
    assert Candidate.objects.exclude(phone="").exists()

    # What the reports count: one timed response Event per answered cadence run (at its answer, after a
    # step or before any), hiring managers' feedback late or within the window, escalations, gone quiet.
    responses = Event.objects.filter(
        kind__in=[EventKind.FOLLOWUP_RESPONDED, EventKind.FOLLOWUP_MANAGER_RESPONDED]
    )
    answered = CadenceRun.objects.filter(responded_at__isnull=False)
    assert responses.count() == answered.count() > 0
    assert set(responses.values_list("interview_id", "occurred_at")) == set(
        answered.values_list("interview_id", "responded_at")
    )
    assert not responses.filter(data__response_seconds__lt=0).exists()
    assert responses.exclude(data__after_step="").exists() and responses.filter(data__after_step="").exists()
    managers = responses.filter(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)
    assert managers.filter(data__within_window=True).exists() and managers.filter(data__within_window=False)
    assert Feedback.objects.filter(candidate__isnull=False, recommend_score__isnull=False).exists()
    assert {EventKind.FOLLOWUP_ESCALATED, EventKind.SUBMISSION_GONE_QUIET} <= kinds


def test_scale_loader_fills_the_talent_pool_figures_as_the_app_keeps_them(agency):
    from candidly.hiring.services.pool_figures import refresh_pool_figures

    fields = ("pk", "last_ended_stage", "last_open_to_other_roles", "open_processes", "interview_outcomes")
    loaded = list(Candidate.objects.order_by("pk").values_list(*fields))
    refresh_pool_figures(None)

    assert list(Candidate.objects.order_by("pk").values_list(*fields)) == loaded
    assert {row[1] for row in loaded} >= {"", "rejected", "withdrawn"}
    assert any(row[3] for row in loaded) and any(row[4] for row in loaded)


def test_scale_pages_answer_on_the_loaded_agency(agency):
    admin = Client()
    admin.force_login(User.objects.get(username="scale-admin"))
    recruiter = Client()
    recruiter.force_login(User.objects.get(username="recruiter01"))
    clients = {"admin": admin, "recruiter": recruiter}

    answers = {
        (page.path, page.viewer): clients[page.viewer].get(page.path).status_code
        for page in pages(objects_of(connection.connection), today=NOW)
    }

    assert {key: status for key, status in answers.items() if status != 200} == {}
