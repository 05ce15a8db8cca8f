"""iCalendar invites for interviews (RFC 5545 / iTIP RFC 5546), built with ``icalendar``.

One interview is one calendar event for its whole life: the UID never changes, and every change the
candidate's calendar must pick up (a new time, place, or the cancellation) raises ``Interview.sequence``,
which the hiring services do. Calendars ignore an update whose SEQUENCE is not higher than the last one.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from email.utils import parseaddr
from typing import Literal

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from candidly.accounts.models import User
from candidly.hiring.models import Interview

InviteMethod = Literal["REQUEST", "CANCEL"]

PRODID = "-//Candidly//Interview invites//EN"


def invite_uid(interview: Interview) -> str:
    """The interview's stable iCalendar UID, e.g. ``interview-42@replies.example.com``."""
    return f"interview-{interview.pk}@{settings.CANDIDLY_REPLY_DOMAIN}"


def invite_filename(interview: Interview) -> str:
    return f"interview-{interview.pk}.ics"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def _location(interview: Interview) -> str:
    if interview.format == Interview.Format.ONSITE:
        return interview.address
    if interview.format == Interview.Format.VIDEO:
        return interview.video_url
    return "Phone call"


def _description(
    interview: Interview, *, method: InviteMethod, cancel_link: str | None, organizer: User | None
) -> str:
    role = interview.submission.role
    lines = [f"Interview round {interview.round} for {role.title} at {role.company.name}."]
    if method == "CANCEL":
        lines.append("This interview has been cancelled.")
    else:
        if interview.format == Interview.Format.VIDEO:
            lines.append(f"Join the video call: {interview.video_url}")
        elif interview.format == Interview.Format.ONSITE:
            lines.append(f"Address: {interview.address}")
        else:
            lines.append("This is a phone interview.")
        if cancel_link:
            lines.append(f"Can't make it? Tell us here, the earlier the better: {cancel_link}")
    if organizer is not None:
        contact = " · ".join(part for part in (str(organizer), organizer.phone, organizer.email) if part)
        lines.append(f"Your recruiter: {contact}")
    return "\n".join(lines)


def build_invite(
    interview: Interview,
    *,
    method: InviteMethod = "REQUEST",
    cancel_link: str | None = None,
    organizer: User | None,
    reply_to: str | None = None,
) -> bytes:
    """The ``.ics`` bytes of ``interview`` for its candidate: METHOD ``REQUEST`` (add, update) or ``CANCEL``.

    The event carries the stable UID (``invite_uid``), SEQUENCE = ``interview.sequence``, DTSTART/DTEND in
    the interview's own zone with its VTIMEZONE, DTSTAMP (now), SUMMARY, ORGANIZER (``organizer``, the
    recruiter, with CN; the agency's sender address when nobody owns the submission yet), ATTENDEE (the
    candidate, CN, RSVP), LOCATION (address, video link or "Phone call"), URL (video), DESCRIPTION (with
    ``cancel_link`` for a request when given) and STATUS CONFIRMED/CANCELLED. With ``reply_to`` (the
    candidate's ``reply+<token>@`` address) the ORGANIZER's address is that one, under the recruiter's name:
    calendar apps send the candidate's accept / decline (iTIP REPLY) to the organizer's address, and only
    there can ``messaging.calendar_replies`` trust it and act on it. Reads the interview's
    submission, candidate, role and company (select them to save queries). Raises ``ValueError`` for
    another method.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unknown iTIP method {method!r}; use REQUEST or CANCEL.")
    submission = interview.submission
    candidate, role = submission.candidate, submission.role
    zone = zoneinfo.ZoneInfo(interview.time_zone)

    event = Event()
    event.add("uid", invite_uid(interview))
    event.add("sequence", interview.sequence)
    event.add("dtstamp", timezone.now())
    # Local times with a TZID (not UTC): calendars then follow the zone's rules, DST included.
    event.add("dtstart", interview.starts_at.astimezone(zone))
    event.add("dtend", interview.ends_at.astimezone(zone))
    event.add("summary", f"Interview: {role.title} at {role.company.name}")
    sender_name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if organizer is not None:
        event.add("organizer", _address(reply_to or organizer.email or sender, str(organizer)))
    else:
        event.add("organizer", _address(reply_to or sender, sender_name or "Candidly"))
    event.add(
        "attendee",
        _address(
            candidate.email,
            candidate.name,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            RSVP="TRUE",
        ),
    )
    event.add("location", _location(interview))
    if interview.format == Interview.Format.VIDEO and interview.video_url:
        event.add("url", interview.video_url)
    event.add(
        "description", _description(interview, method=method, cancel_link=cancel_link, organizer=organizer)
    )
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    # The VTIMEZONE for the TZID above, so calendars without the zone database still agree. Its rules
    # cover the years around the interview only: the whole 1970-2038 default is kilobytes of RDATEs.
    year = interview.starts_at.astimezone(zone).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()
