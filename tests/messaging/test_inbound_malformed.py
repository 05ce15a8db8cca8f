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
