"""What people without accounts do through their links: unsubscribe, confirm, ask to cancel, give
feedback. Each service is one transaction that changes the rows and appends the timeline Event.

Cancelling is recorded as a request with a task for the recruiter; the 24-hour rule belongs to the hiring
services and replaces it when it lands. Withdrawing is ``hiring.withdrawal`` (its page:
``hiring.public_withdrawal``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.messaging.links import mark_link_used
from candidly.messaging.models import Link
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from candidly.timeline.services import record_event


def stop_remaining_touchpoints(
    *,
    candidate: Candidate | None = None,
    contact: Any = None,
    interview: Interview | None = None,
    submission: Submission | None = None,
    reason: str,
    now: datetime,
) -> list[Touchpoint]:
    """Skip the person's still-planned touchpoints about ``interview`` (or, without one, ``submission``).

    The update is conditional on ``status='planned'``, the same condition the worker claims on, so a row
    is either claimed by the worker or skipped here, never both. Returns the rows this call skipped.
    """
    if (candidate is None) == (contact is None):
        raise ValueError("Give exactly one person: a candidate or a contact.")
    rows = Touchpoint.objects.filter(status=Touchpoint.Status.PLANNED)
    rows = rows.filter(candidate=candidate) if candidate is not None else rows.filter(contact=contact)
    if interview is not None:
        rows = rows.filter(interview=interview)
    elif submission is not None:
        rows = rows.filter(Q(submission=submission) | Q(interview__submission=submission))
    else:
        raise ValueError("Give the interview or the submission the touchpoints are about.")
    # Ids first, then a conditional update: the returned rows are exactly the ones this call skipped.
    ids = list(rows.values_list("id", flat=True))
    Touchpoint.objects.filter(id__in=ids, status=Touchpoint.Status.PLANNED).update(
        status=Touchpoint.Status.SKIPPED, skip_reason=reason, done_at=now, updated_at=now
    )
    return list(Touchpoint.objects.filter(id__in=ids, status=Touchpoint.Status.SKIPPED, skip_reason=reason))


def unsubscribe_candidate(candidate: Candidate, *, via: str, now: datetime) -> bool:
    """Stop non-essential email to ``candidate``. Idempotent: False (and no Event) if already unsubscribed."""
    with transaction.atomic():
        # Conditional update: the page's button and a mail client's one-click POST record one Event, not two.
        changed = Candidate.objects.filter(pk=candidate.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=now, updated_at=now
        )
        if changed:
            record_event(
                kind="candidate.unsubscribed",
                summary=f"Unsubscribed from non-essential emails ({via})",
                actor_type=Event.Actor.CANDIDATE,
                candidate=candidate,
                data={"via": via},
            )
    candidate.refresh_from_db(fields=["unsubscribed_at"])
    return bool(changed)


def confirm_interview(link: Link, *, now: datetime) -> bool:
    """The candidate says they will attend. False when it was already confirmed (nothing changes)."""
    interview = link.interview
    assert interview is not None
    with transaction.atomic():
        changed = Interview.objects.filter(pk=interview.pk, status=Interview.Status.SCHEDULED).update(
            status=Interview.Status.CONFIRMED, updated_at=now
        )
        if changed:
            record_event(
                kind="interview.confirmed",
                summary="Confirmed they will attend the interview",
                actor_type=Event.Actor.CANDIDATE,
                interview=interview,
            )
    interview.refresh_from_db(fields=["status"])
    return bool(changed)


def request_cancellation(link: Link, *, now: datetime, note: str = "") -> Task | None:
    """The candidate asks to cancel: an Event, their reminders stop, and the recruiter gets a task to
    cancel with the company (urgent under 24 hours). None when the link was used concurrently."""
    interview = link.interview
    assert interview is not None and link.candidate is not None
    submission = interview.submission
    late = interview.starts_at - now < timedelta(hours=24)
    with transaction.atomic():
        # Claiming the link first makes a form submitted twice create one task, not two.
        if not mark_link_used(link, now=now):
            return None
        record_event(
            kind="interview.cancel_requested",
            summary="Asked to cancel the interview" + (" (less than 24 hours before)" if late else ""),
            actor_type=Event.Actor.CANDIDATE,
            interview=interview,
            data={"note": note, "late": late},
        )
        stop_remaining_touchpoints(
            candidate=link.candidate, interview=interview, reason="asked to cancel", now=now
        )
        return Task.objects.create(
            kind=Task.Kind.CANCEL_WITH_COMPANY,
            title=f"{link.candidate.name} asked to cancel the interview with {submission.role.company.name}",
            details=note,
            urgent=late,
            assigned_to=submission.recruiter or link.candidate.recruiter,
            due_at=now,
            candidate=link.candidate,
            submission=submission,
            interview=interview,
        )


def record_link_feedback(link: Link, *, text: str, now: datetime) -> list[Touchpoint] | None:
    """Feedback written on the link's page: a response that stops the person's cadence for the interview.
    Returns the skipped touchpoints, or None when the link was used concurrently."""
    interview = link.interview
    assert interview is not None
    actor = Event.Actor.CANDIDATE if link.candidate is not None else Event.Actor.CONTACT
    with transaction.atomic():
        if not mark_link_used(link, now=now):
            return None
        record_event(
            kind="interview.feedback_given",
            summary=f"Gave feedback: {text}",
            actor_type=actor,
            contact=link.contact,
            interview=interview,
            data={"text": text},
        )
        return stop_remaining_touchpoints(
            candidate=link.candidate,
            contact=link.contact,
            interview=interview,
            reason="gave feedback",
            now=now,
        )
