"""Steps every ending of a process shares (``withdraw`` and ``reject``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.followups.skips import skip_touchpoints
from candidly.hiring.models import Interview, Submission


def lock_submission(submission: Submission) -> Submission:
    # Lock the submission row only: a double submit waits here and then finds the process already ended.
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related(
            "candidate__recruiter",
            "recruiter",
            "role__company",
            "role__hiring_manager",
            "role__recruiter",
        )
        .get(pk=submission.pk)
    )


def upcoming_interviews(submission: Submission, *, now: datetime) -> list[Interview]:
    """The submission's interviews still on and not yet started at ``now``, earliest first."""
    return list(
        submission.interviews.filter(status__in=Interview.UPCOMING_STATUSES, starts_at__gt=now).order_by(
            "starts_at", "pk"
        )
    )


def stop_submission_touchpoints(
    submission: Submission, *, reason: str, now: datetime, done_by: User | None
) -> tuple[list[int], list[int]]:
    """Skip the remaining touchpoints about ``submission`` or its interviews, for every person.

    *Planned* rows are skipped by a conditional update on their status (the worker claims on the same
    condition, so a row is either sent or skipped, never both). *Due* rows (a call step already on the
    recruiter's list) are skipped too and their open task cancelled. Rows the worker holds right now
    (*in progress*) are left to it, and so is the candidate's calendar cancel. Returns ``(skipped
    touchpoint ids, cancelled task ids)``.
    """
    rows = Touchpoint.objects.filter(Q(submission=submission) | Q(interview__submission=submission)).exclude(
        # The calendar cancel of an interview the ending just cancelled still goes: it takes the event
        # out of the candidate's calendar (followups.interview_plan plans it with the cancellation).
        kind=Touchpoint.Kind.INTERVIEW_CANCELLED
    )
    skipped = [
        row.pk for row in skip_touchpoints(rows, reason=reason, now=now, include_due=True, done_by=done_by)
    ]
    tasks = sorted(
        Task.objects.filter(touchpoint__in=skipped, status=Task.Status.CANCELLED, done_at=now).values_list(
            "pk", flat=True
        )
    )
    return sorted(skipped), tasks


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name
