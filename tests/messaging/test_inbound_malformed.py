"""Found by the bad-input sweep (tests/test_bad_input.py): a provider's payloads in the wrong shape."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from candidly.messaging.models import InboundEmail

URL = "/anymail/postmark/inbound/"
SECRET = "hook:s3cret"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{"RawEmail": []}, {"Headers": None}, {"RawEmail": {"a": 1}, "Headers": []}, [1, 2], "text"],
    ids=["raw-email-list", "headers-null", "raw-email-object", "list", "string"],
)
def test_anymail_inbound_webhook_malformed_payload_with_the_secret_is_a_400_and_saves_nothing(
    settings, payload
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}

    response = Client().post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(SECRET.encode()).decode(),
    )

    assert (response.status_code, response.content) == (400, b"Malformed payload.")
    assert list(InboundEmail.objects.all()) == []


@pytest.mark.django_db
def test_anymail_inbound_webhook_drops_nul_characters_before_storing_the_message(settings):
    # PostgreSQL cannot store NUL in text: the subject, the sender and the envelope recipient were a 500.
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    raw = "From: x\x00@mail.test\r\nTo: someone@agency.test\r\nSubject: Re\x00: hello\r\n\r\nhi\x00 there"
    payload = {"RawEmail": raw, "OriginalRecipient": "reply+abc\x00@replies.localhost", "Headers": []}

    response = Client().post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(SECRET.encode()).decode(),
    )

    assert response.status_code == 200
    assert list(InboundEmail.objects.values_list("status", "from_email", "subject", "to")) == [
        (
            InboundEmail.Status.UNMATCHED,
            "x@mail.test",
            "Re: hello",
            ["reply+abc@replies.localhost", "someone@agency.test"],
        )
    ]
