"""Writing to the timeline. Every change made by a person or by Candidly goes through ``record_event``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from candidly.accounts.models import User
from candidly.timeline.models import Event
from candidly.webhooks.outbox import enqueue_deliveries


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
    """Append one Event; an interview implies its submission, candidate and company.

    ``actor`` is the logged-in user; without one, ``actor_type`` says who acted (candidate, contact, system).
    """
    if interview is not None and submission is None:
        submission = interview.submission
    if submission is not None:
        candidate = candidate or submission.candidate
        company = company or submission.role.company
    if contact is not None and company is None:
        company = contact.company
    event = Event.objects.create(
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
    # The one place webhooks are emitted: queued in this Event's transaction (webhooks.outbox).
    enqueue_deliveries(event)
    return event
