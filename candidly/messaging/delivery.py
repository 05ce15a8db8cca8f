"""Turn a due Touchpoint into an outbound message. The worker's only entry point into messaging.

Contract for ``deliver``:
- It renders the message, then calls ``before_handoff()`` exactly once immediately before handing the message
  to the provider (SMTP, SMS API). The worker commits a marker there: a crash after it means "maybe sent".
- It returns a ``Receipt``. ``sent=False`` means deliberately not sent (no SMS provider configured, person
  unsubscribed from non-essential mail) and the note says why.
- It raises ``TemporaryDeliveryError`` (retry) or ``PermanentDeliveryError`` (give up) only for failures that
  happened before or during the hand-off and that guarantee nothing was accepted by the provider.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from candidly.followups.models import Touchpoint
from candidly.messaging.errors import PermanentDeliveryError, TemporaryDeliveryError


@dataclass(frozen=True)
class Receipt:
    message_id: str
    sent: bool
    note: str = ""


def message_id_for(touchpoint: Touchpoint) -> str:
    """A Message-ID derived from the idempotency key: a retried send reuses it, so duplicates are visible."""
    digest = hashlib.sha256(touchpoint.idempotency_key.encode()).hexdigest()[:32]
    return f"<tp-{digest}@{settings.CANDIDLY_REPLY_DOMAIN}>"


def deliver(touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None]) -> Receipt:
    if touchpoint.channel == Touchpoint.Channel.EMAIL:
        return _deliver_email(touchpoint, before_handoff=before_handoff)
    if touchpoint.channel == Touchpoint.Channel.SMS:
        return Receipt(message_id="", sent=False, note="No SMS provider is configured; the SMS was not sent.")
    raise PermanentDeliveryError(f"Channel {touchpoint.channel!r} is not delivered by messaging.")


def _deliver_email(touchpoint: Touchpoint, *, before_handoff: Callable[[], None]) -> Receipt:
    person = touchpoint.candidate or touchpoint.contact
    if person is None or not person.email:
        raise PermanentDeliveryError("The recipient has no email address.")
    message_id = message_id_for(touchpoint)
    context = {"touchpoint": touchpoint, "person": person}
    email = EmailMultiAlternatives(
        subject=render_to_string("emails/generic-subject.txt", context).strip(),
        body=render_to_string("emails/generic-body.txt", context),
        to=[person.email],
        headers={"Message-ID": message_id},
    )
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    before_handoff()
    try:
        email.connection = connection
        email.send()
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TemporaryDeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise PermanentDeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (TimeoutError, ConnectionError, smtplib.SMTPServerDisconnected) as exc:
        raise TemporaryDeliveryError(f"SMTP unavailable: {exc}") from exc
    return Receipt(message_id=message_id, sent=True)
