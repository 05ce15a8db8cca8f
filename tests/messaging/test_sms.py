"""SMS through the provider interface: nothing sent without a provider, the provider's answer otherwise."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.messaging.delivery import NO_SMS_PROVIDER, UNSUBSCRIBED, Receipt, deliver, message_id_for
from candidly.messaging.errors import TemporaryDeliveryError
from candidly.messaging.sms import get_sms_provider
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
SMS = Touchpoint.Channel.SMS


class FakeSmsApi:
    """Stands in for a provider's network API: records what it was asked to send."""

    sent: list[dict[str, str]] = []
    fail_with: Exception | None = None

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        if FakeSmsApi.fail_with is not None:
            raise FakeSmsApi.fail_with
        FakeSmsApi.sent.append({"to": to, "body": body, "reference": reference})
        return f"SM{len(FakeSmsApi.sent):04d}"


@pytest.fixture
def sms_api(settings):
    settings.CANDIDLY_SMS_PROVIDER = "tests.messaging.test_sms.FakeSmsApi"
    FakeSmsApi.sent, FakeSmsApi.fail_with = [], None
    return FakeSmsApi


def test_sms_without_a_provider_goes_by_email_and_says_why(interview, settings, smtp_sink):
    settings.CANDIDLY_SMS_PROVIDER = ""
    touchpoint = make_touchpoint(interview, Kind.NUDGE, channel=SMS)
    handoffs: list[int] = []

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=lambda: handoffs.append(1))

    [mail] = smtp_sink.received
    assert receipt == Receipt(message_id=message_id_for(touchpoint), sent=True, fallback=NO_SMS_PROVIDER)
    assert handoffs == [1]
    assert (mail.rcpt_tos, mail.subject) == (
        ["cara@mail.test"],
        "Quick check-in after your Acme Robotics interview",
    )


def test_sms_goes_through_the_configured_provider(interview, sms_api):
    touchpoint = make_touchpoint(interview, Kind.NUDGE, channel=SMS)
    handoffs: list[int] = []

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=lambda: handoffs.append(1))

    [sent] = sms_api.sent
    assert receipt == Receipt(message_id="SM0001", sent=True)
    assert handoffs == [1]
    assert sent["to"] == "+14155550123"
    assert re.fullmatch(
        r"Hi Cara, quick check-in about Acme Robotics\. A one-line reply is plenty, or tap "
        r"http://127\.0\.0\.1:8000/l/feedback/[a-z2-7]{26}/ Rita Recruiter "
        r"Not for you any more\? http://127\.0\.0\.1:8000/w/[a-z2-7]{26}/",
        sent["body"],
    )


def test_sms_provider_temporary_failure_propagates(interview, sms_api):
    sms_api.fail_with = TemporaryDeliveryError("429 slow down")
    touchpoint = make_touchpoint(interview, Kind.NUDGE, channel=SMS)

    with pytest.raises(TemporaryDeliveryError, match="429"):
        deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)


def test_unsubscribed_candidate_gets_no_nudge_by_sms(interview, sms_api):
    candidate = interview.submission.candidate
    candidate.unsubscribed_at = timezone.now()
    candidate.save(update_fields=["unsubscribed_at"])
    touchpoint = make_touchpoint(interview, Kind.NUDGE, channel=SMS)

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)

    assert receipt == Receipt(message_id="", sent=False, note=UNSUBSCRIBED)
    assert sms_api.sent == []


def test_twilio_provider_without_the_package_or_settings_fails_loudly(settings):
    settings.CANDIDLY_SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(ImproperlyConfigured, match=r"(?i)twilio"):
        get_sms_provider()
