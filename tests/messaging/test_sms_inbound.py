"""SMS replies through Twilio's inbound webhook, signed the way Twilio signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.messaging.sms_inbound import keyword
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


# --- STOP / START: per-channel opt-out -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("STOP", "STOP"),
        (" stop ", "STOP"),
        ("Stop.", "STOP"),
        ("unsubscribe", "STOP"),
        ("STOPALL", "STOP"),
        ("quit!", "STOP"),
        ("START", "START"),
        ("unstop", "START"),
        ("Please stop calling me at work", ""),
        ("cancel", ""),
        ("yes", ""),
        ("", ""),
    ],
)
def test_sms_keyword_is_the_whole_message_only(text, word):
    assert keyword(text) == word


def test_sms_stop_stops_sms_writes_an_event_and_is_not_a_response(interview):
    candidate = interview.submission.candidate
    nudge = make_touchpoint(interview, Kind.NUDGE, channel=Touchpoint.Channel.SMS, status=PLANNED)

    response = _post(_sms("STOP", sid="SM" + "s" * 32))
    again = _post(_sms("stop", sid="SM" + "t" * 32))

    candidate.refresh_from_db()
    nudge.refresh_from_db()
    assert [response.status_code, again.status_code] == [200, 200]
    assert candidate.sms_opted_out_at is not None
    assert (candidate.accepts_sms, candidate.unsubscribed_at) == (False, None)
    assert list(Event.objects.values_list("kind", "summary", "actor_type", "candidate")) == [
        (
            "candidate.sms_opted_out",
            "Texted “STOP”: no more SMS to Cara Candidate; their messages go by email",
            Event.Actor.CANDIDATE,
            candidate.pk,
        )
    ]
    # Not an answer to the follow-up: the nudge still goes (by email, see test_sms_fallback).
    assert (nudge.status, nudge.skip_reason) == (PLANNED, "")


def test_sms_start_resumes_sms_after_a_stop(interview):
    candidate = interview.submission.candidate

    _post(_sms("STOP", sid="SM1"))
    _post(_sms("Start", sid="SM2"))

    candidate.refresh_from_db()
    assert (candidate.sms_opted_out_at, candidate.accepts_sms) == (None, True)
    assert list(Event.objects.order_by("id").values_list("kind", "summary")) == [
        (
            "candidate.sms_opted_out",
            "Texted “STOP”: no more SMS to Cara Candidate; their messages go by email",
        ),
        ("candidate.sms_opted_in", "Texted “Start”: SMS to Cara Candidate resumes"),
    ]


def test_sms_after_stop_goes_by_email_and_says_why(interview, settings, smtp_sink):
    from candidly.messaging.delivery import Receipt, deliver, message_id_for
    from tests.messaging.test_sms import FakeSmsApi

    settings.CANDIDLY_SMS_PROVIDER = "tests.messaging.test_sms.FakeSmsApi"
    FakeSmsApi.sent = []
    _post(_sms("STOP"))
    touchpoint = make_touchpoint(interview, Kind.NUDGE, channel=Touchpoint.Channel.SMS)

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)

    assert receipt == Receipt(
        message_id=message_id_for(touchpoint), sent=True, fallback="They texted STOP: no more SMS."
    )
    assert FakeSmsApi.sent == []
    assert [mail.rcpt_tos for mail in smtp_sink.received] == [["cara@mail.test"]]


def test_sms_stop_delivered_twice_with_the_same_message_sid_is_recorded_once(interview):
    first = _post(_sms("STOP", sid="SM9"))
    _post(_sms("START", sid="SM10"))
    replay = _post(_sms("STOP", sid="SM9"))

    interview.submission.candidate.refresh_from_db()
    assert [first.status_code, replay.status_code] == [200, 200]
    assert interview.submission.candidate.sms_opted_out_at is None
    assert list(Event.objects.order_by("id").values_list("kind", flat=True)) == [
        "candidate.sms_opted_out",
        "candidate.sms_opted_in",
    ]


# --- hiring managers and interviewers ------------------------------------------------------------------


def test_sms_reply_from_a_hiring_manager_stops_their_reminders(interview):
    manager = interview.submission.role.hiring_manager
    manager.phone = "+442071838750"
    manager.save(update_fields=["phone"])
    reminder = make_touchpoint(interview, Kind.FEEDBACK_REMINDER, contact=manager, status=PLANNED)
    candidate_nudge = make_touchpoint(interview, Kind.NUDGE, status=PLANNED)

    response = _post(_sms("Strong yes from me, will fill in the form tonight", sender="020 7183 8750"))
    response_gb = _post(_sms("Strong yes", sender="+44 20 7183 8750", sid="SM" + "b" * 32))

    reminder.refresh_from_db()
    candidate_nudge.refresh_from_db()
    assert [response.status_code, response_gb.status_code] == [200, 200]
    # "020 …" has no country code: it matches nobody; the international form matches Hannah.
    assert list(Event.objects.filter(kind="sms.replied").values_list("summary", "actor_type", "contact")) == [
        ("Replied by SMS: Strong yes", Event.Actor.CONTACT, manager.pk)
    ]
    assert (reminder.status, reminder.skip_reason) == (SKIPPED, "responded by SMS")
    assert candidate_nudge.status == PLANNED


def test_sms_stop_from_a_hiring_manager_is_kept_on_the_timeline_and_is_no_feedback(interview):
    manager = interview.submission.role.hiring_manager
    manager.phone = "+442071838750"
    manager.save(update_fields=["phone"])
    reminder = make_touchpoint(interview, Kind.FEEDBACK_REMINDER, contact=manager, status=PLANNED)

    _post(_sms("STOP", sender="+442071838750"))

    reminder.refresh_from_db()
    assert list(Event.objects.values_list("kind", "summary")) == [("sms.replied", "Replied by SMS: STOP")]
    assert reminder.status == PLANNED


def test_sms_stop_shows_planned_sms_as_email_on_the_recruiters_pages(interview):
    # Issue 15: after a STOP the planned rows still said "SMS" although the worker sends them by email.
    candidate = interview.submission.candidate
    make_touchpoint(interview, Kind.NUDGE, channel=Touchpoint.Channel.SMS, status=PLANNED)
    recruiter = Client()
    recruiter.force_login(interview.submission.recruiter)

    def channels() -> list[str]:
        body = recruiter.get(f"/candidates/{candidate.pk}/").content.decode()
        return re.findall(r"<td>(SMS|Email[^<]*)</td>", body)

    before = channels()
    _post(_sms("STOP", sid="SM" + "u" * 32))
    after = channels()

    assert before == ["SMS"]
    assert after == ["Email (planned as SMS; they texted STOP)"]
