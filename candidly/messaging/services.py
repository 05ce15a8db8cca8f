"""What people without accounts do through their links: unsubscribe, confirm, cancel.
Each service is one transaction that changes the rows and appends the timeline Event.

Feedback pages and responses are the follow-ups app's (``followups.views.feedback``, ``followups.responses``).

Confirming and cancelling an interview are the hiring services' (the 24-hour rule), called with the link.
Withdrawing is ``hiring.withdrawal`` (its page: ``hiring.public_withdrawal``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import (
    CancellationOutcome,
    ConfirmationOutcome,
    Via,
    cancel_interview_for_candidate,
    confirm_interview,
)
from candidly.messaging.links import issue_link, link_url, mark_link_used
from candidly.messaging.models import Link
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event


def unsubscribe_candidate(candidate: Candidate, *, via: str, now: datetime) -> bool:
    """Stop non-essential email to ``candidate``. Idempotent: False (and no Event) if already unsubscribed."""
    with transaction.atomic():
        # Conditional update: the page's button and a mail client's one-click POST record one Event, not two.
        changed = Candidate.objects.filter(pk=candidate.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=now, updated_at=now
        )
        if changed:
            record_event(
                kind=EventKind.CANDIDATE_UNSUBSCRIBED,
                summary=f"Unsubscribed from non-essential emails ({via})",
                actor_type=Event.Actor.CANDIDATE,
                candidate=candidate,
                data={"via": via},
            )
    candidate.refresh_from_db(fields=["unsubscribed_at"])
    return bool(changed)


@dataclass(frozen=True)
class LinkCancellation:
    """What the candidate's "I can't make it" did: the 24-hour rule's outcome, and for a candidate no longer
    interested a fresh withdraw link to go on with (empty when the process has already ended)."""

    outcome: CancellationOutcome
    withdraw_url: str = ""


def confirm_interview_from_link(link: Link, *, now: datetime) -> ConfirmationOutcome:
    """The candidate says they will attend (``interview_status.confirm_interview``, by link). Confirming twice
    changes nothing the second time (``already_confirmed``)."""
    assert link.interview is not None, "a confirm link always has its interview"
    return confirm_interview(link.interview, now=now, via=Via.LINK)


def cancel_interview_from_link(
    link: Link, *, reason_kind: str, note: str, now: datetime
) -> LinkCancellation | None:
    """The candidate's "I can't make it": ``cancel_interview_for_candidate`` (the 24-hour rule, tasks,
    replanned touchpoints) with the single-use link spent in the same transaction.

    Returns ``None`` when the link was used by a concurrent request (that one did the work). A refusal
    (already started, already cancelled by the recruiter) changes nothing and leaves the link unspent.
    Raises ``ValueError`` for an unknown ``reason_kind``.
    """
    interview, candidate = link.interview, link.candidate
    assert interview is not None and candidate is not None, "a cancel link is a candidate's, for an interview"
    with transaction.atomic():
        # Spending the link first makes a form submitted twice cancel once, not twice.
        if not mark_link_used(link, now=now):
            return None
        outcome = cancel_interview_for_candidate(
            interview, now=now, reason_kind=reason_kind, note=note, via=Via.LINK
        )
        if not outcome.cancelled:
            transaction.set_rollback(True)
            link.used_at = None
            return LinkCancellation(outcome)
        withdraw_url = ""
        submission = outcome.interview.submission
        if reason_kind == CancellationReason.NOT_INTERESTED and submission.is_open:
            token = issue_link(Link.Purpose.WITHDRAW, candidate=candidate, submission=submission, now=now)
            withdraw_url = link_url(Link.Purpose.WITHDRAW, token)
        return LinkCancellation(outcome, withdraw_url=withdraw_url)
