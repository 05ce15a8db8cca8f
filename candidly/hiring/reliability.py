"""A candidate's reliability record (PRODUCT.md rule 5: "reputation is a record, not a verdict").

Every number is a count of timeline Events, so a recruiter can open the events behind it, and the record
can never drift from the timeline. The Events are written by the hiring services:

==========================  ===========================================  ======================
figure                      Event kind                                   written by
==========================  ===========================================  ======================
interviews attended         ``interview.completed``                      mark_interview_outcome
confirmations               ``interview.confirmed``                      confirm_interview
cancellations with notice   ``interview.cancelled_with_notice``          cancel_interview_for_candidate
late cancellations          ``interview.late_cancellation``              cancel_interview_for_candidate
no-shows                    ``interview.no_show``                        mark_interview_outcome
times gone quiet            ``submission.gone_quiet``                    the follow-ups worker
follow-up responses         ``followup.responded`` (``data.response_seconds``: seconds from the first
                            follow-up message to the response), written by the follow-ups engine
==========================  ===========================================  ======================

A recruiter's correction of a wrongly recorded outcome (``interview.outcome_corrected``, written by
``correct_interview_outcome``) moves one count from the Event kind in its ``data.from_kind`` to the one in
its ``data.to_kind``: the original Event stays on the timeline (it is append-only), the correction beside it.
Like every figure, a correction counts in the 12-month window by when it was recorded.

The label is short and neutral, with its reason next to it:

- **watch**: at least one no-show, or at least two late cancellations, in the last 12 months (365 days,
  counted by when the Event was recorded);
- **new**: no interview outcome recorded yet (nothing attended, cancelled or missed);
- **reliable**: everything else.

Recruiters only: never render it on a public page or in an email.
"""

from __future__ import annotations

import functools
import operator
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Count, Q, Value
from django.db.models.functions import Greatest

from candidly.lib.db import count_of
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

WATCH_WINDOW = timedelta(days=365)
WATCH_NO_SHOWS = 1
WATCH_LATE_CANCELLATIONS = 2

# (attribute, label, event kind), in the order the candidate page shows them.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("attended", "Interviews attended", EventKind.INTERVIEW_COMPLETED),
    ("confirmations", "Confirmations", EventKind.INTERVIEW_CONFIRMED),
    ("cancellations_with_notice", "Cancellations with notice", EventKind.INTERVIEW_CANCELLED_WITH_NOTICE),
    ("late_cancellations", "Late cancellations", EventKind.INTERVIEW_LATE_CANCELLATION),
    ("no_shows", "No-shows", EventKind.INTERVIEW_NO_SHOW),
    ("gone_quiet", "Went quiet after an interview", EventKind.SUBMISSION_GONE_QUIET),
)
CORRECTED = EventKind.INTERVIEW_OUTCOME_CORRECTED
RECORD_KINDS: tuple[str, ...] = (
    *(kind for _, _, kind in FIGURES),
    EventKind.FOLLOWUP_RESPONDED,
    CORRECTED,
)
KIND_LABELS: dict[str, str] = {
    **{kind: label for _, label, kind in FIGURES},
    EventKind.FOLLOWUP_RESPONDED: "Responses to follow-ups",
    CORRECTED: "Corrections of recorded outcomes",
}


def net_count(kind: str, *, since: datetime | None = None) -> Any:
    """An aggregate over a candidate's Events: how many ``kind`` counts, corrections applied (see above)."""
    recent = Q(occurred_at__gte=since) if since is not None else Q()
    return (
        Count("pk", filter=Q(kind=kind) & recent)
        - Count("pk", filter=Q(kind=CORRECTED, data__from_kind=kind) & recent)
        + Count("pk", filter=Q(kind=CORRECTED, data__to_kind=kind) & recent)
    )


def net_count_of(kind: str, *, candidate: Any, since: datetime | None = None) -> Any:
    """The same count as a correlated subquery per candidate (``candidate`` is an ``OuterRef``), for lists
    that filter on the record (the talent pool)."""
    events = Event.objects.filter(candidate=candidate)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    return (
        count_of(events.filter(kind=kind), "candidate")
        - count_of(events.filter(kind=CORRECTED, data__from_kind=kind), "candidate")
        + count_of(events.filter(kind=CORRECTED, data__to_kind=kind), "candidate")
    )


# The Event kinds that are an interview outcome: a candidate with none of them (corrections applied) is *new*.
OUTCOME_KINDS: tuple[str, ...] = (
    EventKind.INTERVIEW_COMPLETED,
    EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
    EventKind.INTERVIEW_LATE_CANCELLATION,
    EventKind.INTERVIEW_NO_SHOW,
)


def outcomes_of(*, candidate: Any) -> Any:
    """How many interview outcomes ``candidate`` (an ``OuterRef``) has, counted like ``reliability_record``
    counts them (each kind's count, corrections applied, never below zero): a correlated subquery, for
    ``hiring.services.pool_figures`` to store on the candidate. Time-independent, unlike *watch*."""
    counts = [Greatest(net_count_of(kind, candidate=candidate), Value(0)) for kind in OUTCOME_KINDS]
    return functools.reduce(operator.add, counts)


def on_watch(*, now: datetime) -> Q:
    """A condition on candidates: labelled *watch* at ``now`` (the rule of ``_label``, corrections applied),
    for lists that filter on the label (the talent pool), without counting anyone's Events one by one.

    Two grouped subqueries over the Events of the window: candidates without a correction in it have plain
    counts, read from the small ``event_watch_idx`` alone; the few with one are counted exactly (their
    corrections carry the kinds in ``data``, which no index holds)."""
    since = now - WATCH_WINDOW
    corrected = Event.objects.filter(kind=CORRECTED, occurred_at__gte=since, candidate__isnull=False).values(
        "candidate_id"
    )
    watched = Q(recent_no_shows__gte=WATCH_NO_SHOWS) | Q(recent_late__gte=WATCH_LATE_CANCELLATIONS)
    no_show, late = EventKind.INTERVIEW_NO_SHOW, EventKind.INTERVIEW_LATE_CANCELLATION
    plain = (
        Event.objects.filter(kind__in=(no_show, late), occurred_at__gte=since, candidate__isnull=False)
        .exclude(candidate_id__in=corrected)
        .order_by()
        .values("candidate_id")
        .annotate(
            recent_no_shows=Count("candidate_id", filter=Q(kind=no_show)),
            recent_late=Count("candidate_id", filter=Q(kind=late)),
        )
        .filter(watched)
        .values("candidate_id")
    )
    exact = (
        Event.objects.filter(kind__in=(no_show, late, CORRECTED), occurred_at__gte=since)
        .filter(candidate_id__in=corrected)
        .order_by()
        .values("candidate_id")
        .annotate(recent_no_shows=net_count(no_show), recent_late=net_count(late))
        .filter(watched)
        .values("candidate_id")
    )
    return Q(pk__in=plain) | Q(pk__in=exact)


class ReliabilityLabel(StrEnum):
    RELIABLE = "reliable"
    WATCH = "watch"
    NEW = "new"


@dataclass(frozen=True)
class Figure:
    """One number of the record and the Event kind behind it (the page links to those Events)."""

    label: str
    count: int
    kind: str


@dataclass(frozen=True)
class ReliabilityRecord:
    attended: int
    confirmations: int
    cancellations_with_notice: int
    late_cancellations: int
    no_shows: int
    gone_quiet: int
    recent_no_shows: int
    recent_late_cancellations: int
    responses: int
    median_response: timedelta | None
    label: ReliabilityLabel
    reason: str

    @property
    def figures(self) -> list[Figure]:
        return [Figure(label, getattr(self, name), kind) for name, label, kind in FIGURES]

    @property
    def median_response_display(self) -> str:
        """``"3 h 20 min"``, ``"2 days 4 h"``, or ``"—"`` before any follow-up was answered."""
        if self.median_response is None:
            return "—"
        return format_duration(self.median_response)


def format_duration(delta: timedelta) -> str:
    """A duration for people, to the minute: ``45 min``, ``3 h 20 min``, ``2 days 4 h``."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _label(
    *, attended: int, outcomes: int, recent_no_shows: int, recent_late: int
) -> tuple[ReliabilityLabel, str]:
    """The label and its reason (the rule is in the module docstring)."""
    concerns = []
    if recent_no_shows >= WATCH_NO_SHOWS:
        concerns.append(_plural(recent_no_shows, "no-show", "no-shows"))
    if recent_late >= WATCH_LATE_CANCELLATIONS:
        concerns.append(_plural(recent_late, "late cancellation", "late cancellations"))
    if concerns:
        return ReliabilityLabel.WATCH, f"{' and '.join(concerns)} in the last 12 months."
    if outcomes == 0:
        return ReliabilityLabel.NEW, "No interview outcome recorded yet."
    return (
        ReliabilityLabel.RELIABLE,
        f"{_plural(attended, 'interview', 'interviews')} attended; no no-show and at most one late "
        "cancellation in the last 12 months.",
    )


def reliability_record(candidate: Candidate | int, *, now: datetime) -> ReliabilityRecord:
    """The record of ``candidate`` (or its pk) as of ``now``.

    One aggregate query over the candidate's Events; a second one, only when follow-up responses exist,
    reads their ``response_seconds`` for the median (responses without a usable number are counted but
    not timed). Never fails for a candidate without events: everything is zero, the label *new*.
    """
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    since = now - WATCH_WINDOW
    events = Event.objects.filter(candidate_id=candidate_id, kind__in=RECORD_KINDS)
    totals = events.aggregate(
        **{name: net_count(kind) for name, _, kind in FIGURES},
        recent_no_shows=net_count(EventKind.INTERVIEW_NO_SHOW, since=since),
        recent_late_cancellations=net_count(EventKind.INTERVIEW_LATE_CANCELLATION, since=since),
        responses=Count("pk", filter=Q(kind=EventKind.FOLLOWUP_RESPONDED)),
    )
    # A correction of an outcome recorded before the window leaves a negative "recent" count: none.
    counts = {name: max(0, value or 0) for name, value in totals.items()}
    median = None
    if counts["responses"]:
        raw = events.filter(kind=EventKind.FOLLOWUP_RESPONDED).values_list(
            "data__response_seconds", flat=True
        )
        seconds = [float(value) for value in raw if isinstance(value, int | float) and value >= 0]
        if seconds:
            median = timedelta(seconds=statistics.median(seconds))
    outcomes = sum(counts[name] for name in ("attended", "cancellations_with_notice", "late_cancellations"))
    label, reason = _label(
        attended=counts["attended"],
        outcomes=outcomes + counts["no_shows"],
        recent_no_shows=counts["recent_no_shows"],
        recent_late=counts["recent_late_cancellations"],
    )
    return ReliabilityRecord(**counts, median_response=median, label=label, reason=reason)
