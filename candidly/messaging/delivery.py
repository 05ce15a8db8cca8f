"""Turn a due Touchpoint into an outbound message. The worker's only entry point into messaging.

Contract for ``deliver``:
- It renders the message, opens the connection to the provider, then calls ``before_handoff()`` exactly
  once immediately before handing the message over (SMTP, SMS API). The worker commits a marker there:
  a crash after it means "maybe sent". When it returns without sending, ``before_handoff`` was not called.
- It returns a ``Receipt``. ``sent=False`` means deliberately not sent (person unsubscribed from
  non-essential mail, the interview of a reminder is off) and the note says why.
- An SMS never silently drops: when no provider is configured, the person has no number or texted STOP,
  the SMS cannot be written, or the provider refuses it for good, the same message goes by email instead
  and ``Receipt.fallback`` says why (``before_handoff`` is then called again before the email's hand-off:
  the refused SMS guarantees nothing was accepted).
- It raises ``TemporaryDeliveryError`` (retry) or ``PermanentDeliveryError`` (give up) only for failures that
  happened before or during the hand-off and that guarantee nothing was accepted by the provider:
  connection refused / timeout while connecting → temporary; an SMTP 4xx reply → temporary, 5xx → permanent.
- It raises ``AmbiguousDeliveryError`` when the connection broke after the message data went out: the
  provider may have accepted it, so the worker must mark it ambiguous and never re-send it automatically.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from candidly.followups.interview_plan import reason_no_longer_applies
from candidly.followups.models import Touchpoint
from candidly.messaging.emails import (
    LOGISTICS_KINDS,
    RenderError,
    is_logistics_for_attended_interview,
    keyed_message_id,
    render_email,
)
from candidly.messaging.errors import (
    AmbiguousDeliveryError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    failed_before_connecting,
)
from candidly.messaging.sms import get_sms_provider, render_sms

logger = logging.getLogger(__name__)

NO_SMS_PROVIDER = "No SMS provider is configured."
NO_PHONE = "There is no phone number on file."
SMS_OPTED_OUT = "They texted STOP: no more SMS."
UNSUBSCRIBED = "The candidate unsubscribed; only interview logistics are sent."
INTERVIEW_OFF = "The interview is no longer on; the logistics message was not sent."


@dataclass(frozen=True)
class Receipt:
    message_id: str
    sent: bool
    note: str = ""
    # Why an SMS went by email instead (empty when it went as planned).
    fallback: str = ""


def message_id_for(touchpoint: Touchpoint) -> str:
    """A Message-ID derived from the idempotency key (keyed, unguessable): a retried send reuses it, so
    duplicates are visible."""
    return keyed_message_id("tp", touchpoint.idempotency_key)


def deliver(touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None]) -> Receipt:
    """Send ``touchpoint``'s message by its channel; see the module docstring for the contract."""
    if touchpoint.channel not in (Touchpoint.Channel.EMAIL, Touchpoint.Channel.SMS):
        raise PermanentDeliveryError(f"Channel {touchpoint.channel!r} is not delivered by messaging.")
    reason = reason_not_to_send(touchpoint, now=now)
    if reason:
        return Receipt(message_id="", sent=False, note=reason)
    if touchpoint.channel == Touchpoint.Channel.SMS:
        return _deliver_sms(touchpoint, now=now, before_handoff=before_handoff)
    return _deliver_email(touchpoint, now=now, before_handoff=before_handoff)


def reason_not_to_send(touchpoint: Touchpoint, *, now: datetime) -> str:
    """Why this message must not go out at all (empty when it may): unsubscribed, or a message about an
    interview that no longer applies (off, started, changed since: ``interview_plan``)."""
    candidate = touchpoint.candidate
    # The worker may hold this row for a while: read the state a person can change from the database now.
    if candidate is not None:
        candidate.refresh_from_db(fields=["unsubscribed_at"])
    if touchpoint.interview is not None:
        touchpoint.interview.refresh_from_db(fields=["status", "starts_at", "ends_at", "sequence"])
    if touchpoint.kind in LOGISTICS_KINDS and not is_logistics_for_attended_interview(touchpoint):
        return INTERVIEW_OFF
    no_longer = reason_no_longer_applies(touchpoint, now=now)
    if no_longer:
        return no_longer
    if candidate is not None and candidate.is_unsubscribed and not touchpoint.is_essential:
        return UNSUBSCRIBED
    return ""


def _deliver_email(touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None]) -> Receipt:
    person = touchpoint.candidate or touchpoint.contact
    if person is None or not person.email:
        raise PermanentDeliveryError("The recipient has no email address.")
    message_id = message_id_for(touchpoint)
    # Render and serialise before connecting: a template error or a header that cannot be written (a line
    # break in a name) fails here, before anything is opened or marked as handed off, so it is a failure
    # and never a "maybe sent".
    try:
        message = render_email(touchpoint, now=now).to_message(message_id=message_id)
        message.message()
    except (RenderError, TemplateDoesNotExist, TemplateSyntaxError, BadHeaderError, ValueError) as exc:
        raise PermanentDeliveryError(f"The email could not be written: {exc}") from exc
    connection = get_connection(fail_silently=False)
    if isinstance(connection, SmtpBackend):
        _send_smtp(connection, message, before_handoff=before_handoff)
    else:
        _send_with_backend(connection, message, before_handoff=before_handoff)
    return Receipt(message_id=message_id, sent=True)


def _send_smtp(
    backend: SmtpBackend, message: EmailMultiAlternatives, *, before_handoff: Callable[[], None]
) -> None:
    """Speak SMTP ourselves on Django's connection so each failure is classified by the phase it hit.

    ``smtplib.sendmail`` hides whether a broken connection happened before DATA (nothing accepted, safe
    to retry) or after the message went out (maybe accepted): that difference decides duplicate or not.
    """
    envelope_from = sanitize_address(message.from_email, message.encoding)
    recipients = [sanitize_address(address, message.encoding) for address in message.recipients()]
    data = message.message().as_bytes(linesep="\r\n")
    try:
        backend.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryDeliveryError(f"SMTP unavailable: {exc}") from exc
    smtp = backend.connection
    assert smtp is not None  # open() either connected or raised
    try:
        # The worker now records "maybe sent"; up to DATA every failure still proves nothing was accepted.
        before_handoff()
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(envelope_from)
            if code != 250:
                raise _refused(code, reply)
            refused = {}
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, reply)
            if len(refused) == len(recipients):
                # Every recipient refused: permanent only if every refusal was permanent.
                worst = min(code for code, _ in refused.values())
                raise _refused(worst, b"; ".join(reply for _, reply in refused.values()))
        except smtplib.SMTPResponseException as exc:
            raise _refused(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryDeliveryError(f"SMTP failed before the message was sent: {exc}") from exc
        try:
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            # The server refused the DATA command itself: the message never went out.
            raise _refused(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise AmbiguousDeliveryError(f"SMTP connection lost after the message was sent: {exc}") from exc
        if 400 <= code < 600:
            raise _refused(code, reply)
        if not 200 <= code < 300:
            raise AmbiguousDeliveryError(f"SMTP gave an unexpected reply {code} after the message data.")
    finally:
        _close_quietly(backend)


def _refused(code: int, reply: bytes | str) -> TemporaryDeliveryError | PermanentDeliveryError:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    if 400 <= code < 500:
        return TemporaryDeliveryError(f"SMTP {code}: {text}")
    return PermanentDeliveryError(f"SMTP {code}: {text}")


def _close_quietly(backend: BaseEmailBackend) -> None:
    # The outcome is already decided; a failing QUIT must not turn a sent message into an error.
    try:
        backend.close()
    except Exception:
        logger.warning("Closing the mail connection failed", exc_info=True)


def _send_with_backend(
    backend: BaseEmailBackend, message: EmailMultiAlternatives, *, before_handoff: Callable[[], None]
) -> None:
    """Any other Django backend: the demo inbox, locmem, console, or an anymail provider's HTTP API."""
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

    try:
        backend.open()
    except Exception as exc:
        raise TemporaryDeliveryError(f"Mail backend unavailable: {exc}") from exc
    try:
        before_handoff()
        try:
            sent = backend.send_messages([message])
        except AnymailRecipientsRefused as exc:
            raise PermanentDeliveryError(f"The provider refused the recipient: {exc}") from exc
        except AnymailAPIError as exc:
            status = getattr(exc, "status_code", None)
            if status == 429 or (status is None and failed_before_connecting(exc)):
                raise TemporaryDeliveryError(f"Provider unavailable: {exc}") from exc
            if status is not None and 400 <= status < 500:
                raise PermanentDeliveryError(f"Provider refused the message: {exc}") from exc
            raise AmbiguousDeliveryError(f"Provider outcome unknown: {exc}") from exc
        except Exception as exc:
            raise AmbiguousDeliveryError(f"Mail backend failed during hand-off: {exc}") from exc
        if not sent:
            raise PermanentDeliveryError("The mail backend accepted no message.")
    finally:
        _close_quietly(backend)


def _deliver_sms(touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None]) -> Receipt:
    """The SMS, or the same message by email when the SMS cannot go (see the module docstring)."""
    candidate = touchpoint.candidate
    if candidate is not None:
        candidate.refresh_from_db(fields=["sms_opted_out_at"])  # a STOP may have come in since the claim
    provider = get_sms_provider()
    if candidate is None or not candidate.phone:
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=NO_PHONE)
    if not candidate.accepts_sms:
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=SMS_OPTED_OUT)
    if provider is None:
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=NO_SMS_PROVIDER)
    try:
        body = render_sms(touchpoint, now=now)
    except (RenderError, TemplateDoesNotExist, TemplateSyntaxError) as exc:
        why = f"The SMS could not be written: {exc}"
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=why)
    reference = message_id_for(touchpoint)
    before_handoff()
    try:
        provider_id = provider.send_sms(to=candidate.phone, body=body, reference=reference)
    except PermanentDeliveryError as exc:
        # The provider certainly accepted nothing (the interface's promise): the email is no duplicate.
        why = f"The SMS provider refused it: {exc}"
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=why)
    return Receipt(message_id=provider_id or reference, sent=True)


def instead_by_email(
    touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None], why: str
) -> Receipt:
    """The SMS ``touchpoint``'s message by email, its receipt saying ``why`` (``Receipt.fallback``). Also
    the worker's, for an SMS whose provider failed temporarily on every try."""
    logger.info("Touchpoint %s goes by email instead of SMS: %s", touchpoint.pk, why)
    receipt = _deliver_email(touchpoint, now=now, before_handoff=before_handoff)
    return replace(receipt, fallback=why)
