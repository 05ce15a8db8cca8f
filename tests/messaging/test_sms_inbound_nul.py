"""Found by the bad-input sweep (tests/test_bad_input.py): NUL characters in a signed Twilio payload."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.test import Client

from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

TOKEN = "12345678901234567890123456789012"
URL = "/sms/inbound/twilio/"


def _signed_post(params: dict[str, str]):
    payload = "http://127.0.0.1:8000" + URL + "".join(key + params[key] for key in sorted(params))
    signature = base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()
    return Client().post(URL, params, headers={"X-Twilio-Signature": signature})


@pytest.mark.django_db
def test_sms_reply_with_nul_characters_is_recorded_without_them(settings):
    # PostgreSQL refused them in the Event's text and in the jsonb lookup of the MessageSid: a 500 to Twilio.
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.CANDIDLY_BASE_URL = "http://127.0.0.1:8000"
    interview = InterviewFactory(submission__candidate__phone="+14155550123")

    response = _signed_post(
        {"From": "+14155550123\x00", "Body": "Yes\x00 please", "MessageSid": "SM1\x00", "To": "+15005550006"}
    )

    assert response.status_code == 200
    assert list(
        Event.objects.filter(kind=EventKind.SMS_REPLIED).values_list("summary", "data__message_sid")
    ) == [("Replied by SMS: Yes please", "SM1")]
    assert Event.objects.get(kind=EventKind.SMS_REPLIED).candidate == interview.submission.candidate
