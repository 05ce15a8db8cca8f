"""Saying "I'm out" (PRODUCT.md rule 3): one service ends a submission as *withdrawn* and tidies up after it.

``withdraw_submission`` is what the public withdraw page (``hiring/public_withdrawal.py``) and the recruiter
(a call: "withdrawn by phone", ``hiring/ending_views.py``) both call. In one transaction it

1. moves the submission to *withdrawn* with the reason (``move_submission``: the stage Event);
2. cancels its future interviews under the 24-hour rule (``cancel_interview_for_candidate`` per interview:
   *cancelled with notice* or *late cancellation*, with that path's "Cancel with <company>" tasks);
3. skips every remaining touchpoint of the submission and its interviews (candidate and hiring manager),
   and cancels the open tasks of call steps already handed to the recruiter;
4. gives the recruiter a "Tell <company>" task holding a courteous email to the hiring manager that never
   quotes the candidate's own words, and names their reason only when they allowed it;
5. updates the candidate's preferences with what they would want instead;
6. appends the Events saying all of it.

A second call for an ended submission changes nothing. Any failure rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.hiring.endings.common import (
    first_name,
    lock_submission,
    stop_submission_touchpoints,
    upcoming_interviews,
)
from candidly.hiring.models import Interview, Submission
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services import interview_status, roles, submissions
from candidly.hiring.services.interview_status import CancellationOutcome
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.lib.phones import display_phone
from candidly.messaging.links import mark_link_used
from candidly.messaging.models import Link
from candidly.messaging.prepared import PreparedEmail, local_moment
from candidly.people.models import MAX_COMPENSATION, Candidate, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

Reason = Submission.EndReason

# The reasons a candidate can give (the page's list, in its order); the others are the company's or ours.
WITHDRAWAL_REASONS: tuple[str, ...] = (
    Reason.ROLE_DIFFERENT,
    Reason.TEAM_CULTURE,
    Reason.COMPENSATION,
    Reason.LOCATION,
    Reason.OTHER_OFFER,
    Reason.PROCESS_SLOW,
    Reason.PERSONAL,
    Reason.OTHER,
)

# How the reason reads in a note to the hiring manager, when the candidate lets us share it.
COURTEOUS_REASONS: dict[str, str] = {
    Reason.ROLE_DIFFERENT: "the role turned out to be different from what they had understood",
    Reason.TEAM_CULTURE: "they felt the team would not be the right fit for them",
    Reason.COMPENSATION: "the compensation does not match what they are looking for",
    Reason.LOCATION: "the location and way of working do not suit them",
    Reason.OTHER_OFFER: "they have accepted another offer",
    Reason.PROCESS_SLOW: "the timing of the process did not work for them",
    Reason.PERSONAL: "of personal circumstances",
}


class Via(StrEnum):
    """Where the withdrawal came from; the first three are the candidate's own clicks."""

    EMAIL = "email"
    FEEDBACK = "feedback"
    LINK = "link"
    PHONE = "phone"
    RECRUITER = "recruiter"


RECRUITER_VIAS = frozenset({Via.PHONE, Via.RECRUITER})
VIA_LABELS: dict[str, str] = {
    Via.EMAIL: "through the link in an email",
    Via.FEEDBACK: "from the feedback form",
    Via.LINK: "through their link",
    Via.PHONE: "by phone, recorded by the recruiter",
    Via.RECRUITER: "recorded by the recruiter",
}


@dataclass(frozen=True)
class Wants:
    """What the candidate would want instead; every part optional."""

    remote: bool = False
    min_compensation: int | None = None
    tags: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.remote or self.min_compensation is not None or self.tags)

    def as_json(self) -> dict[str, Any]:
        return {"remote": self.remote, "min_compensation": self.min_compensation, "tags": list(self.tags)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Wants:
        data = data or {}
        return cls(
            remote=bool(data.get("remote")),
            min_compensation=data.get("min_compensation"),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass(frozen=True)
class WithdrawalOutcome:
    """What ``withdraw_submission`` did. ``withdrawn`` is False for a repeat: nothing was changed."""

    submission: Submission
    withdrawn: bool
    cancellations: tuple[CancellationOutcome, ...] = ()
    skipped_touchpoints: tuple[int, ...] = ()
    cancelled_tasks: tuple[int, ...] = ()
    task: Task | None = None
    company_email: PreparedEmail | None = None
    preferences_changed: tuple[str, ...] = field(default=())


def withdraw_submission(
    submission: Submission,
    *,
    reason: str,
    note: str = "",
    open_to_other_roles: bool | None = None,
    wants: Wants | None = None,
    share_reason: bool = False,
    via: str,
    actor: User | None = None,
    now: datetime,
) -> WithdrawalOutcome:
    """End ``submission`` as withdrawn, in one transaction (steps in the module docstring).

    ``reason`` is one of ``WITHDRAWAL_REASONS`` or empty (the candidate did not say: recorded as *other*);
    ``note`` is the candidate's own words and stays with the agency. ``via`` says where it came from;
    ``phone``/``recruiter`` need the recruiter as ``actor``, the candidate's own vias take none.

    Idempotent: for a submission that has already ended (a double submit, a second link) it returns
    ``withdrawn=False`` and writes nothing. Raises ``ValueError`` for an unknown reason or via, or a via
    that does not match ``actor``. Any database error (e.g. a constraint refusing a preference) rolls back
    every step, the stage change included.
    """
    if reason and reason not in WITHDRAWAL_REASONS:
        raise ValueError(f"{reason!r} is not a reason a candidate gives for withdrawing.")
    via = Via(via)  # ValueError for an unknown one
    by_recruiter = via in RECRUITER_VIAS
    if by_recruiter != (actor is not None):
        raise ValueError("A recruiter's via needs the recruiter as actor; a candidate's via takes none.")
    wants = wants or Wants()

    with transaction.atomic():
        locked = lock_submission(submission)
        if not locked.is_open:
            return WithdrawalOutcome(locked, withdrawn=False)
        actor_type = None if by_recruiter else Event.Actor.CANDIDATE
        moved = submissions.move_submission(
            locked,
            stage=Submission.Stage.WITHDRAWN,
            reason=reason or Reason.OTHER,
            note=note,
            actor=actor,
            actor_type=actor_type,
        )
        locked.stage, locked.end_reason, locked.end_note, locked.ended_at = (
            moved.stage,
            moved.end_reason,
            moved.end_note,
            moved.ended_at,
        )
        locked.open_to_other_roles = open_to_other_roles
        locked.share_reason_with_company = share_reason
        locked.withdrawal_wants = {} if wants.is_empty else wants.as_json()
        locked.save(update_fields=["open_to_other_roles", "share_reason_with_company", "withdrawal_wants"])
        # Their answer decides whether they stay in the talent pool (move_submission ran before it).
        refresh_pool_figures([locked.candidate_id])

        cancellations = tuple(
            interview_status.cancel_interview_for_candidate(
                interview,
                now=now,
                reason_kind=CancellationReason.NOT_INTERESTED,
                via=interview_status.Via.RECRUITER if by_recruiter else interview_status.Via.LINK,
                actor=actor,
            )
            for interview in upcoming_interviews(locked, now=now)
        )
        cancelled = [outcome for outcome in cancellations if outcome.cancelled]
        skipped, closed_tasks = stop_submission_touchpoints(
            locked, reason="The candidate withdrew.", now=now, done_by=actor
        )
        email = prepare_company_email(locked, cancelled=[outcome.interview for outcome in cancelled])
        task = _tell_company_task(locked, email=email, via=via, actor=actor, now=now)
        changed = update_preferences(locked.candidate, wants=wants, actor=actor, via=via)
        record_event(
            kind=EventKind.SUBMISSION_WITHDRAWN,
            summary=(
                f"Withdrew from {locked.role.title} at {locked.role.company.name}: "
                f"{Reason(locked.end_reason).label if reason else 'no reason given'} ({VIA_LABELS[via]})"
            ),
            actor=actor,
            actor_type=actor_type,
            submission=locked,
            data={
                "via": str(via),
                "reason": reason,
                "note": note,
                "open_to_other_roles": open_to_other_roles,
                "share_reason": share_reason,
                "wants": wants.as_json(),
                "cancelled_interviews": [outcome.interview.pk for outcome in cancelled],
                "skipped_touchpoints": skipped,
                "cancelled_tasks": closed_tasks,
                "task": task.pk,
            },
        )
    return WithdrawalOutcome(
        locked,
        withdrawn=True,
        cancellations=cancellations,
        skipped_touchpoints=tuple(skipped),
        cancelled_tasks=tuple(closed_tasks),
        task=task,
        company_email=email,
        preferences_changed=tuple(changed),
    )


def prepare_company_email(submission: Submission, *, cancelled: Iterable[Interview] = ()) -> PreparedEmail:
    """The courteous note telling the hiring manager the candidate withdrew.

    Never the candidate's own words (``end_note``), never what they would want instead, and the reason only
    when ``share_reason_with_company`` is set and it has a courteous wording.
    """
    role = submission.role
    manager = role.hiring_manager
    recruiter = submission.responsible_recruiter
    share = submission.share_reason_with_company
    context = {
        "candidate": submission.candidate,
        "role": role,
        "company": role.company,
        "manager": manager,
        "manager_first_name": first_name(manager.name),
        "reason_text": COURTEOUS_REASONS.get(submission.end_reason, "") if share else "",
        "cancelled": [
            local_moment(interview.starts_at, manager.time_zone, abbreviation=False)
            for interview in cancelled
        ],
        "recruiter": recruiter,
        "recruiter_phone": display_phone(recruiter.phone) if recruiter and recruiter.phone else "",
    }
    subject = render_to_string("hiring/withdrawal/company-email-subject.txt", context).strip()
    body = render_to_string("hiring/withdrawal/company-email-body.txt", context).strip() + "\n"
    return PreparedEmail(to_name=manager.name, to_email=manager.email, subject=subject, body=body)


def _tell_company_task(
    submission: Submission, *, email: PreparedEmail, via: str, actor: User | None, now: datetime
) -> Task:
    company = submission.role.company
    manager = submission.role.hiring_manager
    context = {
        "submission": submission,
        "candidate": submission.candidate,
        "role": submission.role,
        "company": company,
        "manager": manager,
        "manager_phone": display_phone(manager.phone) if manager.phone else "",
        "via": VIA_LABELS[via],
        "email": email,
        "shared": submission.share_reason_with_company,
        "ended_url": settings.CANDIDLY_BASE_URL + reverse("hiring:submission-ended", args=[submission.pk]),
    }
    return create_task(
        submission=submission,
        kind=Task.Kind.TELL_COMPANY,
        title=f"Tell {company.name}: {submission.candidate.name} withdrew from {submission.role.title}",
        details=render_to_string("hiring/withdrawal/tell-company-task.txt", context).strip(),
        due_at=now,
        actor=actor,
        contact=manager,
    )


def update_preferences(candidate: Candidate, *, wants: Wants, actor: User | None, via: str) -> list[str]:
    """Fold what the candidate wants instead into their preferences; returns the fields that changed.

    Only ever widens them: remote becomes "remote only", the minimum only goes up, tags are added. Writes a
    ``candidate.preferences_updated`` Event when something changed. Tag names must already be clean
    (``roles.parse_tag_names``).
    """
    if wants.is_empty:
        return []
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    changed: list[str] = []
    before: dict[str, Any] = {}
    if wants.remote and candidate.remote != Candidate.Remote.REMOTE:
        before["remote"] = candidate.remote
        candidate.remote = Candidate.Remote.REMOTE
        changed.append("remote")
    if wants.min_compensation is not None and (
        candidate.min_compensation is None or wants.min_compensation > candidate.min_compensation
    ):
        before["min_compensation"] = candidate.min_compensation
        candidate.min_compensation = wants.min_compensation
        changed.append("min_compensation")
    if changed:
        candidate.updated_at = timezone.now()
        candidate.save(update_fields=[*changed, "updated_at"])
    existing = set(candidate.role_tags.values_list("name", flat=True))
    new_tags = [name for name in wants.tags if name not in existing]
    if new_tags:
        candidate.role_tags.add(*(Tag.objects.get_or_create(name=name)[0] for name in new_tags))
        changed.append("role_tags")
    if changed:
        record_event(
            kind=EventKind.CANDIDATE_PREFERENCES_UPDATED,
            summary="Preferences updated from what they would want instead: "
            + ", ".join(_describe_change(name, candidate, new_tags) for name in changed),
            actor=actor,
            actor_type=None if actor is not None else Event.Actor.CANDIDATE,
            candidate=candidate,
            data={"changed": changed, "before": before, "added_tags": new_tags, "via": str(via)},
        )
    return changed


def _describe_change(name: str, candidate: Candidate, new_tags: list[str]) -> str:
    if name == "remote":
        return "remote only"
    if name == "min_compensation":
        return f"minimum {candidate.min_compensation} {candidate.currency}"
    return "tags " + ", ".join(new_tags)


def parse_wants(*, remote: bool, min_compensation: int | None, tags_text: str) -> Wants:
    """Build ``Wants`` from form input; raises ``ValidationError`` keyed by field for bad tags or amounts."""
    errors: dict[str, Any] = {}
    tags: list[str] = []
    try:
        tags = roles.parse_tag_names(tags_text or "")
    except ValidationError as exc:
        errors["tags"] = exc.messages
    if min_compensation is not None and min_compensation < 0:
        errors["min_compensation"] = "Enter an amount of zero or more."
    elif min_compensation is not None and min_compensation > MAX_COMPENSATION:
        errors["min_compensation"] = f"Enter an amount up to {MAX_COMPENSATION:,}."
    if errors:
        raise ValidationError(errors)
    return Wants(remote=remote, min_compensation=min_compensation, tags=tuple(tags))


def withdraw_through_link(
    link: Link,
    *,
    reason: str,
    note: str,
    open_to_other_roles: bool | None,
    wants: Wants,
    share_reason: bool,
    via: str,
    now: datetime,
) -> WithdrawalOutcome:
    """The candidate's click on a withdraw link: marks the link used and withdraws, in one transaction.

    A second submit (or a race with another link) finds the process ended and changes nothing, so the
    candidate simply sees the thank-you page again. ``via`` is one of the candidate's own vias.
    """
    submission = link.submission
    if submission is None:
        raise ValueError("A withdraw link carries its submission.")
    with transaction.atomic():
        mark_link_used(link, now=now)
        return withdraw_submission(
            submission,
            reason=reason,
            note=note,
            open_to_other_roles=open_to_other_roles,
            wants=wants,
            share_reason=share_reason,
            via=via,
            now=now,
        )
