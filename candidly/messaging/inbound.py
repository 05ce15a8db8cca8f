"""Replies coming back: parse an inbound email, find the touchpoint it answers, record it as a response.

Two routes lead here: anymail's inbound webhook (``anymail.signals.inbound``) and
``manage.py ingest_email < message.eml``. Every message is kept raw, placed or not.

Only a reply sent to a live ``reply+<token>@`` address is trusted: the token was in the email we sent to
that person. A reply that names one of our Message-IDs in ``In-Reply-To``/``References`` from the person's
address (a client that dropped Reply-To) proves nothing, since both headers can be forged: it waits on the
recruiters' "Replies to review" list and stops nothing until someone accepts it (:func:`accept_reply`).
A calendar app's accept / decline (iTIP REPLY) to a reply address goes to ``messaging.calendar_replies``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from candidly.accounts.models import User
from candidly.followups.models import Feedback, Touchpoint
from candidly.followups.responses import record_response
from candidly.messaging.calendar_replies import (
    CalendarReply,
    CalendarResult,
    apply_calendar_reply,
    find_calendar_reply,
)
from candidly.messaging.links import LinkError, resolve_link
from candidly.messaging.models import InboundEmail, Link
from candidly.messaging.services import unsubscribe_candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

logger = logging.getLogger(__name__)

RESPONDED_BY_EMAIL = "responded by email"
ADDRESS_RE = re.compile(r"^(?P<box>reply|unsubscribe)\+(?P<token>[a-z2-7]{26})@(?P<domain>[^@\s]+)$", re.I)
# "On Tue, 3 Mar 2026 at 14:02, Rita <rita@…> wrote:" and its common translations.
ATTRIBUTION_RE = re.compile(
    r"^(on|le|am|el|il|op)\b.*\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:\s*$", re.I
)
ATTRIBUTION_END_RE = re.compile(r"\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:\s*$", re.I)
FORWARD_MARKERS = ("-----original message-----", "________________________________")


def strip_quoted(text: str) -> str:
    """The new part of a reply: drops ``>`` quotes, the "On … wrote:" block after it and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--"):
            break  # RFC 3676 signature separator: everything after it is the signature
        if ATTRIBUTION_RE.match(stripped) or stripped.lower() in FORWARD_MARKERS:
            break
        # Clients wrap a long attribution: "On …, Rita Recruiter <…>" / "wrote:" on the next line.
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if re.match(r"^(on|le|am|el|il|op)\b", stripped, re.I) and ATTRIBUTION_END_RE.search(following):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    # Removed quotes leave runs of blank lines between the answers; keep one.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def reply_text(message: EmailMessage) -> str:
    """The reply's own words from its text part (or its HTML part turned into text), quotes removed."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(blockquote|style|script|head)\b.*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = unescape(strip_tags(content))
    return strip_quoted(content)


def record_reply(touchpoint: Touchpoint, *, text: str, received_at: datetime) -> list[Touchpoint]:
    """Count an email reply to ``touchpoint`` as the person's response, in one transaction.

    Appends a "Replied by email" Event with the text on the timeline, then records the person's response
    (``followups.responses.record_response``: their remaining planned touchpoints for that interview are
    skipped with the reason "responded by email", gone quiet is cleared). Returns the skipped rows.
    """
    actor = Event.Actor.CANDIDATE if touchpoint.candidate_id else Event.Actor.CONTACT
    with transaction.atomic():
        record_event(
            kind=EventKind.EMAIL_REPLIED,
            summary=f"Replied by email: {text}" if text else "Replied by email",
            actor_type=actor,
            candidate=touchpoint.candidate,
            contact=touchpoint.contact,
            interview=touchpoint.interview,
            submission=touchpoint.submission,
            data={"text": text, "touchpoint": touchpoint.pk, "received_at": received_at.isoformat()},
        )
        response = record_response(
            person=touchpoint.person,
            interview=touchpoint.interview,
            submission=touchpoint.submission,
            channel=Feedback.Channel.EMAIL,
            received_at=received_at,
        )
        return response.skipped


def ingest_email(
    raw: bytes, *, received_at: datetime | None = None, envelope_recipients: Sequence[str] = ()
) -> InboundEmail:
    """Store ``raw`` and act on it: a reply is recorded on its touchpoint's timeline, a mail to the
    ``unsubscribe+`` address unsubscribes. Never raises for an unknown address (status ``unmatched``,
    logged). A message whose Message-ID was already ingested returns the earlier row untouched, so a
    provider retrying its webhook does not record the reply twice.
    """
    received_at = received_at or timezone.now()
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    if message_id:
        earlier = InboundEmail.objects.filter(message_id=message_id).first()
        if earlier is not None:
            logger.info("Inbound message %s was already ingested as #%s", message_id, earlier.pk)
            return earlier
    recipients = _recipients(message, envelope_recipients)
    inbound = InboundEmail(
        received_at=received_at,
        message_id=message_id,
        from_email=parseaddr(str(message.get("From", "")))[1][:320],
        to=recipients,
        subject=str(message.get("Subject", ""))[:500],
        raw=raw,
    )
    with transaction.atomic():
        unsubscribe = _unsubscribe_link(recipients, received_at)
        if unsubscribe is not None and unsubscribe.candidate is not None:
            unsubscribe_candidate(
                unsubscribe.candidate, via="email to the unsubscribe address", now=received_at
            )
            inbound.status = InboundEmail.Status.UNSUBSCRIBE
            inbound.candidate = unsubscribe.candidate
            inbound.save()
            return inbound
        calendar_reply = find_calendar_reply(message)
        if calendar_reply is not None:
            return _ingest_calendar_reply(inbound, calendar_reply, recipients=recipients, now=received_at)
        touchpoint = _touchpoint_by_token(recipients, received_at)
        trusted = touchpoint is not None
        if touchpoint is None:
            touchpoint = _touchpoint_by_thread(message, inbound.from_email)
        if touchpoint is None:
            logger.warning("Inbound message %r to %s matches no touchpoint; kept raw", message_id, recipients)
            inbound.status = InboundEmail.Status.UNMATCHED
            inbound.note = "No reply address or earlier message of ours matches."
            inbound.save()
            return inbound
        inbound.text = reply_text(message)
        inbound.touchpoint = touchpoint
        inbound.candidate = touchpoint.candidate
        inbound.contact = touchpoint.contact
        if not trusted:
            inbound.status = InboundEmail.Status.REVIEW
            inbound.note = "Not sent to a reply address: its sender and thread headers could be forged."
            inbound.save()
            return inbound
        inbound.status = InboundEmail.Status.MATCHED
        inbound.save()
        record_reply(touchpoint, text=inbound.text, received_at=received_at)
    return inbound


def _ingest_calendar_reply(
    inbound: InboundEmail, reply: CalendarReply, *, recipients: list[str], now: datetime
) -> InboundEmail:
    """A calendar app's accept / decline: acted on only when it came to a live reply address (the
    invite's ORGANIZER), never on threading headers; otherwise kept raw and changes nothing."""
    link = _reply_link(recipients, now)
    if link is None:
        inbound.status = InboundEmail.Status.UNMATCHED
        inbound.note = "A calendar answer that did not come to a reply address: nothing changed."
        inbound.save()
        return inbound
    outcome = apply_calendar_reply(reply, link=link, received_at=now)
    inbound.candidate, inbound.touchpoint = link.candidate, link.touchpoint
    inbound.text = reply.comment
    if outcome.result == CalendarResult.NOT_OURS:
        inbound.status = InboundEmail.Status.UNMATCHED
    else:
        inbound.status = InboundEmail.Status.CALENDAR
    inbound.note = outcome.note[:300]
    inbound.save()
    return inbound


def accept_reply(inbound: InboundEmail, *, actor: User, now: datetime) -> list[Touchpoint] | None:
    """A recruiter vouches for a reply waiting for review: it becomes the person's response, as if it had
    come to the reply address (:func:`record_reply`, timed at its arrival), with an
    ``email.reply_accepted`` Event naming the recruiter, in one transaction. Returns the skipped touchpoints;
    ``None`` when it was no longer waiting (another recruiter decided first): nothing changes then.
    """
    with transaction.atomic():
        if not _decide(inbound, InboundEmail.Status.MATCHED, actor=actor, now=now):
            return None
        touchpoint = inbound.touchpoint
        assert touchpoint is not None, "a reply waits for review only when it names a touchpoint"
        record_event(
            kind=EventKind.EMAIL_REPLY_ACCEPTED,
            summary=f"{actor} accepted an email from {inbound.from_email} as a reply",
            actor=actor,
            candidate=touchpoint.candidate,
            contact=touchpoint.contact,
            interview=touchpoint.interview,
            submission=touchpoint.submission,
            data={"inbound": inbound.pk, "touchpoint": touchpoint.pk},
        )
        return record_reply(touchpoint, text=inbound.text, received_at=inbound.received_at)


def dismiss_reply(inbound: InboundEmail, *, actor: User, now: datetime) -> bool:
    """A recruiter says a reply waiting for review is not the person's (or not a response): it stays kept
    raw, stops nothing, and an ``email.reply_dismissed`` Event (without its text) records who decided.
    False when it was no longer waiting."""
    with transaction.atomic():
        if not _decide(inbound, InboundEmail.Status.DISMISSED, actor=actor, now=now):
            return False
        touchpoint = inbound.touchpoint
        record_event(
            kind=EventKind.EMAIL_REPLY_DISMISSED,
            summary=f"{actor} dismissed an email from {inbound.from_email} held for review",
            actor=actor,
            candidate=touchpoint.candidate if touchpoint else inbound.candidate,
            contact=touchpoint.contact if touchpoint else inbound.contact,
            interview=touchpoint.interview if touchpoint else None,
            submission=touchpoint.submission if touchpoint else None,
            data={"inbound": inbound.pk},
        )
        return True


def _decide(inbound: InboundEmail, status: str, *, actor: User, now: datetime) -> bool:
    # Conditional on still waiting: two recruiters clicking at once decide once.
    decided = InboundEmail.objects.filter(pk=inbound.pk, status=InboundEmail.Status.REVIEW).update(
        status=status, reviewed_by=actor, reviewed_at=now
    )
    if decided:
        inbound.status, inbound.reviewed_by, inbound.reviewed_at = status, actor, now
    return bool(decided)


def _recipients(message: EmailMessage, envelope: Iterable[str]) -> list[str]:
    headers = [
        str(value)
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for value in message.get_all(name, [])
    ]
    found = [address for _, address in getaddresses([*envelope, *headers]) if address]
    return list(dict.fromkeys(address.lower() for address in found))


def _our_tokens(recipients: Iterable[str], box: str) -> list[str]:
    domain = settings.CANDIDLY_REPLY_DOMAIN.lower()
    tokens = []
    for address in recipients:
        match = ADDRESS_RE.match(address)
        if match and match["box"].lower() == box and match["domain"].lower() == domain:
            tokens.append(match["token"].lower())
    return tokens


def _unsubscribe_link(recipients: list[str], now: datetime) -> Link | None:
    for token in _our_tokens(recipients, "unsubscribe"):
        try:
            return resolve_link(token, purpose=Link.Purpose.UNSUBSCRIBE, now=now)
        except LinkError:
            continue
    return None


def _reply_link(recipients: list[str], now: datetime) -> Link | None:
    """The live reply address the message was sent to: the only proof we accept."""
    for token in _our_tokens(recipients, "reply"):
        try:
            return resolve_link(token, purpose=Link.Purpose.REPLY, now=now)
        except LinkError:
            continue
    return None


def _touchpoint_by_token(recipients: list[str], now: datetime) -> Touchpoint | None:
    """The touchpoint whose live reply address the message was sent to."""
    for token in _our_tokens(recipients, "reply"):
        try:
            link = resolve_link(token, purpose=Link.Purpose.REPLY, now=now)
        except LinkError:
            continue
        if link.touchpoint is not None:
            return link.touchpoint
    return None


# A real reply names its thread in a handful of ids; a message naming more is not worth a look.
MAX_REFERENCES = 20


def _touchpoint_by_thread(message: EmailMessage, sender: str) -> Touchpoint | None:
    """For clients that drop Reply-To: a touchpoint whose Message-ID the threading headers name and whose
    person has the From: address. Both can be forged, so the caller holds such a reply for review."""
    referenced = re.findall(
        r"<[^<>\s]+>", f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    )[:MAX_REFERENCES]
    if not referenced or not sender:
        return None
    for touchpoint in (
        Touchpoint.objects.select_related("candidate", "contact")
        .filter(message_id__in=referenced)
        .order_by("-id")
    ):
        person = touchpoint.candidate or touchpoint.contact
        if person is not None and person.email.lower() == sender.lower():
            return touchpoint
    return None
