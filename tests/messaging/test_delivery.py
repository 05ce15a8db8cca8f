"""``deliver``: the worker's seam. Real SMTP (aiosmtpd on loopback), real database, frozen inputs."""

from __future__ import annotations

import re
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.messaging.delivery import INTERVIEW_OFF, UNSUBSCRIBED, Receipt, deliver, message_id_for
from candidly.messaging.errors import AmbiguousDeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from candidly.messaging.models import InboxMessage
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
TOKEN = r"[a-z2-7]{26}"


class HandOffs:
    """Stands in for the worker's ``before_handoff`` and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_deliver_follow_up_email_reaches_smtp_with_headers_bodies_and_links(smtp_sink, interview):
    touchpoint = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL)
    handoffs = HandOffs()

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=handoffs)

    [mail] = smtp_sink.received
    assert receipt == Receipt(message_id=message_id_for(touchpoint), sent=True)
    assert handoffs.calls == 1
    assert mail.rcpt_tos == ["cara@mail.test"]
    assert mail.header("To") == "cara@mail.test"
    assert mail.header("From") == "Rita Recruiter via Candidly <candidly@localhost>"
    assert mail.subject == "How did it go with Acme Robotics?"
    assert mail.header("Message-ID") == message_id_for(touchpoint)
    assert re.fullmatch(rf"reply\+{TOKEN}@replies\.localhost", mail.header("Reply-To"))
    unsubscribe = re.fullmatch(
        rf"<http://127\.0\.0\.1:8000/u/(?P<token>{TOKEN})/>, "
        rf"<mailto:unsubscribe\+(?P=token)@replies\.localhost\?subject=unsubscribe>",
        mail.header("List-Unsubscribe"),
    )
    assert unsubscribe is not None
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"

    text = mail.body("plain").replace("\r\n", "\n")
    feedback = re.search(rf"http://127\.0\.0\.1:8000/l/feedback/{TOKEN}/", text)[0]
    withdraw = re.search(rf"http://127\.0\.0\.1:8000/l/withdraw/{TOKEN}/", text)[0]
    unsubscribe_url = f"http://127.0.0.1:8000/u/{unsubscribe['token']}/"
    assert text == (
        "Hi Cara,\n\n"
        "Thanks for interviewing with Acme Robotics for the Backend Engineer role. I'd really like to know "
        "how it went, honestly. Three quick questions, about a minute:\n\n"
        "- Did you enjoy the interview?\n"
        "- Was the role or the team different from what you expected?\n"
        "- Are you still keen to move forward?\n\n"
        f"Answer here: {feedback}\n\n"
        "If it wasn't for you, that is just as useful to hear, and it changes nothing about how we work "
        "with you. We'd rather know now and find you something that fits better.\n\n"
        "Rather talk it through? Call me or reply to this email.\n\n"
        "Rita Recruiter\n"
        "Call me: +44 20 7946 0958 (tel:+442079460958)\n"
        "Reply to this email and it comes straight to me.\n\n"
        "-- \n"
        "No longer interested in Backend Engineer at Acme Robotics? That's fine. Tell us in one click: "
        f"{withdraw}\n"
        f"Rather not get emails like this? Unsubscribe: {unsubscribe_url}\n"
    )
    html = mail.body("html")
    assert '<a href="tel:+442079460958" style="color:#2456c7;">+44 20 7946 0958</a>' in html
    assert re.findall(r'href="(http[^"]+)"', html) == [feedback, withdraw, unsubscribe_url]
    assert "Tell us how it went" in html

    # Every link in the email opens its page (GET only renders).
    client = Client()
    pages = [
        client.get(url.removeprefix("http://127.0.0.1:8000")) for url in (feedback, withdraw, unsubscribe_url)
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [page.templates[0].name for page in pages] == [
        "followups/feedback_form.html",
        "public/withdraw.html",
        "public/unsubscribe.html",
    ]


EXPECTED_SUBJECTS = {
    Kind.INTERVIEW_CONFIRMATION: "You're booked: Acme Robotics interview, {short}",
    Kind.INTERVIEW_REMINDER: "Reminder: your Acme Robotics interview is {relative}",
    Kind.FOLLOW_UP_EMAIL: "How did it go with Acme Robotics?",
    Kind.NUDGE: "Quick check-in after your Acme Robotics interview",
    Kind.LAST_CALL: "It's fine to tell us you're out",
    Kind.MISSED_YOU: "We missed you today. Is everything alright?",
    Kind.UPDATE: "An update on Backend Engineer at Acme Robotics",
}
EXPECTED_LINKS = {
    Kind.INTERVIEW_CONFIRMATION: ["confirm", "cancel", "withdraw", "u"],
    Kind.INTERVIEW_REMINDER: ["confirm", "cancel", "withdraw", "u"],
    Kind.FOLLOW_UP_EMAIL: ["feedback", "withdraw", "u"],
    Kind.NUDGE: ["feedback", "withdraw", "u"],
    Kind.LAST_CALL: ["withdraw", "feedback", "withdraw", "u"],
    Kind.MISSED_YOU: ["withdraw", "u"],
    Kind.UPDATE: ["withdraw", "u"],
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_SUBJECTS))
def test_deliver_every_candidate_kind_carries_recruiter_phone_links_and_unsubscribe(
    smtp_sink, interview, kind
):
    touchpoint = make_touchpoint(interview, kind)
    now = interview.starts_at - timedelta(hours=2)

    deliver(touchpoint, now=now, before_handoff=HandOffs())

    [mail] = smtp_sink.received
    local_start = interview.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert mail.subject == EXPECTED_SUBJECTS[kind].format(
        short=f"{local_start:%a} {local_start.day} {local_start:%b, %H:%M}", relative="in 2 hours"
    )
    text, html = mail.body("plain").replace("\r\n", "\n"), mail.body("html")
    assert text.startswith("Hi Cara,\n\n")
    assert "Rita Recruiter\nCall me: +44 20 7946 0958 (tel:+442079460958)\n" in text
    assert 'href="tel:+442079460958"' in html
    assert re.findall(r"http://127\.0\.0\.1:8000/(?:l/)?(\w+)/[a-z2-7]{26}/", text) == EXPECTED_LINKS[kind]
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"reply\+{TOKEN}@replies\.localhost", mail.header("Reply-To"))


def test_interview_confirmation_attaches_calendar_invite_with_stable_uid(smtp_sink, interview):
    touchpoint = make_touchpoint(interview, Kind.INTERVIEW_CONFIRMATION)

    deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())

    [mail] = smtp_sink.received
    [invite] = mail.attachments()
    calendar = invite.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert invite.get_content_type() == "text/calendar"
    assert f"UID:interview-{interview.pk}@replies.localhost" in calendar
    assert "SEQUENCE:0" in calendar
    assert "METHOD:REQUEST" in calendar
    local_start = interview.starts_at.astimezone(ZoneInfo(interview.time_zone))
    assert f"DTSTART;TZID={interview.time_zone}:{local_start:%Y%m%dT%H%M%S}" in calendar


@pytest.mark.parametrize("kind", [Kind.FEEDBACK_REQUEST, Kind.FEEDBACK_REMINDER])
def test_deliver_feedback_email_to_hiring_manager_has_reply_to_but_no_unsubscribe(smtp_sink, interview, kind):
    manager = interview.submission.role.hiring_manager
    touchpoint = make_touchpoint(interview, kind, contact=manager)

    deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())

    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ["hannah@acme.test"]
    assert (
        mail.subject
        == {
            Kind.FEEDBACK_REQUEST: "How did Cara Candidate do? (one minute)",
            Kind.FEEDBACK_REMINDER: "Reminder: your feedback on Cara Candidate",
        }[kind]
    )
    assert mail.header("List-Unsubscribe") is None
    assert re.fullmatch(rf"reply\+{TOKEN}@replies\.localhost", mail.header("Reply-To"))
    text = mail.body("plain").replace("\r\n", "\n")
    assert text.startswith("Hi Hannah,\n\n")
    [feedback] = re.findall(rf"http://127\.0\.0\.1:8000/l/feedback/{TOKEN}/", text)
    assert "+44 20 7946 0958 (tel:+442079460958)" in text
    page = Client().get(feedback.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "Your feedback on Cara Candidate" in page.content.decode()


def test_deliver_451_reply_to_data_is_temporary(smtp_sink, interview):
    smtp_sink.handler.reject_with = "451 4.3.0 Try again later"
    touchpoint = make_touchpoint(interview, Kind.NUDGE)

    with pytest.raises(TemporaryDeliveryError, match="SMTP 451"):
        deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())

    assert smtp_sink.received == []


def test_deliver_550_reply_to_data_is_permanent(smtp_sink, interview):
    smtp_sink.handler.reject_with = "550 5.7.1 Message rejected"
    touchpoint = make_touchpoint(interview, Kind.NUDGE)

    with pytest.raises(PermanentDeliveryError, match="SMTP 550"):
        deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())


def test_deliver_connection_refused_is_temporary_and_hands_nothing_off(smtp_sink, interview):
    smtp_sink.stop()
    touchpoint = make_touchpoint(interview, Kind.NUDGE)
    handoffs = HandOffs()

    with pytest.raises(TemporaryDeliveryError, match="SMTP unavailable"):
        deliver(touchpoint, now=timezone.now(), before_handoff=handoffs)

    assert handoffs.calls == 0


class HangUpAfterData:
    """A minimal SMTP server that reads a whole message, then hangs up instead of answering 250."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.message = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 test ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    for data_line in lines:
                        if data_line == b".\r\n":
                            return  # the message is complete: hang up without a reply
                        self.message += data_line
                elif verb == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:
                    connection.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)


def test_deliver_disconnect_after_data_is_ambiguous_not_temporary(settings, interview):
    server = HangUpAfterData()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    touchpoint = make_touchpoint(interview, Kind.NUDGE)
    handoffs = HandOffs()

    try:
        with pytest.raises(AmbiguousDeliveryError, match="after the message was sent"):
            deliver(touchpoint, now=timezone.now(), before_handoff=handoffs)
    finally:
        server.close()

    assert handoffs.calls == 1
    received = message_from_bytes(server.message, policy=policy.default)
    assert received["Message-ID"] == message_id_for(touchpoint)


def test_unsubscribed_candidate_gets_interview_logistics_but_not_nudges(smtp_sink, interview):
    candidate = interview.submission.candidate
    unsubscribe_token = re.search(
        rf"/u/({TOKEN})/", _deliver_one(interview, Kind.FOLLOW_UP_EMAIL, smtp_sink).header("List-Unsubscribe")
    )[1]
    Client(enforce_csrf_checks=True).post(
        f"/u/{unsubscribe_token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    smtp_sink.clear()
    nudge = make_touchpoint(interview, Kind.NUDGE)
    reminder = make_touchpoint(interview, Kind.INTERVIEW_REMINDER)
    handoffs = HandOffs()

    nudge_receipt = deliver(nudge, now=timezone.now(), before_handoff=handoffs)
    reminder_receipt = deliver(reminder, now=timezone.now(), before_handoff=handoffs)

    candidate.refresh_from_db()
    assert candidate.unsubscribed_at is not None
    assert nudge_receipt == Receipt(message_id="", sent=False, note=UNSUBSCRIBED)
    assert reminder_receipt == Receipt(message_id=message_id_for(reminder), sent=True)
    assert handoffs.calls == 1
    [mail] = smtp_sink.received
    assert mail.subject.startswith("Reminder: your Acme Robotics interview is ")
    assert (
        mail.body("plain")
        .replace("\r\n", "\n")
        .endswith(
            "You unsubscribed from our emails. We still send this one because it is about an interview "
            "you are booked for.\n"
        )
    )
    assert "Unsubscribe" not in mail.body("html")


def test_reminder_for_a_cancelled_interview_is_not_sent(smtp_sink, interview):
    interview.status = interview.Status.CANCELLED_WITH_NOTICE
    interview.save(update_fields=["status"])
    touchpoint = make_touchpoint(interview, Kind.INTERVIEW_REMINDER)

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())

    assert receipt == Receipt(message_id="", sent=False, note=INTERVIEW_OFF)
    assert smtp_sink.received == []


def test_deliver_to_the_local_inbox_stores_the_message(settings, interview):
    settings.EMAIL_BACKEND = "candidly.messaging.backends.InboxBackend"
    touchpoint = make_touchpoint(interview, Kind.NUDGE)

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())

    [stored] = InboxMessage.objects.all()
    assert receipt.sent is True
    assert (stored.message_id, stored.to, stored.subject) == (
        message_id_for(touchpoint),
        ["cara@mail.test"],
        "Quick check-in after your Acme Robotics interview",
    )
    assert stored.text_body.startswith(
        "Hi Cara,\r\n\r\nJust checking in after your interview with Acme Robotics."
    )
    assert 'href="tel:+442079460958"' in stored.html_body


def test_deliver_call_channel_is_not_messaging(interview):
    touchpoint = make_touchpoint(interview, Kind.FOLLOW_UP_CALL, channel=Touchpoint.Channel.CALL)

    with pytest.raises(PermanentDeliveryError, match="not delivered by messaging"):
        deliver(touchpoint, now=timezone.now(), before_handoff=HandOffs())


def _deliver_one(interview, kind, smtp_sink):
    deliver(make_touchpoint(interview, kind), now=timezone.now(), before_handoff=HandOffs())
    return smtp_sink.received[-1]
