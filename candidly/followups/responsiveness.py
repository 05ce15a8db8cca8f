"""A company's and a hiring manager's responsiveness record (PRODUCT.md rule 5): a record, not a verdict.

=======================  ==============================================================================
figure                   source
=======================  ==============================================================================
awaiting feedback        hiring-manager cadences with no answer yet, for interviews that took place and
                         processes still open (their ``followup.planned`` Events are "the events")
median hours to feedback ``followup.manager_responded`` Events, ``data.response_seconds`` from the end
share within the window  the same Events' ``data.within_window`` (the cadence's window, business days)
times they went quiet    ``followup.escalated`` Events: the escalation step came without an answer
=======================  ==============================================================================

Recruiters only: never rendered on a public page or in an email.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import Count, F, Q, QuerySet

from candidly.followups.cadences import STOPPED_INTERVIEW_STATUSES
from candidly.followups.models import Cadence, CadenceRun
from candidly.hiring.models import Submission
from candidly.people.models import Company, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event


class Figure(StrEnum):
    """The record's numbers, as named in the events page's ``?figure=``."""

    AWAITING = "awaiting"
    RESPONSES = "responses"
    ESCALATIONS = "escalations"


FIGURE_LABELS: dict[str, str] = {
    Figure.AWAITING: "Feedback requests still awaiting an answer",
    Figure.RESPONSES: "Feedback given",
    Figure.ESCALATIONS: "Times they went quiet (escalated to the recruiter)",
}


@dataclass(frozen=True)
class ResponsivenessRecord:
    awaiting: int
    responses: int
    within_window: int
    median_seconds: float | None
    escalations: int

    @property
    def median_hours_display(self) -> str:
        """``"5.5 h"``, or ``"—"`` before any feedback came."""
        if self.median_seconds is None:
            return "—"
        return f"{self.median_seconds / 3600:.1f} h"

    @property
    def share_within_display(self) -> str:
        """``"75 % (3 of 4)"``, or ``"—"`` before any feedback came."""
        if not self.responses:
            return "—"
        share = round(100 * self.within_window / self.responses)
        return f"{share} % ({self.within_window} of {self.responses})"


def _about(company: Company | None, contact: Contact | None) -> dict[str, Company | Contact]:
    if (company is None) == (contact is None):
        raise ValueError("A responsiveness record is about a company or a contact.")
    return {"company": company} if company is not None else {"contact": contact}  # type: ignore[dict-item]


def awaiting_runs(*, company: Company | None = None, contact: Contact | None = None) -> QuerySet[CadenceRun]:
    """Hiring-manager cadences still waiting for an answer about an interview that took place."""
    _about(company, contact)
    runs = CadenceRun.objects.filter(
        audience=Cadence.Audience.HIRING_MANAGER,
        responded_at__isnull=True,
        # The mark skips ended processes without a join (see ``CadenceRun.process_open``); the stage
        # test stays as the rule itself.
        process_open=True,
        interview__submission__stage__in=Submission.OPEN_STAGES,
    ).exclude(interview__status__in=STOPPED_INTERVIEW_STATUSES)
    if company is not None:
        return runs.filter(interview__submission__role__company=company)
    return runs.filter(contact=contact)


def overdue_runs(*, now: datetime) -> QuerySet[CadenceRun]:
    """Hiring-manager cadences whose feedback window (``respond_by``) ended before ``now`` without an answer
    in time: none yet, or one that came late (``within_window`` false on its Event). Interviews that turned
    out a no-show or were cancelled are left out: nobody owed feedback on them. Any stage: a process that
    ended since still had its feedback overdue."""
    return (
        CadenceRun.objects.filter(
            audience=Cadence.Audience.HIRING_MANAGER, respond_by__isnull=False, respond_by__lt=now
        )
        .filter(Q(responded_at__isnull=True) | Q(responded_at__gt=F("respond_by")))
        .exclude(interview__status__in=STOPPED_INTERVIEW_STATUSES)
    )


def responsiveness_record(
    *, company: Company | None = None, contact: Contact | None = None
) -> ResponsivenessRecord:
    """The record of ``company`` or ``contact`` (exactly one). Three queries; never fails for a company
    without history (zeros and "—")."""
    # Only the two kinds counted: the (kind, occurred_at) index finds them, instead of reading every Event
    # of a big company (hundreds of thousands) to count a few.
    events = Event.objects.filter(
        kind__in=(EventKind.FOLLOWUP_MANAGER_RESPONDED, EventKind.FOLLOWUP_ESCALATED),
        **_about(company, contact),
    )
    counts = events.aggregate(
        responses=Count("pk", filter=Q(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)),
        escalations=Count("pk", filter=Q(kind=EventKind.FOLLOWUP_ESCALATED)),
    )
    seconds: list[float] = []
    within = 0
    if counts["responses"]:
        answers = events.filter(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)
        rows = answers.values_list("data__response_seconds", "data__within_window")
        for value, on_time in rows:
            if isinstance(value, int | float) and value >= 0:
                seconds.append(float(value))
            within += on_time is True
    return ResponsivenessRecord(
        awaiting=awaiting_runs(company=company, contact=contact).count(),
        responses=counts["responses"],
        within_window=within,
        median_seconds=statistics.median(seconds) if seconds else None,
        escalations=counts["escalations"],
    )


def figure_events(
    figure: str, *, company: Company | None = None, contact: Contact | None = None
) -> QuerySet[Event]:
    """The Events behind one figure of the record, newest first. ``ValueError`` for an unknown figure."""
    events = Event.objects.filter(**_about(company, contact))
    if figure == Figure.AWAITING:
        interviews = awaiting_runs(company=company, contact=contact).values("interview")
        events = events.filter(
            kind=EventKind.FOLLOWUP_PLANNED,
            interview__in=interviews,
            data__audience=Cadence.Audience.HIRING_MANAGER,
        )
    elif figure == Figure.RESPONSES:
        events = events.filter(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)
    elif figure == Figure.ESCALATIONS:
        events = events.filter(kind=EventKind.FOLLOWUP_ESCALATED)
    else:
        raise ValueError(f"Unknown figure {figure!r}.")
    return events.select_related("actor_user", "candidate").order_by("-occurred_at", "-id")
