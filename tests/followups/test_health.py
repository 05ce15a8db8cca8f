"""Saying when messages stop: worker heartbeats, the recruiter pages' banner and ``/healthz``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidly.followups.health import record_heartbeat
from candidly.followups.models import Touchpoint, WorkerHeartbeat
from tests.factories import UserFactory
from tests.followups.support import plan_email, postgres_only

pytestmark = pytest.mark.django_db

BANNER = "Messages are not going out"


def banner_of(response) -> str | None:
    """The banner's text on a page, or None when it shows none."""
    html = response.content.decode()
    marker = '<p class="delivery-banner" role="alert">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("</p>", 1)[0]


@pytest.fixture
def viewer_client(db) -> Client:
    # A recruiter in New York: at 15:00 UTC (the tests' clock) it is 11:00 there.
    client = Client()
    client.force_login(UserFactory(username="nora", time_zone="America/New_York"))
    return client


def test_worker_heartbeat_is_one_row_per_worker_moved_on_each_beat(clock, make_worker):
    worker = make_worker("worker-a", heartbeat_every_seconds=0)
    worker.run_batch()
    started = clock.now
    clock.advance(timedelta(seconds=30))

    worker.run_batch()

    assert list(WorkerHeartbeat.objects.values_list("worker_id", "started_at", "last_seen_at")) == [
        ("worker-a", started, clock.now)
    ]


def test_worker_heartbeat_prunes_workers_gone_for_a_week(clock, make_worker):
    make_worker("old", heartbeat_every_seconds=0).run_batch()
    clock.advance(timedelta(days=7))
    make_worker("recent", heartbeat_every_seconds=0).run_batch()
    clock.advance(timedelta(seconds=1))

    make_worker("new", heartbeat_every_seconds=0).run_batch()

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new", "recent"]


def test_banner_shows_when_the_heartbeat_stops_and_goes_when_a_worker_beats_again(
    clock, make_worker, viewer_client
):
    worker = make_worker("worker-a", heartbeat_every_seconds=0)
    worker.run_batch()
    today = reverse("hiring:today")
    assert banner_of(viewer_client.get(today)) is None

    clock.advance(timedelta(minutes=2))
    at_the_limit = banner_of(viewer_client.get(today))
    clock.advance(timedelta(seconds=1))
    stopped = banner_of(viewer_client.get(today))
    worker.run_batch()
    back = banner_of(viewer_client.get(today))

    assert at_the_limit is None
    # 15:00 UTC is 11:00 for the New York viewer.
    assert stopped == f"{BANNER}: no worker is running since 11:00"
    assert back is None


def test_banner_says_how_late_the_oldest_due_message_is(clock, interview, viewer_client):
    plan_email(interview, due_at=clock.now - timedelta(minutes=5), step=1)
    plan_email(interview, due_at=clock.now - timedelta(minutes=1), step=2)
    record_heartbeat(worker_id="busy", started_at=clock.now, now=clock.now)
    at_the_limit = banner_of(viewer_client.get(reverse("hiring:today")))
    clock.advance(timedelta(minutes=7))
    record_heartbeat(worker_id="busy", started_at=clock.now, now=clock.now)

    late = banner_of(viewer_client.get(reverse("people:candidate-list")))

    assert at_the_limit is None
    assert late == f"{BANNER}: the oldest message is 12 minutes late"


def test_banner_names_both_problems_and_the_day_when_it_was_not_today(
    clock, interview, make_worker, viewer_client
):
    make_worker("worker-a", heartbeat_every_seconds=0).run_batch()  # Tuesday 11:00 in New York
    clock.advance(timedelta(days=1, hours=3))
    plan_email(interview, due_at=clock.now - timedelta(hours=2), step=1)

    text = banner_of(viewer_client.get(reverse("hiring:today")))

    assert text == f"{BANNER}: no worker is running since 10 Mar 11:00; the oldest message is 2 hours late"


def test_banner_without_any_worker_ever_says_none_is_running(clock, viewer_client):
    assert banner_of(viewer_client.get(reverse("followups:task-list"))) == f"{BANNER}: no worker is running"


def test_banner_is_not_on_public_or_login_pages(clock):
    # Nobody outside the agency learns about its workers: the login page shows no banner (and asks nothing).
    response = Client().get(reverse("accounts:login"))

    assert response.status_code == 200
    assert BANNER not in response.content.decode()


# --- /healthz ------------------------------------------------------------------------------------------


def healthz() -> tuple[int, dict]:
    response = Client().get(reverse("followups:healthz"))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_healthz_answers_503_without_a_live_worker_then_200_once_one_beats(clock, make_worker):
    never = healthz()
    make_worker("worker-a", heartbeat_every_seconds=0).run_batch()
    clock.advance(timedelta(minutes=2, seconds=1))
    stale = healthz()
    make_worker("worker-b", heartbeat_every_seconds=0).run_batch()
    clock.advance(timedelta(seconds=3))

    healthy = healthz()

    assert never == (
        503,
        {
            "status": "error",
            "database": "ok",
            "worker_heartbeat_age_s": None,
            "oldest_due_age_s": None,
            "problems": ["no worker heartbeat for 2 minutes"],
        },
    )
    assert stale == (
        503,
        {
            "status": "error",
            "database": "ok",
            "worker_heartbeat_age_s": 121.0,
            "oldest_due_age_s": None,
            "problems": ["no worker heartbeat for 2 minutes"],
        },
    )
    assert healthy == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "worker_heartbeat_age_s": 3.0,
            "oldest_due_age_s": None,
            "problems": [],
        },
    )


def test_healthz_answers_503_when_the_oldest_due_touchpoint_is_over_5_minutes_late(clock, interview):
    touchpoint = plan_email(interview, due_at=clock.now - timedelta(minutes=5, seconds=1))
    record_heartbeat(worker_id="busy", started_at=clock.now, now=clock.now)
    late = healthz()
    Touchpoint.objects.filter(pk=touchpoint.pk).update(due_at=clock.now - timedelta(minutes=5))

    in_time = healthz()

    assert late == (
        503,
        {
            "status": "error",
            "database": "ok",
            "worker_heartbeat_age_s": 0.0,
            "oldest_due_age_s": 301.0,
            "problems": ["the oldest due touchpoint is more than 5 minutes late"],
        },
    )
    assert in_time == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "worker_heartbeat_age_s": 0.0,
            "oldest_due_age_s": 300.0,
            "problems": [],
        },
    )


def test_healthz_refuses_to_change_anything(db):
    response = Client().post(reverse("followups:healthz"))

    assert response.status_code == 405


@postgres_only
def test_healthz_answers_503_while_the_database_is_unreachable_then_200_when_it_is_back():
    now = timezone.now()
    record_heartbeat(worker_id="worker-a", started_at=now, now=now)
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: every connection attempt is refused
    try:
        down = healthz()
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    status, body = healthz()

    assert down == (
        503,
        {
            "status": "error",
            "database": "error",
            "worker_heartbeat_age_s": None,
            "oldest_due_age_s": None,
            "problems": ["the database does not answer"],
        },
    )
    assert (status, body["status"], body["database"]) == (200, "ok", "ok")
