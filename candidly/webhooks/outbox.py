"""Which timeline Events become webhooks, and queuing their deliveries in the Event's own transaction.

``timeline.services.record_event`` calls :func:`enqueue_deliveries` for every Event it writes: the one place
webhooks are emitted. A mapped Event gets one ``WebhookDelivery`` per enabled endpoint that asked for its
type, committed (or rolled back) with the Event itself, so no event is lost and none is invented.
"""

from __future__ import annotations

import uuid
from typing import Any

from candidly.timeline.kinds import EventKind
from candidly.webhooks.models import WebhookDelivery, WebhookEndpoint

# (webhook type, what admins read on the endpoint form)
EVENT_TYPES: dict[str, str] = {
    "interview.booked": "An interview was booked",
    "interview.confirmed": "The candidate confirmed an interview",
    "interview.cancelled": "An interview was cancelled with notice (or by the company)",
    "interview.late_cancelled": "The candidate cancelled less than the notice period before",
    "interview.no_show": "The candidate did not attend",
    "feedback.received": "A candidate or hiring manager answered after an interview",
    "candidate.gone_quiet": "A candidate went quiet after an interview",
    "submission.withdrawn": "A candidate withdrew",
    "submission.ended": "A process ended (placed, rejected or withdrawn)",
    "manager.escalated": "A hiring manager's missing feedback was escalated",
}

_BY_KIND: dict[str, str] = {
    EventKind.INTERVIEW_SCHEDULED: "interview.booked",
    EventKind.INTERVIEW_CONFIRMED: "interview.confirmed",
    EventKind.INTERVIEW_CANCELLED_WITH_NOTICE: "interview.cancelled",
    EventKind.INTERVIEW_CANCELLED_BY_COMPANY: "interview.cancelled",
    EventKind.INTERVIEW_LATE_CANCELLATION: "interview.late_cancelled",
    EventKind.INTERVIEW_NO_SHOW: "interview.no_show",
    EventKind.FEEDBACK_GIVEN: "feedback.received",
    EventKind.SUBMISSION_GONE_QUIET: "candidate.gone_quiet",
    EventKind.SUBMISSION_WITHDRAWN: "submission.withdrawn",
    EventKind.FOLLOWUP_ESCALATED: "manager.escalated",
}
# A stage change is a webhook only when it ends the process (the stages of Submission.ENDED_STAGES).
_ENDING_STAGES = frozenset({"placed", "rejected", "withdrawn"})


def webhook_type_for(kind: str, data: dict[str, Any]) -> str | None:
    """The webhook type an Event of ``kind`` (with its ``data``) is sent as, or None."""
    if kind == EventKind.SUBMISSION_STAGE_CHANGED:
        return "submission.ended" if data.get("to") in _ENDING_STAGES else None
    return _BY_KIND.get(kind)


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def enqueue_deliveries(event: Any) -> int:
    """Queue ``event`` for every enabled endpoint that wants its type; returns how many were queued.

    Costs nothing for an unmapped kind and one small read (the enabled endpoints) for a mapped one.
    """
    event_type = webhook_type_for(event.kind, event.data or {})
    if event_type is None:
        return 0
    endpoints = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(is_enabled=True).only("pk", "event_types")
        if event_type in endpoint.event_types
    ]
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=pk,
            event=event,
            event_type=event_type,
            message_id=new_message_id(),
            due_at=event.occurred_at,
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
        )
        for pk in endpoints
    )
    return len(endpoints)
