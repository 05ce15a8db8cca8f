"""``deliver`` through an anymail provider: Postmark's API played by a local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.messaging.delivery import Receipt, deliver, message_id_for
from candidly.messaging.errors import AmbiguousDeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from tests.messaging.conftest import make_touchpoint
from tests.smtp import free_port


class FakePostmark(BaseHTTPRequestHandler):
    """Answers every POST with ``reply`` = (status, JSON body) and keeps the requests."""

    reply: tuple[int, dict] = (200, {})
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakePostmark.requests.append(json.loads(body))
        status, payload = FakePostmark.reply
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def postmark(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePostmark)
    FakePostmark.requests, FakePostmark.reply = [], (200, {})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "test-token",
        "POSTMARK_API_URL": f"http://127.0.0.1:{server.server_address[1]}/",
    }
    yield FakePostmark
    server.shutdown()
    server.server_close()


def test_deliver_through_anymail_provider_sends_headers_and_bodies(interview, postmark):
    postmark.reply = (200, {"ErrorCode": 0, "Message": "OK", "MessageID": "pm-1", "To": "cara@mail.test"})
    touchpoint = make_touchpoint(interview, Touchpoint.Kind.NUDGE)

    receipt = deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)

    [sent] = postmark.requests
    headers = {header["Name"]: header["Value"] for header in sent["Headers"]}
    assert receipt == Receipt(message_id=message_id_for(touchpoint), sent=True)
    assert (sent["To"], sent["Subject"]) == (
        "cara@mail.test",
        "Quick check-in after your Acme Robotics interview",
    )
    assert sent["ReplyTo"].startswith("reply+")
    assert headers["Message-ID"] == message_id_for(touchpoint)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["TextBody"].startswith("Hi Cara,\n\nJust checking in")
    assert 'href="tel:+442079460958"' in sent["HtmlBody"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((429, {"ErrorCode": 429, "Message": "Rate limit exceeded"}), TemporaryDeliveryError),
        ((401, {"ErrorCode": 10, "Message": "Bad token"}), PermanentDeliveryError),
        (
            (
                422,
                {
                    "ErrorCode": 406,
                    "Message": "You tried to send to recipient(s) that have been marked as inactive. "
                    "Found inactive addresses: cara@mail.test. Inactive recipients are ones that have "
                    "generated a hard bounce, a spam complaint, or a manual suppression.",
                },
            ),
            PermanentDeliveryError,
        ),
        ((500, {"ErrorCode": 0, "Message": "Internal error"}), AmbiguousDeliveryError),
    ],
)
def test_anymail_provider_errors_are_classified(interview, postmark, reply, error):
    postmark.reply = reply
    touchpoint = make_touchpoint(interview, Touchpoint.Kind.NUDGE)

    with pytest.raises(error):
        deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)

    assert len(postmark.requests) == 1


def test_anymail_provider_unreachable_is_temporary(interview, settings):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "t", "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/"}
    touchpoint = make_touchpoint(interview, Touchpoint.Kind.NUDGE)

    with pytest.raises(TemporaryDeliveryError, match="Provider unavailable"):
        deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)
