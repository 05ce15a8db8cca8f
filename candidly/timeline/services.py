"""Writing to the timeline. Every change made by a person or by Candidly goes through ``record_event``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from candidly.accounts.models import User
from candidly.timeline.models import Event
from candidly.webhooks.outbox import enqueue_deliveries, webhook_type_for


def _event(
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
    occurred_at: datetime | None = None,
) -> Event:
    """An unsaved Event with what it is about filled in (an interview implies its submission, candidate and
    company; a contact its company)."""
    if interview is not None and submission is None:
        submission = interview.submission
    if submission is not None:
        candidate = candidate or submission.candidate
        company = company or submission.role.company
    if contact is not None and company is None:
        company = contact.company
    return Event(
        occurred_at=occurred_at or timezone.now(),
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
    """Append one Event; an interview implies its submission, candidate and company.

    ``actor`` is the logged-in user; without one, ``actor_type`` says who acted (candidate, contact, system).
    """
    event = _event(
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
    event.save(force_insert=True)
    # The one place webhooks are emitted: queued in this Event's transaction (webhooks.outbox).
    enqueue_deliveries(event)
    return event


def prepared_event(**arguments: Any) -> Event:
    """The Event ``record_event(**arguments)`` would write, filled in by the same rules but not saved: for a
    caller that writes it inside a statement of its own (the worker's "sent" outcome, which rides on the
    next message's hand-off: ``followups.handoffs``). Only for kinds no webhook is sent for -- those must go
    through ``record_event``, the one place webhooks are emitted."""
    event = _event(**arguments)
    if webhook_type_for(event.kind, event.data) is not None:
        raise ValueError(f"{event.kind} Events send webhooks: write them with record_event.")
    return event


BULK_BATCH = 500


def record_events(events: Iterable[Mapping[str, Any]]) -> int:
    """Append many Events at once (an import of thousands of people), ``BULK_BATCH`` rows per INSERT.

    Each mapping holds ``record_event``'s keyword arguments and is filled in by the same rules; all share
    one ``occurred_at``. Runs in the caller's transaction; returns how many were written.
    """
    now = timezone.now()
    rows = [_event(**dict(event), occurred_at=now) for event in events]
    Event.objects.bulk_create(rows, batch_size=BULK_BATCH)
    for row in rows:  # a query only for the kinds that map to a webhook
        enqueue_deliveries(row)
    return len(rows)
