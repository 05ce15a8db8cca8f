"""Submissions: put a candidate forward for a role, and move them through its stages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.followups.cadences import mark_process_runs
from candidly.hiring.models import Role, Submission
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event


def open_submission_for(
    candidate: Candidate, role: Role, *, exclude_pk: int | None = None
) -> Submission | None:
    """The candidate's open submission to ``role``, if any (there is at most one)."""
    rows = Submission.objects.filter(candidate=candidate, role=role, stage__in=Submission.OPEN_STAGES)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.first()


def duplicate_submission_message(candidate: Candidate, existing: Submission | None) -> str:
    stage = f" (stage: {existing.get_stage_display()})" if existing is not None else ""
    return f"{candidate.name} is already in this role's process{stage}."


@transaction.atomic
def create_submission(*, candidate: Candidate, role: Role, note: str = "", actor: User) -> Submission:
    """Put ``candidate`` into ``role``'s process at stage *submitted*, with a ``submission.created`` Event.

    Raises ``ValidationError({"role": …})`` when the role is not open or the candidate already has an open
    submission to it — also when a concurrent request won that race (the unique constraint is caught).
    """
    if role.status != Role.Status.OPEN:
        raise ValidationError({"role": f"{role} is {role.get_status_display().lower()}, not open."})
    existing = open_submission_for(candidate, role)
    if existing is not None:
        raise ValidationError({"role": duplicate_submission_message(candidate, existing)})
    try:
        # A savepoint, so losing the race to a parallel request leaves this transaction usable.
        with transaction.atomic():
            submission = Submission.objects.create(
                candidate=candidate, role=role, recruiter=candidate.recruiter or actor
            )
    except IntegrityError:
        raise ValidationError({"role": duplicate_submission_message(candidate, None)}) from None
    refresh_pool_figures([candidate.pk])
    record_event(
        kind=EventKind.SUBMISSION_CREATED,
        summary=f"Submitted to {role.title} at {role.company.name}",
        actor=actor,
        submission=submission,
        data={"note": note} if note else {},
    )
    return submission


@transaction.atomic
def move_submission(
    submission: Submission,
    *,
    stage: str,
    reason: str = "",
    note: str = "",
    actor: User | None,
    actor_type: str | None = None,
) -> Submission:
    """Move a submission to ``stage`` and append a ``submission.stage_changed`` Event; returns the saved row.

    An ending stage (placed, rejected, withdrawn) needs a ``reason`` from ``Submission.EndReason`` and sets
    ``ended_at``; moving back to an open stage clears the reason, note and ``ended_at``. Any open stage may
    follow any other (moving to *interviewing* while an interview is booked is fine). Raises
    ``ValidationError`` keyed ``stage``/``reason`` for an unknown or unchanged stage, a missing reason, or a
    re-opening that would give the candidate two open submissions to the same role. ``actor`` is None when
    Candidly or the candidate acts; then ``actor_type`` says who.
    """
    # Lock only the submission row: PostgreSQL would otherwise also lock the joined candidate and role.
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("candidate", "role__company")
        .get(pk=submission.pk)
    )
    if stage not in Submission.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    if stage == locked.stage:
        raise ValidationError({"stage": f"The submission is already at “{locked.get_stage_display()}”."})
    ending = stage in Submission.ENDED_STAGES
    if ending and reason not in Submission.EndReason.values:
        raise ValidationError({"reason": "Say why the process ended."})
    previous = locked.stage
    was_open = locked.is_open
    locked.stage = stage
    if ending:
        locked.end_reason = reason
        locked.end_note = note
        # Moving between two ending stages keeps the original end time: the process ended then.
        locked.ended_at = locked.ended_at or timezone.now()
    else:
        locked.end_reason = ""
        locked.end_note = ""
        locked.ended_at = None
        if not was_open:
            existing = open_submission_for(locked.candidate, locked.role, exclude_pk=locked.pk)
            if existing is not None:
                raise ValidationError({"stage": _reopen_message(locked)})
    try:
        with transaction.atomic():
            locked.save(update_fields=["stage", "end_reason", "end_note", "ended_at", "updated_at"])
    except IntegrityError:
        raise ValidationError({"stage": _reopen_message(locked)}) from None
    if locked.is_open != was_open:
        # Feedback is owed only while the process is open: the overdue lists read this mark.
        mark_process_runs(locked)
    # The talent pool's copies of the candidate's last process (any move may change which one is last).
    refresh_pool_figures([locked.candidate_id])
    summary = f"Stage: {Submission.Stage(previous).label} → {locked.get_stage_display()}"
    if ending:
        summary += f" ({locked.get_end_reason_display()})"
    record_event(
        kind=EventKind.SUBMISSION_STAGE_CHANGED,
        summary=summary,
        actor=actor,
        actor_type=actor_type,
        submission=locked,
        data={"from": previous, "to": stage, "reason": locked.end_reason, "note": note},
    )
    return locked


def _reopen_message(submission: Submission) -> str:
    return (
        f"{submission.candidate.name} already has another open submission to this role; "
        "end that one before re-opening this one."
    )
