"""The candidate's calendar app answering the invite (iTIP ``METHOD:REPLY``, RFC 5546 section 3.2.3).

Our invites name the candidate's ``reply+<token>@`` address as ORGANIZER (``messaging.invites``), so
Google Calendar, Outlook / Exchange and Apple Calendar send "Accepted" / "Declined" there as an email
carrying a ``text/calendar; method=REPLY`` part or an ``.ics`` attachment (``application/ics``, often
base64). ``messaging.inbound.ingest_email`` hands such a message here when it came to a live reply address.

What counts, and why:
- The reply address is the proof of who answered (as for any reply); the UID must be the invite UID of
  *that address's* interview, so a REPLY naming another interview (guessed or forged UID) changes nothing.
- The ATTENDEE answering must be the candidate's own address: an invite forwarded to someone else, who
  declines it, is not the candidate cancelling.
- SEQUENCE must be the interview's current one. A reply to an older version (the interview has moved since)
  answers a time that no longer exists: declining the old slot must not cancel the new one, and accepting it
  confirms nothing. A SEQUENCE we never sent is not trusted either. Both are left for the recruiter.
- ``DECLINED`` is the candidate's "I can't make it" under the 24-hour rule
  (``cancel_interview_for_candidate``, reason "another time", the COMMENT as their note); ``ACCEPTED`` is
  ``confirm_interview``. ``TENTATIVE``, ``DELEGATED`` and anything else change no status: the recruiter sees
  a ``calendar.reply_held`` Event saying what came and why nothing happened.
- A repeat (the same answer again, from a re-sent REPLY) changes nothing and writes nothing: the services
  say ``already_cancelled`` / ``already_confirmed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from enum import StrEnum

from django.db import transaction
from icalendar import Calendar, Component

from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import (
    CancellationResult,
    ConfirmationResult,
    Via,
    cancel_interview_for_candidate,
    confirm_interview,
)
from candidly.messaging.invites import invite_uid
from candidly.messaging.models import Link
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

logger = logging.getLogger(__name__)

CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
# A REPLY is a few kilobytes; a part much bigger than that is not worth parsing.
MAX_CALENDAR_BYTES = 256 * 1024
MAX_CALENDAR_PARTS = 10


@dataclass(frozen=True)
class CalendarReply:
    """One VEVENT of a METHOD:REPLY: its UID, SEQUENCE (0 when absent, as RFC 5545 says), every
    ATTENDEE as (address, PARTSTAT) and the COMMENT the person typed, if any."""

    uid: str
    sequence: int
    attendees: tuple[tuple[str, str], ...]
    comment: str

    def answer_of(self, email: str) -> str | None:
        """The PARTSTAT of the attendee whose address is ``email`` (case-insensitive), None if absent."""
        wanted = email.strip().casefold()
        for address, partstat in self.attendees:
            if address == wanted:
                return partstat
        return None


class CalendarResult(StrEnum):
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    # Nothing changed and nothing was written: the same answer again.
    REPEAT = "repeat"
    # Nothing changed; a calendar.reply_held Event tells the recruiter why.
    HELD = "held"
    # The REPLY is not about this reply address's interview: nothing changed, nothing written.
    NOT_OURS = "not_ours"


@dataclass(frozen=True)
class CalendarOutcome:
    result: CalendarResult
    note: str


def find_calendar_reply(message: EmailMessage) -> CalendarReply | None:
    """The first METHOD:REPLY event in ``message`` (a ``text/calendar`` part, or an ``.ics`` /
    ``application/ics`` attachment, any transfer encoding), or None. Malformed calendar data is skipped."""
    for part in _calendar_parts(message):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload.strip() or len(payload) > MAX_CALENDAR_BYTES:
            continue
        try:
            calendar = Calendar.from_ical(payload)
        except (ValueError, IndexError, KeyError, TypeError) as error:
            logger.info("Skipping a calendar part that does not parse: %s", error)
            continue
        if str(calendar.get("METHOD", "")).strip().upper() != "REPLY":
            continue
        for event in calendar.walk("VEVENT"):
            reply = _reply_of(event)
            if reply is not None:
                return reply
    return None


def _calendar_parts(message: EmailMessage) -> Iterator[Message]:
    found = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() in CALENDAR_TYPES or filename.endswith(".ics"):
            found += 1
            if found > MAX_CALENDAR_PARTS:
                return
            yield part


def _reply_of(event: Component) -> CalendarReply | None:
    uid = str(event.get("UID", "")).strip()
    if not uid:
        return None
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return None
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    answers = []
    for attendee in attendees:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:") :]
        partstat = str(getattr(attendee, "params", {}).get("PARTSTAT", "NEEDS-ACTION")).strip().upper()
        answers.append((address.casefold(), partstat))
    comment = event.get("COMMENT", "")
    if isinstance(comment, list):
        comment = " ".join(str(item) for item in comment)
    return CalendarReply(uid=uid, sequence=sequence, attendees=tuple(answers), comment=str(comment).strip())


def apply_calendar_reply(reply: CalendarReply, *, link: Link, received_at: datetime) -> CalendarOutcome:
    """Act on the candidate's answer that came to the reply address of ``link``, in one transaction, by the
    rules in this module's docstring. The interview row is locked while its SEQUENCE is compared, so a move
    committing at the same moment is either before (the reply is outdated) or after (it applies to the
    version the candidate saw and the move then re-asks). Never raises for a REPLY that does not fit.
    """
    interview, candidate = link.interview, link.candidate
    if interview is None or candidate is None or reply.uid != invite_uid(interview):
        return CalendarOutcome(CalendarResult.NOT_OURS, "A calendar reply about another interview.")
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        answer = reply.answer_of(candidate.email)
        if answer is None:
            others = ", ".join(address for address, _ in reply.attendees) or "nobody"
            return _held(
                locked,
                reply,
                f"A calendar reply for {others}, not the candidate's address: nothing changed",
                answer="",
            )
        verb = {"DECLINED": "Declined", "ACCEPTED": "Accepted", "TENTATIVE": "Said maybe to"}.get(
            answer, f"Answered {answer.lower()} to"
        )
        if answer not in ("DECLINED", "ACCEPTED"):
            return _held(
                locked, reply, f"{verb} the calendar invite: no change, worth a call to ask", answer=answer
            )
        if answer == "DECLINED" and locked.status in Interview.CANCELLED_STATUSES:
            return CalendarOutcome(CalendarResult.REPEAT, "Declined again; already cancelled.")
        confirmed_already = locked.status == Interview.Status.CONFIRMED
        if answer == "ACCEPTED" and confirmed_already and reply.sequence == locked.sequence:
            return CalendarOutcome(CalendarResult.REPEAT, "Accepted again; already confirmed.")
        if reply.sequence < locked.sequence:
            return _held(
                locked,
                reply,
                f"{verb} an earlier version of the calendar invite (before the interview changed): "
                "the current time stands",
                answer=answer,
            )
        if reply.sequence > locked.sequence:
            return _held(
                locked,
                reply,
                f"{verb} a version of the calendar invite we never sent: nothing changed",
                answer=answer,
            )
        if answer == "DECLINED":
            cancelled = cancel_interview_for_candidate(
                locked,
                now=received_at,
                reason_kind=CancellationReason.RESCHEDULE,
                note=reply.comment[:2000],
                via=Via.CALENDAR,
            )
            if cancelled.cancelled:
                timing = "late cancellation" if cancelled.late else "cancelled with notice"
                return CalendarOutcome(CalendarResult.CANCELLED, f"Declined the invite: {timing}.")
            if cancelled.result == CancellationResult.ALREADY_CANCELLED:
                return CalendarOutcome(CalendarResult.REPEAT, "Declined again; already cancelled.")
            why = _REFUSALS.get(cancelled.result, str(cancelled.result))
            return _held(locked, reply, f"Declined the calendar invite {why}: nothing changed", answer=answer)
        confirmed = confirm_interview(locked, now=received_at, via=Via.CALENDAR)
        if confirmed.confirmed:
            return CalendarOutcome(CalendarResult.CONFIRMED, "Accepted the invite: confirmed.")
        if confirmed.result == ConfirmationResult.ALREADY_CONFIRMED:
            return CalendarOutcome(CalendarResult.REPEAT, "Accepted again; already confirmed.")
        why = _REFUSALS.get(confirmed.result, str(confirmed.result))
        return _held(locked, reply, f"Accepted the calendar invite {why}: nothing changed", answer=answer)


_REFUSALS = {
    CancellationResult.ALREADY_STARTED: "after the interview had started",
    CancellationResult.NOT_SCHEDULED: "when the interview was no longer scheduled",
    ConfirmationResult.ALREADY_STARTED: "after the interview had started",
    ConfirmationResult.NOT_SCHEDULED: "when the interview was no longer scheduled",
}


def _held(interview: Interview, reply: CalendarReply, summary: str, *, answer: str) -> CalendarOutcome:
    record_event(
        kind=EventKind.CALENDAR_REPLY_HELD,
        summary=summary + (f". They wrote: {reply.comment}" if reply.comment else ""),
        actor_type=Event.Actor.CANDIDATE,
        interview=interview,
        data={
            "answer": answer,
            "uid": reply.uid,
            "reply_sequence": reply.sequence,
            "sequence": interview.sequence,
            "comment": reply.comment,
        },
    )
    return CalendarOutcome(CalendarResult.HELD, summary)
