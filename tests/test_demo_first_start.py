"""The demo's first start as `make run` does it: ``load_demo``, then the worker's first pass with its checks,
then the demo recruiter's Today page. Issue 15: the silence check used to bury Today under ~100 "Update"
tasks because the demo's history had no recent contact with anyone."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Submission
from candidly.timeline.models import Event

pytestmark = pytest.mark.django_db

MAX_UPDATES = 10


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 6, 11, 10, 15, tzinfo=UTC),  # a Wednesday morning in London
        datetime(2026, 3, 9, 8, 30, tzinfo=UTC),  # Monday after the US clocks went forward
    ],
)
def test_first_start_shows_a_handful_of_updates(now):
    with time_machine.travel(now, tick=False):
        call_command("load_demo", allow_non_sqlite=True, stdout=io.StringIO())
        call_command("run_worker", "--once", "--worker-id", "demo-first", stdout=io.StringIO())
        client = Client()
        client.force_login(User.objects.get(username="demo"))
        page = client.get("/").content.decode()

    open_updates = Task.objects.filter(kind=Task.Kind.UPDATE_CANDIDATE, status=Task.Status.OPEN)
    [shown] = re.findall(r"Updates due \((\d+)\+?\)", page)
    assert MAX_UPDATES >= open_updates.count() >= 1
    assert int(shown) <= open_updates.count()
    # The calm comes from contact that happened, not from a weaker rule: every open process either heard
    # from us lately (a message sent, each with its Event) or has its Update task.
    sent = Touchpoint.objects.filter(status=Touchpoint.Status.DONE, candidate__isnull=False)
    assert sent.count() == Event.objects.filter(kind="touchpoint.sent").count()
    open_processes = Submission.objects.filter(stage__in=Submission.OPEN_STAGES, gone_quiet_at__isnull=True)
    assert sent.filter(submission__in=open_processes).values("submission").distinct().count() > 80
    kinds = Counter(sent.values_list("kind", flat=True))
    assert set(kinds) == {
        Touchpoint.Kind.INTERVIEW_CONFIRMATION,
        Touchpoint.Kind.INTERVIEW_REMINDER,
        Touchpoint.Kind.FOLLOW_UP_EMAIL,
        Touchpoint.Kind.UPDATE,
    }
    assert all(moment <= now for moment in sent.values_list("done_at", flat=True))
