"""``/metrics``: Prometheus text, read from the database at scrape time, behind a token or an allow-list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from candidly.followups.health import record_heartbeat
from candidly.followups.models import Touchpoint
from tests.followups.support import plan_email

pytestmark = pytest.mark.django_db

TOKEN = "a-metrics-token-long-enough-1234"
Status = Touchpoint.Status


@pytest.fixture
def metrics_token(settings):
    settings.CANDIDLY_METRICS_TOKEN = TOKEN
    settings.CANDIDLY_METRICS_ALLOW = []
    return TOKEN


def scrape(client: Client | None = None, **headers):
    return (client or Client()).get(reverse("followups:metrics"), **headers)


def samples(response, *families: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the named families as {(sample name, sorted labels): value}."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        if family.name in families:
            for sample in family.samples:
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_is_a_404_when_neither_token_nor_allow_list_is_set(settings):
    settings.CANDIDLY_METRICS_TOKEN = ""
    settings.CANDIDLY_METRICS_ALLOW = []

    response = scrape(HTTP_AUTHORIZATION="Bearer anything")

    assert response.status_code == 404
    assert b"candidly_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    ["", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer"],
    ids=["none", "longer", "shorter", "basic", "bare", "empty-bearer"],
)
def test_metrics_refuses_a_wrong_or_missing_token_with_403(metrics_token, authorization):
    response = scrape(HTTP_AUTHORIZATION=authorization) if authorization else scrape()

    assert (response.status_code, response.content) == (403, b"Not allowed.")


def test_metrics_allow_list_admits_an_address_in_a_listed_network_only(settings):
    settings.CANDIDLY_METRICS_TOKEN = ""
    settings.CANDIDLY_METRICS_ALLOW = ["10.0.0.0/8", "192.0.2.7/32"]

    inside = scrape(REMOTE_ADDR="10.20.30.40")
    exact = scrape(REMOTE_ADDR="192.0.2.7")
    outside = scrape(REMOTE_ADDR="192.0.2.8")
    # Without a proxy configured, a forged X-Forwarded-For changes nothing.
    forged = scrape(REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="10.0.0.1")

    assert [inside.status_code, exact.status_code, outside.status_code, forged.status_code] == [
        200,
        200,
        403,
        403,
    ]


def test_metrics_with_the_token_exports_the_queue_read_now(metrics_token, clock, interview):
    # The queue: 2 planned (one due 90 s ago, one tomorrow), 3 sent emails, 1 sent SMS, 1 failed SMS,
    # 1 ambiguous email.
    plan_email(interview, due_at=clock.now - timedelta(seconds=90), step=1)
    plan_email(interview, due_at=clock.now + timedelta(days=1), step=2)
    for step, channel, status in [
        (3, "email", Status.DONE),
        (4, "email", Status.DONE),
        (5, "email", Status.DONE),
        (6, "sms", Status.DONE),
        (7, "sms", Status.FAILED),
        (8, "email", Status.AMBIGUOUS),
    ]:
        touchpoint = plan_email(interview, due_at=clock.now - timedelta(hours=1), step=step, channel=channel)
        Touchpoint.objects.filter(pk=touchpoint.pk).update(status=status)
    record_heartbeat(worker_id="web-1:42:abc", started_at=clock.now, now=clock.now - timedelta(seconds=30))
    record_heartbeat(worker_id="web-2:43:def", started_at=clock.now, now=clock.now - timedelta(minutes=3))
    record_heartbeat(worker_id="gone:1:aaa", started_at=clock.now, now=clock.now - timedelta(hours=1))

    response = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    figures = samples(
        response,
        "candidly_database_up",
        "candidly_touchpoints",
        "candidly_oldest_due_age_seconds",
        "candidly_messages_sent",
        "candidly_messages_failed",
        "candidly_workers_alive",
        "candidly_worker_heartbeat_age_seconds",
        "candidly_last_heartbeat_age_seconds",
    )
    assert figures == {
        ("candidly_database_up", ()): 1.0,
        ("candidly_touchpoints", (("status", "planned"),)): 2.0,
        ("candidly_touchpoints", (("status", "due"),)): 0.0,
        ("candidly_touchpoints", (("status", "in_progress"),)): 0.0,
        ("candidly_touchpoints", (("status", "done"),)): 4.0,
        ("candidly_touchpoints", (("status", "skipped"),)): 0.0,
        ("candidly_touchpoints", (("status", "failed"),)): 1.0,
        ("candidly_touchpoints", (("status", "ambiguous"),)): 1.0,
        ("candidly_oldest_due_age_seconds", ()): 90.0,
        ("candidly_messages_sent_total", (("channel", "email"),)): 3.0,
        ("candidly_messages_sent_total", (("channel", "sms"),)): 1.0,
        ("candidly_messages_failed_total", (("channel", "email"),)): 0.0,
        ("candidly_messages_failed_total", (("channel", "sms"),)): 1.0,
        ("candidly_workers_alive", ()): 1.0,
        ("candidly_worker_heartbeat_age_seconds", (("worker", "web-1:42:abc"),)): 30.0,
        ("candidly_worker_heartbeat_age_seconds", (("worker", "web-2:43:def"),)): 180.0,
        ("candidly_last_heartbeat_age_seconds", ()): 30.0,
    }


def test_metrics_times_requests_by_view_name_never_by_path(metrics_token, recruiter_client):
    def request_counts() -> dict[tuple[tuple[str, str], ...], float]:
        response = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert "secret-token-value" not in response.content.decode()
        return {
            labels: value
            for (name, labels), value in samples(response, "candidly_http_request_duration_seconds").items()
            if name == "candidly_http_request_duration_seconds_count"
        }

    before = request_counts()
    # A public link's path holds its token: the histogram must name the route, not the path.
    link = Client().get("/l/feedback/secret-token-value/")
    recruiter_client.get(reverse("hiring:role-list"))
    Client().get("/no/such/page/")
    Client().generic("BREW", reverse("hiring:role-list"))

    after = request_counts()

    grown = {
        labels: after[labels] - before.get(labels, 0)
        for labels in after
        if after[labels] != before.get(labels)
    }
    assert grown == {
        (("method", "GET"), ("status", str(link.status_code)), ("view", "messaging:feedback")): 1.0,
        (("method", "GET"), ("status", "200"), ("view", "hiring:role-list")): 1.0,
        (("method", "GET"), ("status", "404"), ("view", "unmatched")): 1.0,
        (("method", "other"), ("status", "302"), ("view", "hiring:role-list")): 1.0,
        (("method", "GET"), ("status", "200"), ("view", "followups:metrics")): 1.0,
    }
