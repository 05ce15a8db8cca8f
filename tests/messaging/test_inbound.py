"""Replies coming back: a real .eml through ``manage.py ingest_email`` and through anymail's webhook."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from email.message import EmailMessage
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.messaging.inbound import strip_quoted
from candidly.messaging.links import hash_token, issue_link
from candidly.messaging.models import InboundEmail, Link
from candidly.timeline.models import Event
from tests.factories import InterviewFactory
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
PLANNED, SKIPPED = Touchpoint.Status.PLANNED, Touchpoint.Status.SKIPPED
FIXTURE = Path(__file__).parent / "fixtures" / "reply.eml"
FIXTURE_TOKEN = "k7q2m4x6p3w5n2b7c4d6f3g5h2"  # the reply+<token>@ address inside reply.eml
REPLY_TEXT = (
    "Hi Rita,\n\n"
    "Yes, very much. The team was lovely and the questions were fair.\n\n"
    "A little: it is more frontend than the description said. I'm still keen to hear what they think "
    "\u2014 thanks for checking in!\n\n"
    "Cara"
)


def _reply_address_issued_for(touchpoint: Touchpoint, token: str = FIXTURE_TOKEN) -> None:
    """The Link row ``deliver`` writes for a Reply-To address, with the token the fixture replies to."""
    now = timezone.now()
    Link.objects.create(
        token_hash=hash_token(token, Link.Purpose.REPLY),
        purpose=Link.Purpose.REPLY,
        candidate=touchpoint.candidate,
        contact=touchpoint.contact,
        interview=touchpoint.interview,
        submission=touchpoint.submission,
        touchpoint=touchpoint,
        created_at=now,
        expires_at=now + timedelta(days=365),
    )


def _ingest(raw: bytes) -> str:
    out = StringIO()
    call_command("ingest_email", stdin=BytesIO(raw), stdout=out)
    return out.getvalue()


def test_reply_eml_lands_on_the_timeline_and_skips_the_remaining_touchpoints(interview):
    follow_up = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL, status=Touchpoint.Status.DONE)
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    last_call = make_touchpoint(interview, Kind.LAST_CALL, status=PLANNED)
    manager_reminder = make_touchpoint(
        interview, Kind.FEEDBACK_REMINDER, contact=interview.submission.role.hiring_manager, status=PLANNED
    )
    other_interview = InterviewFactory(submission__candidate=interview.submission.candidate)
    elsewhere = make_touchpoint(other_interview, Kind.NUDGE, status=PLANNED)
    _reply_address_issued_for(follow_up)
    raw = FIXTURE.read_bytes()

    output = _ingest(raw)

    assert output == f"Recorded the reply from cara@mail.test (inbound #{InboundEmail.objects.get().pk}).\n"
    event = Event.objects.get()
    assert (event.kind, event.actor_type, event.candidate, event.interview) == (
        "email.replied",
        Event.Actor.CANDIDATE,
        interview.submission.candidate,
        interview,
    )
    assert event.summary == f"Replied by email: {REPLY_TEXT}"
    assert event.data["text"] == REPLY_TEXT
    assert list(Touchpoint.objects.order_by("id").values_list("id", "status", "skip_reason")) == [
        (follow_up.pk, Touchpoint.Status.DONE, ""),
        (nudge.pk, SKIPPED, "responded by email"),
        (last_call.pk, SKIPPED, "responded by email"),
        (manager_reminder.pk, PLANNED, ""),
        (elsewhere.pk, PLANNED, ""),
    ]
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.touchpoint, inbound.text, bytes(inbound.raw)) == (
        InboundEmail.Status.MATCHED,
        follow_up,
        REPLY_TEXT,
        raw,
    )


def test_ingesting_the_same_reply_twice_records_it_once(interview):
    follow_up = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL, status=Touchpoint.Status.DONE)
    _reply_address_issued_for(follow_up)

    _ingest(FIXTURE.read_bytes())
    _ingest(FIXTURE.read_bytes())

    assert Event.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_reply_to_an_unknown_address_is_kept_raw_without_crashing(interview):
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    raw = FIXTURE.read_bytes()

    output = _ingest(raw)

    inbound = InboundEmail.objects.get()
    assert output == f"No touchpoint matches this message; kept it as inbound #{inbound.pk} for review.\n"
    assert (inbound.status, inbound.touchpoint, bytes(inbound.raw)) == (
        InboundEmail.Status.UNMATCHED,
        None,
        raw,
    )
    assert list(Event.objects.all()) == []
    nudge.refresh_from_db()
    assert nudge.status == PLANNED


def _plain_reply(*, sender: str, in_reply_to: str, to: str = "someone@agency.test") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Quick check-in"
    message["Message-ID"] = "<reply-2@mail.test>"
    message["In-Reply-To"] = in_reply_to
    message.set_content("Sorry for the silence, I'm out: I took another offer.\n\nOn Mon, Rita wrote:\n> Hi")
    return message.as_bytes()


def test_reply_without_our_address_waits_for_review_and_stops_nothing(interview):
    # Issue 10, hole 2: From: and In-Reply-To are the sender's to choose, so they alone silence nobody.
    nudge = make_touchpoint(interview, Kind.NUDGE, status=Touchpoint.Status.DONE)
    nudge.message_id = "<tp-abc@replies.localhost>"
    nudge.save(update_fields=["message_id"])
    last_call = make_touchpoint(interview, Kind.LAST_CALL, status=PLANNED)

    output = _ingest(_plain_reply(sender="Cara <CARA@mail.test>", in_reply_to="<tp-abc@replies.localhost>"))

    inbound = InboundEmail.objects.get()
    last_call.refresh_from_db()
    assert output == (
        f"Kept the email from CARA@mail.test for a recruiter to review (inbound #{inbound.pk}): "
        "it did not come to a reply address.\n"
    )
    assert (inbound.status, inbound.touchpoint, inbound.candidate, inbound.text) == (
        InboundEmail.Status.REVIEW,
        nudge,
        interview.submission.candidate,
        "Sorry for the silence, I'm out: I took another offer.",
    )
    assert (last_call.status, last_call.skip_reason) == (PLANNED, "")
    assert list(Event.objects.all()) == []


def test_reply_to_a_reply_address_is_trusted_whatever_its_thread_headers(interview):
    follow_up = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL, status=Touchpoint.Status.DONE)
    last_call = make_touchpoint(interview, Kind.LAST_CALL, status=PLANNED)
    token = issue_link(Link.Purpose.REPLY, candidate=interview.submission.candidate, touchpoint=follow_up)

    _ingest(_plain_reply(sender="cara@mail.test", in_reply_to="", to=f"reply+{token}@replies.localhost"))

    last_call.refresh_from_db()
    assert InboundEmail.objects.get().status == InboundEmail.Status.MATCHED
    assert (last_call.status, last_call.skip_reason) == (SKIPPED, "responded by email")


def test_in_reply_to_from_a_stranger_is_not_trusted(interview):
    nudge = make_touchpoint(interview, Kind.NUDGE, status=Touchpoint.Status.DONE)
    nudge.message_id = "<tp-abc@replies.localhost>"
    nudge.save(update_fields=["message_id"])
    last_call = make_touchpoint(interview, Kind.LAST_CALL, status=PLANNED)

    _ingest(_plain_reply(sender="mallory@evil.test", in_reply_to="<tp-abc@replies.localhost>"))

    last_call.refresh_from_db()
    assert last_call.status == PLANNED
    assert InboundEmail.objects.get().status == InboundEmail.Status.UNMATCHED


def test_email_to_the_list_unsubscribe_mailto_address_unsubscribes(interview):
    candidate = interview.submission.candidate
    token = issue_link(Link.Purpose.UNSUBSCRIBE, candidate=candidate)

    _ingest(
        _plain_reply(sender="cara@mail.test", in_reply_to="", to=f"unsubscribe+{token}@replies.localhost")
    )

    candidate.refresh_from_db()
    assert candidate.unsubscribed_at is not None
    assert InboundEmail.objects.get().status == InboundEmail.Status.UNSUBSCRIBE
    assert [e.kind for e in Event.objects.all()] == ["candidate.unsubscribed"]


def test_anymail_inbound_webhook_records_the_reply(interview, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    follow_up = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL, status=Touchpoint.Status.DONE)
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    _reply_address_issued_for(follow_up)
    payload = {
        "RawEmail": FIXTURE.read_text(),
        "OriginalRecipient": f"reply+{FIXTURE_TOKEN}@replies.localhost",
        "MessageID": "postmark-uuid-1",
        "Headers": [],
    }

    provider = Client(enforce_csrf_checks=True)  # a provider's POST carries no cookie or CSRF token

    response = provider.post(
        "/anymail/postmark/inbound/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:s3cret").decode(),
    )

    nudge.refresh_from_db()
    assert response.status_code == 200
    assert Event.objects.get().data["text"] == REPLY_TEXT
    assert (nudge.status, nudge.skip_reason) == (SKIPPED, "responded by email")


def test_anymail_inbound_webhook_refuses_wrong_credentials(interview, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}

    response = Client().post(
        "/anymail/postmark/inbound/",
        json.dumps({"RawEmail": FIXTURE.read_text(), "Headers": []}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:guess").decode(),
    )

    assert response.status_code == 400
    assert list(InboundEmail.objects.all()) == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Thanks!\n\nOn Tue, 3 Mar 2026, Rita <r@a.test> wrote:\n> Hi\n> there", "Thanks!"),
        (
            "Works for me.\nOn Tue, 3 Mar 2026 at 17:00, Rita Recruiter <\nr@a.test> wrote:\n> Hi",
            "Works for me.",
        ),
        ("Yes please\n\n-- \nCara\nSent from my phone", "Yes please"),
        ("Le mar. 3 mars 2026, Rita a écrit :\n> Salut", ""),
        ("Line one\n> quoted\nLine two", "Line one\nLine two"),
    ],
)
def test_strip_quoted_keeps_only_the_new_words(reply, expected):
    assert strip_quoted(reply) == expected


def test_anymail_inbound_webhook_is_off_without_a_secret(interview, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}

    response = Client().post(
        "/anymail/postmark/inbound/",
        json.dumps({"RawEmail": FIXTURE.read_text(), "Headers": []}),
        content_type="application/json",
    )

    assert response.status_code == 404
    assert list(InboundEmail.objects.all()) == []


@pytest.mark.parametrize("provider", ["mailgun", "sendgrid", "mandrill", "amazon_ses", "nosuchprovider"])
def test_anymail_inbound_webhook_of_an_unconfigured_provider_is_not_found(interview, settings, provider):
    # Issue 10, hole 3: only the configured provider's webhook exists; the others used to answer 500.
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    settings.CANDIDLY_INBOUND_PROVIDER = "postmark"

    response = Client().post(
        f"/anymail/{provider}/inbound/",
        "anything",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:s3cret").decode(),
    )

    assert response.status_code == 404
    assert list(InboundEmail.objects.all()) == []
