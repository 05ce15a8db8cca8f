"""SMS replies through Twilio's inbound webhook, signed the way Twilio signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.timeline.models import Event
from tests.factories import InterviewFactory
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
PLANNED, SKIPPED, DONE = Touchpoint.Status.PLANNED, Touchpoint.Status.SKIPPED, Touchpoint.Status.DONE
TOKEN = "12345678901234567890123456789012"
URL = "/sms/inbound/twilio/"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


def _sign(params: dict[str, str], *, token: str = TOKEN) -> str:
    # Written out from Twilio's documented algorithm, independently of the code under test.
    payload = "http://127.0.0.1:8000" + URL
    for key in sorted(params):
        payload += key + params[key]
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _post(params: dict[str, str], *, signature: str | None = None):
    return Client().post(
        URL, params, headers={"X-Twilio-Signature": _sign(params) if signature is None else signature}
    )


def _sms(body: str, *, sender: str = "+1 415-555-0123", sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid, "AccountSid": "AC1"}


def test_sms_reply_with_a_valid_signature_stops_the_cadence_and_lands_on_the_timeline(interview):
    candidate = interview.submission.candidate
    sent = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL, channel=Touchpoint.Channel.SMS, status=DONE)
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    # A follow-up call already with the recruiter is pointless once she has answered.
    call = make_touchpoint(
        interview, Kind.FOLLOW_UP_CALL, channel=Touchpoint.Channel.CALL, status=Touchpoint.Status.DUE
    )
    manager_reminder = make_touchpoint(
        interview, Kind.FEEDBACK_REMINDER, contact=interview.submission.role.hiring_manager, status=PLANNED
    )
    # An older interview of another process, nothing waiting: the reply is not about it.
    InterviewFactory(submission__candidate=candidate, starts_at=interview.starts_at - timedelta(days=10))

    response = _post(_sms("Went great, thanks! Keen to hear back."))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content == EMPTY_TWIML
    events = list(Event.objects.filter(kind="sms.replied"))
    assert [(e.summary, e.actor_type, e.candidate, e.interview) for e in events] == [
        (
            "Replied by SMS: Went great, thanks! Keen to hear back.",
            Event.Actor.CANDIDATE,
            candidate,
            interview,
        )
    ]
    assert events[0].data["message_sid"] == "SM" + "a" * 32
    assert list(Touchpoint.objects.order_by("id").values_list("id", "status", "skip_reason")) == [
        (sent.pk, DONE, ""),
        (nudge.pk, SKIPPED, "responded by SMS"),
        (call.pk, SKIPPED, "responded by SMS"),
        (manager_reminder.pk, PLANNED, ""),
    ]


def test_sms_reply_answers_the_interview_with_touchpoints_waiting_over_a_later_one(interview):
    candidate = interview.submission.candidate
    waiting = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    # A later interview in another process, nothing waiting there yet.
    InterviewFactory(submission__candidate=candidate, starts_at=interview.starts_at + timedelta(days=5))

    _post(_sms("Sorry, busy week. It went fine."))

    waiting.refresh_from_db()
    assert (waiting.status, waiting.skip_reason) == (SKIPPED, "responded by SMS")
    assert list(Event.objects.filter(kind="sms.replied").values_list("interview", flat=True)) == [
        interview.pk
    ]


def test_sms_reply_with_a_bad_signature_is_refused_and_changes_nothing(interview):
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    params = _sms("Went great")

    wrong_token = _post(params, signature=_sign(params, token="0" * 32))
    missing = Client().post(URL, params)
    tampered = Client().post(
        URL, {**params, "Body": "I'm out"}, headers={"X-Twilio-Signature": _sign(params)}
    )

    assert [wrong_token.status_code, missing.status_code, tampered.status_code] == [403, 403, 403]
    assert list(Event.objects.all()) == []
    nudge.refresh_from_db()
    assert (nudge.status, nudge.skip_reason) == (PLANNED, "")


def test_sms_webhook_is_off_without_a_twilio_auth_token(interview, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    params = _sms("Went great")

    response = Client().post(URL, params, headers={"X-Twilio-Signature": _sign(params, token="")})

    assert response.status_code == 404
    assert list(Event.objects.all()) == []
    nudge.refresh_from_db()
    assert nudge.status == PLANNED


def test_sms_from_an_unknown_number_is_acknowledged_and_changes_nothing(interview):
    nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)

    unknown = _post(_sms("Who is this?", sender="+447700900123"))
    garbage = _post(_sms("hi", sender="not a number", sid="SM2"))

    assert [unknown.status_code, garbage.status_code] == [200, 200]
    assert [unknown.content, garbage.content] == [EMPTY_TWIML, EMPTY_TWIML]
    assert list(Event.objects.all()) == []
    nudge.refresh_from_db()
    assert nudge.status == PLANNED


def test_sms_delivered_twice_with_the_same_message_sid_is_recorded_once(interview):
    make_touchpoint(interview, Kind.NUDGE, status=PLANNED)
    params = _sms("Went great")

    first = _post(params)
    second = _post(params)

    assert [first.status_code, second.status_code] == [200, 200]
    assert list(Event.objects.filter(kind="sms.replied").values_list("summary", flat=True)) == [
        "Replied by SMS: Went great"
    ]


def test_sms_reply_with_no_interview_open_is_kept_on_the_candidate_timeline(interview):
    candidate = interview.submission.candidate
    submission = interview.submission
    submission.stage = submission.Stage.PLACED
    submission.ended_at = timezone.now()
    submission.save()

    response = _post(_sms("Thanks again for everything!"))

    assert response.status_code == 200
    assert list(
        Event.objects.filter(kind="sms.replied").values_list("summary", "candidate", "interview")
    ) == [("Replied by SMS: Thanks again for everything!", candidate.pk, None)]
