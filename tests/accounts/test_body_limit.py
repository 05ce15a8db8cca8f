"""Request bodies on public URLs are capped (issue 10, hardening): an oversized POST is refused unread with
413, never a 500 and never written anywhere; recruiters' pages keep Django's own limits."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from candidly.followups.models import Feedback
from candidly.messaging.links import issue_link
from candidly.messaging.models import BadLinkAttempt, InboundEmail, Link
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

BIG = "x" * (64 * 1024 + 1)


@pytest.fixture
def feedback_url() -> str:
    interview = InterviewFactory()
    token = issue_link(Link.Purpose.FEEDBACK, candidate=interview.submission.candidate, interview=interview)
    return f"/l/feedback/{token}/"


def test_public_page_refuses_an_oversized_form_unread(feedback_url):
    response = Client().post(feedback_url, {"enjoyment": "4", "notes": BIG})

    assert response.status_code == 413
    assert "That was too much at once" in response.content.decode()
    assert list(Feedback.objects.all()) == []


def test_public_page_refuses_a_file_upload_past_the_cap(feedback_url):
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out: without the cap this streamed to disk.
    upload = SimpleUploadedFile("cv.pdf", b"%PDF" + b"0" * 2_000_000, content_type="application/pdf")

    response = Client().post(feedback_url, {"enjoyment": "4", "file": upload})

    assert response.status_code == 413
    assert list(Feedback.objects.all()) == []


def test_public_page_with_an_unknown_token_is_refused_before_the_token_is_counted():
    response = Client().post("/l/feedback/aaaaaaaaaaaaaaaaaaaaaaaaaa/", {"notes": BIG})

    assert response.status_code == 413
    assert list(BadLinkAttempt.objects.all()) == []


def test_login_page_refuses_an_oversized_post():
    response = Client().post("/accounts/login/", {"username": "rita", "password": BIG})

    assert response.status_code == 413


def test_public_page_takes_a_normal_answer(feedback_url):
    answers = {"enjoyment": "4", "difference": "no", "excitement": "yes", "notes": "x" * 2000}

    response = Client().post(feedback_url, answers)

    assert response.status_code == 200
    assert Feedback.objects.get().notes == "x" * 2000


def test_inbound_webhook_takes_a_whole_message(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}

    response = Client().post(
        "/anymail/postmark/inbound/",
        '{"RawEmail": "' + "x" * 500_000 + '", "Headers": []}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:s3cret").decode(),
    )

    assert response.status_code == 200
    assert list(InboundEmail.objects.values_list("status", flat=True)) == [InboundEmail.Status.UNMATCHED]


def test_recruiter_pages_keep_djangos_limits(recruiter_client):
    response = recruiter_client.post("/candidates/new/", {"name": "Cara", "notes": BIG})

    assert response.status_code == 200
