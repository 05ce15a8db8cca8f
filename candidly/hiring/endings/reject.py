"""Endings a recruiter records, through the same steps as a candidate's withdrawal (``hiring/withdrawal.py``).

- *Withdrawn by phone*: ``withdrawal.withdraw_submission(..., via="phone", actor=recruiter)``.
- *Rejected*: the company decided not to move forward (``reject_submission``). Its future interviews are
  called off on the company's side (not counted against the candidate's reliability record), the remaining
  touchpoints stop, and the recruiter gets a task to tell the candidate. The honest message is prepared
  (``prepare_outcome_message``), the recruiter reviews and edits it, and ``send_outcome_message`` sends it:
  so the candidate always hears the outcome, in words a person checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.hiring.endings.common import (
    lock_submission,
    stop_submission_touchpoints,
    upcoming_interviews,
)
from candidly.hiring.models import Interview, Submission
from candidly.hiring.services import submissions
from candidly.hiring.services.interview_status import call_off_interview
from candidly.messaging import emails
from candidly.messaging.prepared import local_moment
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

DECLINED = "The company decided not to move forward."
SENDING = "Sending the outcome by email"


@dataclass(frozen=True)
class RejectionOutcome:
    """What ``reject_submission`` did; ``rejected`` is False for a submission that had already ended."""

    submission: Submission
    rejected: bool
    cancelled_interviews: tuple[Interview, ...] = ()
    skipped_touchpoints: tuple[int, ...] = ()
    task: Task | None = None


def reject_submission(
    submission: Submission,
    *,
    note: str = "",
    reason: str = Submission.EndReason.COMPANY_DECLINED,
    actor: User,
    now: datetime,
) -> RejectionOutcome:
    """The company decided not to move forward: end ``submission`` as *rejected*, in one transaction.

    Moves the stage (reason *company declined*, ``note`` is the recruiter's internal note), calls off the
    interviews not yet started (``call_off_interview``: the candidate gets the calendar cancellation, and the
    reliability record does not count it), skips the
    remaining touchpoints, and gives the recruiter an "update the candidate" task pointing at the prepared
    message. ``reason`` defaults to *company declined* (the recruiter may pick a closer one). Idempotent: an
    ended submission is returned unchanged with ``rejected=False``. ``ValueError`` for an unknown reason.
    """
    if reason not in Submission.EndReason.values or reason == Submission.EndReason.HIRED:
        raise ValueError(f"{reason!r} is not a reason a company declines for.")
    with transaction.atomic():
        locked = lock_submission(submission)
        if not locked.is_open:
            return RejectionOutcome(locked, rejected=False)
        moved = submissions.move_submission(
            locked, stage=Submission.Stage.REJECTED, reason=reason, note=note, actor=actor
        )
        locked.stage, locked.end_reason, locked.end_note, locked.ended_at = (
            moved.stage,
            moved.end_reason,
            moved.end_note,
            moved.ended_at,
        )
        called_off = (
            call_off_interview(interview, now=now, actor=actor, reason=DECLINED)
            for interview in upcoming_interviews(locked, now=now)
        )
        cancelled = tuple(interview for interview in called_off if interview is not None)
        skipped, _ = stop_submission_touchpoints(locked, reason=DECLINED, now=now, done_by=actor)
        candidate, company = locked.candidate, locked.role.company
        review = reverse("hiring:submission-tell-candidate", args=[locked.pk])
        review_url = f"{settings.CANDIDLY_BASE_URL}{review}"
        task = create_task(
            submission=locked,
            kind=Task.Kind.UPDATE_CANDIDATE,
            title=f"Tell {candidate.name}: {company.name} decided not to move forward",
            details=(
                f"{company.name} decided not to move forward with {candidate.name} for {locked.role.title}. "
                f"A message is prepared for you to review and send: {review_url} "
                "(or call them, then mark this task done)."
            ),
            due_at=now,
            actor=actor,
        )
        record_event(
            kind=EventKind.SUBMISSION_REJECTED,
            summary=f"{company.name} decided not to move forward with {locked.role.title}",
            actor=actor,
            submission=locked,
            data={
                "note": note,
                "cancelled_interviews": [interview.pk for interview in cancelled],
                "skipped_touchpoints": skipped,
                "task": task.pk,
            },
        )
    return RejectionOutcome(
        locked, rejected=True, cancelled_interviews=cancelled, skipped_touchpoints=tuple(skipped), task=task
    )


# --- telling the candidate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeDraft:
    subject: str
    message: str


class OutcomeMessageError(Exception):
    """The outcome message was not sent: the candidate unsubscribed, or the mail server failed."""


def pending_outcome_task(submission: Submission) -> Task | None:
    """The open "tell the candidate" task of a rejected submission, if the message has not gone yet."""
    return (
        Task.objects.filter(submission=submission, kind=Task.Kind.UPDATE_CANDIDATE, status=Task.Status.OPEN)
        .order_by("pk")
        .first()
    )


def prepare_outcome_message(submission: Submission) -> OutcomeDraft:
    """The honest "they decided not to move forward" message, for the recruiter to review and edit.

    The middle of the email only: the greeting, the recruiter's signature and phone come from the layout.
    """
    role = submission.role
    cancelled = submission.interviews.filter(events__kind=EventKind.INTERVIEW_CANCELLED_BY_COMPANY).order_by(
        "starts_at"
    )
    context = {
        "candidate": submission.candidate,
        "role": role,
        "company": role.company,
        "cancelled": [
            local_moment(interview.starts_at, submission.candidate.time_zone, abbreviation=False)
            for interview in cancelled
        ],
    }
    return OutcomeDraft(
        subject=render_to_string("hiring/endings/company-declined-subject.txt", context).strip(),
        message=render_to_string("hiring/endings/company-declined-message.txt", context).strip(),
    )


def send_outcome_message(
    submission: Submission, *, subject: str, message: str, actor: User, now: datetime
) -> Task | None:
    """Email the candidate the reviewed outcome message, once; closes the "tell the candidate" task.

    The open task is claimed first by a conditional update, so a double submit sends one email (the loser
    gets None, as does a call when nothing is pending). The email goes to the mail backend right away; on
    failure the task is reopened, an Event records the failure and ``OutcomeMessageError`` is raised.
    Refused (``OutcomeMessageError``, nothing changed) for an unsubscribed candidate: call them instead.
    """
    candidate = submission.candidate
    if candidate.is_unsubscribed:
        raise OutcomeMessageError(f"{candidate.name} unsubscribed from our emails: call them instead.")
    task = pending_outcome_task(submission)
    if task is None:
        return None
    claimed = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, done_at=now, done_by=actor, outcome=SENDING
    )
    if not claimed:
        return None
    message_id = emails.keyed_message_id("outcome", f"{submission.pk}-{task.pk}")
    try:
        email = emails.company_declined(
            submission,
            subject=subject,
            message=message,
            recruiter=submission.responsible_recruiter or actor,
            now=now,
        )
        emails.send_now(email, message_id=message_id)
    except Exception as exc:
        with transaction.atomic():
            Task.objects.filter(pk=task.pk).update(
                status=Task.Status.OPEN, done_at=None, done_by=None, outcome=""
            )
            record_event(
                kind=EventKind.CANDIDATE_OUTCOME_FAILED,
                summary=f"Could not email the outcome: {exc}",
                actor=actor,
                submission=submission,
                data={"error": str(exc), "task": task.pk},
            )
        raise OutcomeMessageError(
            f"The email could not be sent ({exc}). Nothing went out; try again."
        ) from exc
    with transaction.atomic():
        Task.objects.filter(pk=task.pk).update(outcome="Sent the outcome by email")
        record_event(
            kind=EventKind.CANDIDATE_OUTCOME_SENT,
            summary=f"Told them by email: {submission.role.company.name} decided not to move forward",
            actor=actor,
            submission=submission,
            data={"subject": subject, "message": message, "message_id": message_id, "task": task.pk},
        )
    task.refresh_from_db()
    return task
