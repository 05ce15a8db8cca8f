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
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet

from candidly.followups.cadences import STOPPED_INTERVIEW_STATUSES
from candidly.followups.models import Cadence, CadenceRun
from candidly.hiring.models import Submission
from candidly.people.models import Company, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import RECORD_KINDS, Event


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


# Awaiting requests are counted up to this many; more show as "1,000+". A big company has thousands, each
# joined to its interview, process and role to be counted, for a number nobody reads to the unit.
AWAITING_COUNTED = 1000


@dataclass(frozen=True)
class ResponsivenessRecord:
    awaiting: int  # at most AWAITING_COUNTED + 1 (:attr:`awaiting_display`)
    responses: int
    within_window: int
    median_seconds: float | None
    escalations: int

    @property
    def awaiting_display(self) -> str:
        """``"12"``, or ``"1,000+"`` beyond :data:`AWAITING_COUNTED`."""
        if self.awaiting > AWAITING_COUNTED:
            return f"{AWAITING_COUNTED:,}+"
        return str(self.awaiting)

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
        # A run's contact is its role's hiring manager, one of the company's own contacts: naming them lets
        # the (contact) index find the runs instead of joining every open run to its role.
        return runs.filter(contact__company=company, interview__submission__role__company=company)
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
    """The record of ``company`` or ``contact`` (exactly one). Two queries, whatever the history: the
    answers' figures, and the awaiting count (up to :data:`AWAITING_COUNTED` + 1, unordered so that it stops
    there). Never fails for a company without history (zeros and "—")."""
    # Only the two kinds counted, in one pass: the partial (company|contact, kind) indexes carry ``data``,
    # so PostgreSQL reads the counts and the median from the index alone (a big company has tens of
    # thousands of answers among millions of Events).
    events = Event.objects.filter(kind__in=RECORD_KINDS, **_about(company, contact))
    figures = _answer_figures(events)
    return ResponsivenessRecord(
        awaiting=awaiting_runs(company=company, contact=contact).order_by()[: AWAITING_COUNTED + 1].count(),
        responses=figures["responses"],
        within_window=figures["within"],
        median_seconds=figures["median"],
        escalations=figures["escalations"],
    )


_ANSWERED = Q(kind=EventKind.FOLLOWUP_MANAGER_RESPONDED)
_ON_TIME = _ANSWERED & Q(data__within_window=True)


def _answer_figures(events: QuerySet[Event]) -> dict[str, Any]:
    """Answers, escalations, answers within the window and the median of the answers' ``response_seconds``
    (numbers of zero or more only) of the record's ``events``: one query. PostgreSQL takes the exact median
    itself (``percentile_cont``, the mean of the two middle values, as ``statistics.median``) instead of
    sending every answer to Python."""
    # Counted by ``kind`` (a column of the index; the primary key is not) and never NULL.
    counts: dict[str, Any] = {
        "responses": Count("kind", filter=_ANSWERED),
        "escalations": Count("kind", filter=Q(kind=EventKind.FOLLOWUP_ESCALATED)),
        "within": Count("kind", filter=_ON_TIME),
    }
    if connection.vendor == "postgresql":
        return events.aggregate(**counts, median=_MedianSeconds(filter=_ANSWERED))
    found: dict[str, Any] = {"responses": 0, "escalations": 0, "within": 0}
    seconds: list[float] = []
    for kind, value, in_window in events.values_list("kind", "data__response_seconds", "data__within_window"):
        if kind == EventKind.FOLLOWUP_ESCALATED:
            found["escalations"] += 1
            continue
        found["responses"] += 1
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            seconds.append(float(value))
        found["within"] += in_window is True
    found["median"] = statistics.median(seconds) if seconds else None
    return found


class _MedianSeconds(Aggregate):
    """PostgreSQL: the median of the Events' ``data.response_seconds`` that are numbers of zero or more
    (anything else is NULL, which ``percentile_cont`` skips)."""

    template = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN jsonb_typeof(%(expressions)s -> "
        "'response_seconds') = 'number' AND (%(expressions)s ->> 'response_seconds')::float >= 0"
        " THEN (%(expressions)s ->> 'response_seconds')::float END)"
    )
    output_field = FloatField()

    def __init__(self, *, filter: Q | None = None) -> None:
        super().__init__(F("data"), filter=filter)


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
