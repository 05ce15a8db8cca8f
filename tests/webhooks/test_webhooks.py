"""Outbound webhooks end to end: an admin adds an endpoint on its page, API calls change things, the
worker delivers signed requests to a real HTTP receiver, which verifies them with ``standardwebhooks``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from candidly.followups.models import Task
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interviews import schedule_interview
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import InterviewFactory, SubmissionFactory, UserFactory
from tests.webhooks_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = "PRIVATE-WORDS-never-sent"


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


def add_endpoint(client, url: str, types: list[str]) -> WebhookEndpoint:
    response = client.post("/settings/webhooks/", {"url": url, "description": "ATS", "event_types": types})
    assert response.status_code == 302, response.content.decode()[:1500]
    return WebhookEndpoint.objects.get(url=url)


class Clock:
    """Real time plus an offset: signatures stay within the receiver's 5-minute tolerance."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self):
        return timezone.now() + self.offset


def verified(endpoint: WebhookEndpoint, receiver: Receiver) -> list[dict]:
    checker = Webhook(endpoint.secret)
    return [checker.verify(item.body, item.headers) for item in receiver.received]


def test_deliveries_are_signed_retried_after_500s_and_never_carry_private_text(
    admin_client_, api, receiver, settings
):
    endpoint = add_endpoint(
        admin_client_,
        receiver.url,
        ["interview.booked", "interview.cancelled", "submission.withdrawn", "submission.ended"],
    )
    receiver.statuses = [500, 500]
    submission = SubmissionFactory()
    starts = timezone.now() + timedelta(days=4)
    booked = api.post(
        "/interviews",
        {
            "submission_id": submission.pk,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "time_zone": "Europe/London",
            "format": "phone",
        },
    )
    assert booked.status_code == 201, booked.content
    interview_id = booked.json()["id"]
    assert (
        api.post(f"/interviews/{interview_id}/cancellation", {"reason_kind": "reschedule"}).status_code == 200
    )
    withdrawn = api.post(
        f"/submissions/{submission.pk}/withdrawal", {"reason": "compensation", "note": PRIVATE}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True

    clock = Clock()
    worker = Worker(worker_id="hooks", clock=clock)
    for _ in range(6):
        worker.run_batch()
        clock.offset += timedelta(seconds=30)  # past the back-off (5 s, then 10 s)

    payloads = verified(endpoint, receiver)  # raises WebhookVerificationError for a bad signature
    ids = [item.webhook_id for item in receiver.received]
    types = {item.webhook_id: item.json["type"] for item in receiver.received}
    assert sorted(types.values()) == [
        "interview.booked",
        "interview.cancelled",
        "submission.ended",
        "submission.withdrawn",
    ]
    # The first two deliveries got a 500 and came again later (back-off) with the same webhook-id.
    assert sorted(ids.count(i) for i in set(ids)) == [1, 1, 2, 2]
    assert all(PRIVATE not in item.body for item in receiver.received)
    assert all(payload["data"]["submission_id"] == submission.pk for payload in payloads)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert sorted(deliveries.values_list("status", flat=True)) == ["delivered"] * 4
    retried = deliveries.filter(attempts=2)
    assert len(retried) == 2
    for delivery in retried:
        attempts = list(delivery.attempt_log.order_by("attempted_at"))
        assert [a.status_code for a in attempts] == [500, 200]
        assert attempts[1].attempted_at - attempts[0].attempted_at >= timedelta(seconds=5)
    retried = retried[0]
    # The log on the endpoint's page shows the response codes.
    page = admin_client_.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert "500" in page and retried.message_id in page


def test_an_endpoint_failing_for_a_day_is_disabled_with_a_task_for_the_admin(
    admin_client_, admin_user, receiver
):
    endpoint = add_endpoint(admin_client_, receiver.url, ["interview.no_show"])
    receiver.statuses = [503] * 100
    now = timezone.now()
    interview = InterviewFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2))
    from candidly.hiring.services.interview_status import mark_interview_outcome

    mark_interview_outcome(interview, outcome=Interview.Status.NO_SHOW, now=now, actor=admin_user)
    clock = Clock()
    worker = Worker(worker_id="hooks", clock=clock)
    worker.run_batch()
    clock.offset = timedelta(hours=25)
    worker.run_batch()

    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == WebhookDelivery.Status.FAILED
    task = Task.objects.get(title__startswith="Webhook endpoint disabled")
    assert task.assigned_to == admin_user and task.urgent
    assert Event.objects.filter(kind=EventKind.WEBHOOK_ENDPOINT_DISABLED).count() == 1
    assert [a.status_code for a in WebhookAttempt.objects.order_by("attempted_at")] == [503, 503]


def test_recruiters_cannot_open_the_webhook_settings(recruiter_client):
    assert recruiter_client.get("/settings/webhooks/").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_delivery_per_event_across_a_worker_killed_mid_delivery(receiver):
    admin = UserFactory(username="ada", role="admin", is_staff=True)
    from candidly.webhooks.endpoints import create_endpoint

    endpoint = create_endpoint(
        url=receiver.url, event_types=["interview.booked"], actor=admin, now=timezone.now()
    )
    receiver.hold_first = True
    submissions = [SubmissionFactory() for _ in range(3)]
    starts = timezone.now() + timedelta(days=3)
    for submission in submissions:
        schedule_interview(
            submission,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            time_zone="Europe/London",
            format="phone",
            actor=admin,
        )
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "EMAIL_URL": "smtp://127.0.0.1:9",  # nothing else is sent: the confirmations are not due yet
    }
    command = [sys.executable, "manage.py", "run_worker", "--no-checks", "--poll-seconds", "0.1"]
    command += ["--lease-seconds", "2", "--reap-seconds", "0.5", "--batch-size", "1"]

    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.received, "the first worker never delivered"
        first.send_signal(signal.SIGKILL)  # mid-delivery: the receiver is still holding the request
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    receiver.release.set()

    second = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).count() == 3:
                break
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)

    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint))
    assert len(deliveries) == 3 and {d.status for d in deliveries} == {WebhookDelivery.Status.DELIVERED}
    verified(endpoint, receiver)
    ids = [item.webhook_id for item in receiver.received]
    # One webhook-id per event; the one in flight when the worker died came again with the same id.
    assert set(ids) == {d.message_id for d in deliveries}
    assert sorted(ids.count(i) for i in set(ids)) == [1, 1, 2]
    # Recorded: exactly one successful attempt per event (the killed one was never recorded).
    assert sorted(WebhookAttempt.objects.values_list("status_code", flat=True)) == [200, 200, 200]
