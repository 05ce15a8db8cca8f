"""The demo's local inbox: an email backend that stores each message so the app can show it."""

from __future__ import annotations

from collections.abc import Sequence
from email import message_from_bytes
from email.message import Message

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from candidly.messaging.models import InboxMessage


def _part(message: Message, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type and not part.get_filename():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


class InboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for email in email_messages:
            raw = email.message().as_bytes(linesep="\r\n")
            parsed = message_from_bytes(raw)
            InboxMessage.objects.create(
                message_id=parsed.get("Message-ID", ""),
                from_email=email.from_email,
                to=list(email.recipients()),
                subject=str(email.subject),
                text_body=_part(parsed, "text/plain"),
                html_body=_part(parsed, "text/html"),
                headers={key: str(value) for key, value in parsed.items()},
                raw=raw.decode("utf-8", errors="replace"),
            )
            sent += 1
        return sent
