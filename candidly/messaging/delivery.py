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

The worker's ``before_handoff`` is a :class:`HandOff`: it writes the message's signed links with its marker
(one durable commit per message) and checks, in the marker's own statement, that the candidate's and the
interview's changeable fields are still those ``deliver`` decided and rendered on (``followups.handoffs``);
when they changed it raises :class:`StateChanged` before marking anything, and ``deliver`` reads them and
decides again. Any other callable (tests' stand-ins) is called as ``before_handoff()``: ``deliver`` then
reads the fresh state itself first and saves the links just before calling it.

A batch's messages share one mail connection (:class:`Outbox`): the worker opens one per batch instead of
one per message. A failure on it closes it; the next message opens a new one.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import smtplib
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from email.generator import BytesGenerator
from email.policy import Compat32
from email.utils import formatdate
from io import BytesIO
from types import TracebackType

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from candidly.followups.handoffs import refresh_state
from candidly.followups.interview_plan import reason_no_longer_applies
from candidly.followups.models import Touchpoint
from candidly.messaging import wording
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
    StateChanged,
    TemporaryDeliveryError,
    failed_before_connecting,
)
from candidly.messaging.links import collect_links, save_links
from candidly.messaging.models import Link
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


class Outbox:
    """What a batch of messages shares: one mail connection (opened at the first message, kept open while
    it works, closed at the end of the batch or after any failure) and the agency's words, read once.

    A context manager: :func:`deliver` called inside ``with Outbox():`` uses it (the worker wraps each
    batch in one).
    """

    def __init__(self) -> None:
        self._backend: BaseEmailBackend | None = None
        self._stack = ExitStack()

    def __enter__(self) -> Outbox:
        self._stack.enter_context(wording.words_for_batch())
        token = _current_outbox.set(self)
        self._stack.callback(_current_outbox.reset, token)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        self._stack.close()

    def backend(self) -> BaseEmailBackend:
        if self._backend is None:
            self._backend = get_connection(fail_silently=False)
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            _close_quietly(self._backend)
            self._backend = None


# The batch's Outbox while the worker performs it (None: each message opens its own connection).
_current_outbox: ContextVar[Outbox | None] = ContextVar("candidly_outbox", default=None)


class HandOff:
    """The worker's ``before_handoff`` (see the module docstring): called with the message's links, it commits
    them with the marker, or raises :class:`StateChanged` (nothing marked) or the worker's ``LeaseLost``."""

    def __call__(self, links: Sequence[Link] = ()) -> None:
        raise NotImplementedError


# How many times a message is decided again because its state changed under it before it is put off.
DECISIONS = 3


def deliver(touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None]) -> Receipt:
    """Send ``touchpoint``'s message by its channel; see the module docstring for the contract.

    Inside ``with Outbox():`` the message goes on the batch's shared connection, else on one of its own."""
    outbox = _current_outbox.get()
    if touchpoint.channel not in (Touchpoint.Channel.EMAIL, Touchpoint.Channel.SMS):
        raise PermanentDeliveryError(f"Channel {touchpoint.channel!r} is not delivered by messaging.")
    if not isinstance(before_handoff, HandOff):
        # Nothing checks the state at the hand-off: read it now (one query).
        refresh_state(touchpoint)
    for _ in range(DECISIONS):
        reason = reason_not_to_send(touchpoint, now=now)
        if reason:
            return Receipt(message_id="", sent=False, note=reason)
        try:
            if touchpoint.channel == Touchpoint.Channel.SMS:
                return _deliver_sms(touchpoint, now=now, before_handoff=before_handoff, outbox=outbox)
            return _deliver_email(touchpoint, now=now, before_handoff=before_handoff, outbox=outbox)
        except StateChanged:
            # Nothing was marked or sent: read what changed and decide (and render) again.
            refresh_state(touchpoint)
    raise TemporaryDeliveryError("The candidate's or the interview's details kept changing while sending.")


def reason_not_to_send(touchpoint: Touchpoint, *, now: datetime) -> str:
    """Why this message must not go out at all (empty when it may): unsubscribed, or a message about an
    interview that no longer applies (off, started, changed since: ``interview_plan``). Decided on the
    candidate and interview as loaded; the hand-off checks that they are still so."""
    candidate = touchpoint.candidate
    if touchpoint.kind in LOGISTICS_KINDS and not is_logistics_for_attended_interview(touchpoint):
        return INTERVIEW_OFF
    no_longer = reason_no_longer_applies(touchpoint, now=now)
    if no_longer:
        return no_longer
    if candidate is not None and candidate.is_unsubscribed and not touchpoint.is_essential:
        return UNSUBSCRIBED
    return ""


def _with_links(before_handoff: Callable[[], None], links: Sequence[Link]) -> Callable[[], None]:
    """``before_handoff`` that writes the message's links with the marker (a :class:`HandOff`), or first
    (one statement, see ``save_links``): either way they are on disk before the message goes, and a message
    that never reaches its hand-off leaves no links."""
    if isinstance(before_handoff, HandOff):
        hand_off = before_handoff
        return lambda: hand_off(links)
    if not links:
        return before_handoff

    def handoff() -> None:
        save_links(links)
        before_handoff()

    return handoff


def _deliver_email(
    touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None], outbox: Outbox | None
) -> Receipt:
    person = touchpoint.candidate or touchpoint.contact
    if person is None or not person.email:
        raise PermanentDeliveryError("The recipient has no email address.")
    message_id = message_id_for(touchpoint)
    # Render and serialise before connecting: a template error or a header that cannot be written (a line
    # break in a name) fails here, before anything is opened or marked as handed off, so it is a failure
    # and never a "maybe sent".
    try:
        with collect_links() as links:
            message = render_email(touchpoint, now=now).to_message(message_id=message_id)
        # Serialised once: the same bytes go over SMTP (a third of the CPU a message costs is this).
        data = _serialised(message)
    except (RenderError, TemplateDoesNotExist, TemplateSyntaxError, BadHeaderError, ValueError) as exc:
        raise PermanentDeliveryError(f"The email could not be written: {exc}") from exc
    handoff = _with_links(before_handoff, links)
    connection = outbox.backend() if outbox is not None else get_connection(fail_silently=False)
    if isinstance(connection, SmtpBackend):
        _send_smtp(connection, message, data, before_handoff=handoff, keep_open=outbox is not None)
    else:
        _send_with_backend(connection, message, before_handoff=handoff)
    return Receipt(message_id=message_id, sent=True)


# A header value that folding and encoding leave as it is: printable ASCII words, single spaces between them.
_PLAIN_HEADER = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")


class _Headers(Compat32):
    """The policy Django's messages are written with (``compat32``), minus its cost for the headers it
    would leave untouched: a plain ASCII value whose line fits in ``max_line_length`` is written as
    ``Name: value`` at once instead of through ``email.header.Header`` (which splits, measures and joins
    it again to the same string: a fifth of a message's serialisation). Anything else -- long, encoded,
    with tabs, runs of spaces or line breaks -- goes the standard way. The bytes are the same
    (``tests/messaging/test_email_bytes.py`` compares them with the standard policy's)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
            and _PLAIN_HEADER.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_WIRE_POLICY = _Headers(linesep="\r\n")


# Any line break in a body, as the generator finds them (``email.generator.NLCRE``).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Generator(BytesGenerator):
    """``BytesGenerator`` writing a body's lines in one piece: the standard one writes each line and each line
    break on its own (two calls and two encodes per line, most of a body's cost); the bytes are the same."""

    def _write_lines(self, lines: str) -> None:
        # ``flatten`` sets ``policy`` (with the line separator asked for) before writing anything.
        assert self.policy is not None
        if lines:
            self.write(_LINE_BREAK.sub(self.policy.linesep, lines))


def _serialised(message: EmailMultiAlternatives) -> bytes:
    """The message's bytes, as ``message.message().as_bytes(linesep="\\r\\n")`` writes them but cheaper:
    its multipart boundaries are random tokens of our own (left to itself the generator makes one per part and
    compiles a regular expression per boundary to check the body does not contain it; 128 random bits cannot
    collide with a body), and headers that need no folding skip the folding machinery (:class:`_Headers`).
    The usual email (:func:`_plain_alternatives`) is written without building the MIME tree at all."""
    plain = _plain_alternatives(message)
    if plain is not None:
        return plain
    mime = message.message()
    for part in mime.walk():
        if part.is_multipart():
            part.set_boundary(f"===============candidly{secrets.token_hex(16)}==")
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=_WIRE_POLICY).flatten(mime)
    return out.getvalue()


# Headers Django writes itself: an extra header by one of these names takes the standard way.
_OWN_HEADERS = frozenset(
    {"content-type", "content-transfer-encoding", "mime-version", "subject", "from", "to", "cc", "reply-to"}
)


def _plain_alternatives(message: EmailMultiAlternatives) -> bytes | None:
    """The bytes of the email nearly every message is -- a text body and its HTML alternative in UTF-8, no
    attachment, no line over SMTP's 998 bytes -- written directly: the same bytes as the standard way
    (Django's ``message()``, then the generator), which builds a tree of MIME objects and walks it again to
    write it. Each header still goes through what the standard way calls for it: Django's check and encoding
    (``forbid_multi_line_headers``: a line break raises ``BadHeaderError``), then the policy's folding.
    None for any other message (it then goes the standard way).
    ``tests/messaging/test_email_bytes.py`` compares the two on generated messages."""
    if (
        type(message) is not EmailMultiAlternatives
        or message.attachments
        or message.cc
        or message.content_subtype != "plain"
        or message.alternative_subtype != "alternative"
        or len(message.alternatives) != 1
        or message.alternatives[0][1] != "text/html"
        or message.encoding is not None
        or settings.DEFAULT_CHARSET.lower() != "utf-8"
        or not message.body
    ):
        return None
    names = {name.lower() for name in message.extra_headers}
    if "message-id" not in names or names & _OWN_HEADERS:
        return None
    headers = [("Subject", message.subject), ("From", message.from_email)]
    for name, addresses in (("To", message.to), ("Reply-To", message.reply_to)):
        if addresses:
            headers.append((name, ", ".join(str(address) for address in addresses)))
    if "date" not in names:
        headers.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    headers += message.extra_headers.items()
    # The encoding Django's message() passes (None) stands for DEFAULT_CHARSET, checked above to be UTF-8.
    charset = settings.DEFAULT_CHARSET
    lines = [
        _WIRE_POLICY.fold_binary(name, forbid_multi_line_headers(name, str(value), charset)[1])
        for name, value in headers
    ]
    parts = []
    for body, subtype in ((message.body, "plain"), (message.alternatives[0][0], "html")):
        if not isinstance(body, str) or _has_long_lines(body):
            return None
        encoding = "7bit" if body.isascii() else "8bit"
        parts.append(
            f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n{_LINE_BREAK.sub(_CRLF, body)}"
        )
    boundary = f"===============candidly{secrets.token_hex(16)}=="
    head = f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'
    between = f"\r\n--{boundary}\r\n"
    body = f"\r\n--{boundary}\r\n{between.join(parts)}\r\n--{boundary}--\r\n"
    return b"".join([head.encode("ascii"), *lines, body.encode("utf-8")])


_CRLF = "\r\n"


def _has_long_lines(body: str) -> bool:
    # Django's test for a body it sends quoted-printable instead (``SafeMIMEText.set_payload``).
    return any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in body.splitlines()
    )


# A bare address of ASCII atoms (``first.last+tag@mail.example``), as nearly every recipient's is: what
# ``sanitize_address`` and ``smtplib.quoteaddr`` make of it is known without parsing it (the same strings:
# tests/messaging/test_envelope_addresses.py compares them on generated addresses).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")


def _is_plain(address: str) -> bool:
    return len(address) <= 254 and _PLAIN_ADDRESS.fullmatch(address) is not None


def _envelope_address(address: str, encoding: str) -> str:
    """``sanitize_address(address, encoding)``, without its header parse for a plain address."""
    if _is_plain(address):
        return address
    return _sanitized_address(address, encoding)


@functools.lru_cache(maxsize=1024)
def _sanitized_address(address: str, encoding: str) -> str:
    # Remembered (a pure function): a batch's messages mostly come from the same few recruiters.
    return sanitize_address(address, encoding)


def _quoted(address: str) -> str:
    """``smtplib.quoteaddr(address)`` (the path of a MAIL or RCPT command), without its parse when plain."""
    if _is_plain(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _mail(smtp: smtplib.SMTP, sender: str) -> tuple[int, bytes]:
    """``smtp.mail(sender)`` (no ESMTP options)."""
    smtp.putcmd("mail", f"from:{_quoted(sender)}")
    return smtp.getreply()


def _rcpt(smtp: smtplib.SMTP, recipient: str) -> tuple[int, bytes]:
    """``smtp.rcpt(recipient)`` (no ESMTP options)."""
    smtp.putcmd("rcpt", f"to:{_quoted(recipient)}")
    return smtp.getreply()


def _send_smtp(
    backend: SmtpBackend,
    message: EmailMultiAlternatives,
    data: bytes,
    *,
    before_handoff: Callable[[], None],
    keep_open: bool = False,
) -> None:
    """Speak SMTP ourselves on Django's connection so each failure is classified by the phase it hit.

    ``smtplib.sendmail`` hides whether a broken connection happened before DATA (nothing accepted, safe
    to retry) or after the message went out (maybe accepted): that difference decides duplicate or not.
    With ``keep_open`` a connection that worked stays open for the next message of the batch; one the
    server closed while idle is opened again before MAIL FROM (nothing of this message had gone out).
    """
    envelope_from = _envelope_address(message.from_email, message.encoding)
    recipients = [_envelope_address(address, message.encoding) for address in message.recipients()]
    reused = backend.connection is not None
    try:
        backend.open()
    except (OSError, smtplib.SMTPException) as exc:
        _close_quietly(backend)
        raise TemporaryDeliveryError(f"SMTP unavailable: {exc}") from exc
    accepted = False
    try:
        # The worker now records "maybe sent"; up to DATA every failure still proves nothing was accepted.
        before_handoff()
        try:
            try:
                smtp = _ready(backend)
                code, reply = _mail(smtp, envelope_from)
            except (smtplib.SMTPServerDisconnected, OSError):
                if not reused:
                    raise
                # The server dropped the connection kept from the previous message: open a fresh one.
                _close_quietly(backend)
                backend.open()
                smtp = _ready(backend)
                code, reply = _mail(smtp, envelope_from)
            if code != 250:
                raise _refused(code, reply)
            refused = {}
            for recipient in recipients:
                code, reply = _rcpt(smtp, recipient)
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
        accepted = True
    finally:
        # After any failure the session's state is unknown: the next message starts on a new connection.
        if not (keep_open and accepted):
            _close_quietly(backend)


def _ready(backend: SmtpBackend) -> smtplib.SMTP:
    smtp = backend.connection
    assert smtp is not None  # open() either connected or raised
    smtp.ehlo_or_helo_if_needed()
    return smtp


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


def _deliver_sms(
    touchpoint: Touchpoint, *, now: datetime, before_handoff: Callable[[], None], outbox: Outbox | None
) -> Receipt:
    """The SMS, or the same message by email when the SMS cannot go (see the module docstring).

    A STOP that came in since the claim is seen: ``reason_not_to_send`` read ``sms_opted_out_at`` again."""
    candidate = touchpoint.candidate
    provider = get_sms_provider()
    if candidate is None or not candidate.phone:
        return instead_by_email(
            touchpoint, now=now, before_handoff=before_handoff, why=NO_PHONE, outbox=outbox
        )
    if not candidate.accepts_sms:
        return instead_by_email(
            touchpoint, now=now, before_handoff=before_handoff, why=SMS_OPTED_OUT, outbox=outbox
        )
    if provider is None:
        return instead_by_email(
            touchpoint, now=now, before_handoff=before_handoff, why=NO_SMS_PROVIDER, outbox=outbox
        )
    try:
        with collect_links() as links:
            body = render_sms(touchpoint, now=now)
    except (RenderError, TemplateDoesNotExist, TemplateSyntaxError) as exc:
        why = f"The SMS could not be written: {exc}"
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=why, outbox=outbox)
    reference = message_id_for(touchpoint)
    _with_links(before_handoff, links)()
    try:
        provider_id = provider.send_sms(to=candidate.phone, body=body, reference=reference)
    except PermanentDeliveryError as exc:
        # The provider certainly accepted nothing (the interface's promise): the email is no duplicate.
        why = f"The SMS provider refused it: {exc}"
        return instead_by_email(touchpoint, now=now, before_handoff=before_handoff, why=why, outbox=outbox)
    return Receipt(message_id=provider_id or reference, sent=True)


def instead_by_email(
    touchpoint: Touchpoint,
    *,
    now: datetime,
    before_handoff: Callable[[], None],
    why: str,
    outbox: Outbox | None = None,
) -> Receipt:
    """The SMS ``touchpoint``'s message by email, its receipt saying ``why`` (``Receipt.fallback``). Also
    the worker's, for an SMS whose provider failed temporarily on every try."""
    logger.info("Touchpoint %s goes by email instead of SMS: %s", touchpoint.pk, why)
    if outbox is None:  # the worker's call after the last failed try: the batch's connection, if any
        outbox = _current_outbox.get()
    receipt = _deliver_email(touchpoint, now=now, before_handoff=before_handoff, outbox=outbox)
    return replace(receipt, fallback=why)
