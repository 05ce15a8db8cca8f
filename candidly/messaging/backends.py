"""The demo's local inbox: an email backend that stores each message so the app (admins) can show it.

Account-security mail (a password-reset link, marked with ``ACCOUNT_SECURITY_HEADER`` when it is sent) is
recorded by its envelope only: whoever reads the inbox or its table must never be able to follow the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from email import message_from_bytes
from email.message import Message

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from candidly.accounts.security import ACCOUNT_SECURITY_HEADER
from candidly.messaging.models import InboxMessage

# What is kept of an account-security message's headers: enough to see that it was sent, and to whom.
ENVELOPE_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", ACCOUNT_SECURITY_HEADER)


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
            headers = {key: str(value) for key, value in parsed.items()}
            if parsed.get(ACCOUNT_SECURITY_HEADER):
                InboxMessage.objects.create(
                    message_id=parsed.get("Message-ID", ""),
                    from_email=email.from_email,
                    to=list(email.recipients()),
                    subject=str(email.subject),
                    headers={key: value for key, value in headers.items() if key in ENVELOPE_HEADERS},
                    raw="",
                    account_security=True,
                )
                sent += 1
                continue
            InboxMessage.objects.create(
                message_id=parsed.get("Message-ID", ""),
                from_email=email.from_email,
                to=list(email.recipients()),
                subject=str(email.subject),
                text_body=_part(parsed, "text/plain"),
                html_body=_part(parsed, "text/html"),
                headers=headers,
                raw=raw.decode("utf-8", errors="replace"),
            )
            sent += 1
        return sent
