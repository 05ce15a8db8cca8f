"""What the reports count, defined once: the direct readings (``reports.queries``) and the rollup
(``reports.rollup``) both filter the records through these, so the two can only differ in grouping.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import Expression
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from candidly.hiring.models import Interview
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

# What happened to an interview, as the reliability record counts it: the denominator of "per 100".
OUTCOME_KINDS: tuple[str, ...] = (
    EventKind.INTERVIEW_COMPLETED,
    EventKind.INTERVIEW_NO_SHOW,
    EventKind.INTERVIEW_LATE_CANCELLATION,
    EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
)
# Counted as they are, in the period they happened.
CANDIDATE_SILENCE_KINDS: tuple[str, ...] = (EventKind.SUBMISSION_GONE_QUIET,)
ESCALATION_KINDS: tuple[str, ...] = (EventKind.FOLLOWUP_ESCALATED,)
RESPONSE_KINDS: tuple[str, ...] = (EventKind.FOLLOWUP_RESPONDED, EventKind.FOLLOWUP_MANAGER_RESPONDED)
COUNTED_KINDS: tuple[str, ...] = (
    *OUTCOME_KINDS,
    *CANDIDATE_SILENCE_KINDS,
    *ESCALATION_KINDS,
    *RESPONSE_KINDS,
)


def outcome_kind() -> Expression:
    """An outcome Event's kind as corrected since: a recruiter's ``interview.outcome_corrected`` (the latest
    one) moves the interview's outcome, and the report counts it in the period of the original outcome, so
    a correction made weeks later changes that old period, never the period of the correction."""
    latest = (
        Event.objects.filter(interview=OuterRef("interview"), kind=EventKind.INTERVIEW_OUTCOME_CORRECTED)
        .order_by("-occurred_at", "-pk")
        .values(to_kind=KT("data__to_kind"))[:1]
    )
    return Coalesce(Subquery(latest), F("kind"), output_field=CharField())


def silent_ending() -> Q:
    """A process that ended in silence: the candidate was flagged gone quiet, or did not show up (to be
    used on a queryset annotated with :func:`with_missed`); every other ending was an explicit answer."""
    return Q(gone_quiet_at__isnull=False) | Q(missed=True)


def with_missed(submissions: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    no_show = Interview.objects.filter(submission=OuterRef("pk"), status=Interview.Status.NO_SHOW)
    return submissions.annotate(missed=Exists(no_show))
