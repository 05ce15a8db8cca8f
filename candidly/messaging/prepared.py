"""Emails Candidly prepares for a recruiter to send from their task (or sends itself when the agency says so).

They go to company people, never quote the candidate's own words, and are plain text a person can edit.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string

from candidly.accounts.models import User
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.lib.phones import display_phone


@dataclass(frozen=True)
class PreparedEmail:
    """A polite email ready to send (by the recruiter from their task, or by Candidly when enabled)."""

    to_name: str
    to_email: str
    subject: str
    body: str


def local_moment(moment: datetime, zone: str, *, abbreviation: bool = True) -> str:
    """``Thursday 12 March 2026 at 10:00 GMT (Europe/London)``: a moment as a person in ``zone`` reads it
    (without ``GMT`` when ``abbreviation`` is False)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    clock = f"{local:%H:%M} {local.tzname()}" if abbreviation else f"{local:%H:%M}"
    return f"{local:%A} {local.day} {local:%B %Y} at {clock} ({zone})"


def prepare_manager_cancellation_email(
    interview: Interview, *, reason: str, recruiter: User | None
) -> PreparedEmail:
    """The polite note telling the hiring manager the candidate cannot attend (never the candidate's note:
    what a candidate tells us stays with the agency unless the recruiter forwards it)."""
    role = interview.submission.role
    manager = role.hiring_manager
    context = {
        "interview": interview,
        "candidate": interview.submission.candidate,
        "role": role,
        "manager": manager,
        "manager_first_name": manager.name.split()[0] if manager.name.split() else manager.name,
        "when": local_moment(interview.starts_at, manager.time_zone),
        "reschedule": reason == CancellationReason.RESCHEDULE,
        "recruiter": recruiter,
        "recruiter_phone": display_phone(recruiter.phone) if recruiter and recruiter.phone else "",
    }
    subject = render_to_string("hiring/emails/manager-cancellation-subject.txt", context).strip()
    body = render_to_string("hiring/emails/manager-cancellation-body.txt", context).strip() + "\n"
    return PreparedEmail(to_name=manager.name, to_email=manager.email, subject=subject, body=body)
