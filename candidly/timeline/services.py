"""Writing to the timeline. Every change made by a person or by Candidly goes through ``record_event``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from candidly.accounts.models import User
from candidly.timeline.models import Event


def new_event(
    *,
    kind: str,
    summary: str,
    actor: User | None = None,
    actor_type: str | None = None,
    candidate: Any = None,
    company: Any = None,
    contact: Any = None,
    submission: Any = None,
    interview: Any = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """The Event :func:`record_event` would append, not saved yet: :func:`record_events` writes many at once.

    An interview implies its submission, candidate and company; a contact its company. ``actor`` is the
    logged-in user; without one, ``actor_type`` says who acted (candidate, contact, system).
    """
    if interview is not None and submission is None:
        submission = interview.submission
    if submission is not None:
        candidate = candidate or submission.candidate
        company = company or submission.role.company
    if contact is not None and company is None:
        company = contact.company
    return Event(
        occurred_at=timezone.now(),
        kind=kind,
        summary=summary[:500],
        actor_type=Event.Actor.USER if actor is not None else (actor_type or Event.Actor.SYSTEM),
        actor_user=actor,
        candidate=candidate,
        company=company,
        contact=contact,
        submission=submission,
        interview=interview,
        data=data or {},
    )


def record_event(
    *,
    kind: str,
    summary: str,
    actor: User | None = None,
    actor_type: str | None = None,
    candidate: Any = None,
    company: Any = None,
    contact: Any = None,
    submission: Any = None,
    interview: Any = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one Event (see :func:`new_event` for what it is about and who acted)."""
    event = new_event(
        kind=kind,
        summary=summary,
        actor=actor,
        actor_type=actor_type,
        candidate=candidate,
        company=company,
        contact=contact,
        submission=submission,
        interview=interview,
        data=data,
    )
    event.save()
    return event


def record_events(events: list[Event]) -> list[Event]:
    """Append many Events built by :func:`new_event` in one INSERT (the worker's batched checks)."""
    return Event.objects.bulk_create(events) if events else []
