"""What a webhook says: built from the Event when it is sent, ids and states only.

Never free text: no names, no notes, and never the candidate's private withdrawal text (``end_note``, the
withdrawal Event's ``note``) or what they would want instead. The receiver fetches more through the API.
"""

from __future__ import annotations

from typing import Any

from candidly.timeline.models import Event


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_payload(event: Event, *, event_type: str) -> dict[str, Any]:
    """The JSON body for ``event``: ``type``, ``timestamp`` (the Event's time) and ``data`` (references)."""
    data: dict[str, Any] = {
        "event_id": event.pk,
        "event_kind": event.kind,
        "candidate_id": event.candidate_id,
        "company_id": event.company_id,
        "contact_id": event.contact_id,
        "submission_id": event.submission_id,
        "interview_id": event.interview_id,
    }
    interview = event.interview
    if interview is not None:
        data["interview"] = {
            "id": interview.pk,
            "round": interview.round,
            "status": interview.status,
            "starts_at": _iso(interview.starts_at),
            "ends_at": _iso(interview.ends_at),
            "time_zone": interview.time_zone,
            "format": interview.format,
        }
    submission = event.submission
    if submission is not None:
        data["submission"] = {
            "id": submission.pk,
            "role_id": submission.role_id,
            "stage": submission.stage,
            # The category only (a code); the candidate's own words stay with the agency.
            "end_reason": submission.end_reason,
            "ended_at": _iso(submission.ended_at),
        }
    return {"type": event_type, "timestamp": _iso(event.occurred_at), "data": data}
