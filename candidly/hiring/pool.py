"""The talent pool: candidates the agency keeps in touch with after a process ends (PRODUCT.md rules 3, 7).

Everyone is in it unless they opted out: unsubscribed from our emails, or said "not open to other roles"
when their last process ended. Recruiters filter by tags, location, remote, minimum compensation, last
contact and the reliability label. The page costs the same few queries whatever its length: one query
pages the ids, a second computes every figure for those rows alone, tags are one prefetch.

The paging query never computes a figure per candidate for the opt-out, "last process" or reliability
filters: it reads the copies on the candidate row (``hiring.services.pool_figures`` keeps them) from the
pool's partial index in name order, and *watch* (time-dependent, never stored) from a small index of the
window's Events. Computing them per row walked cost 6.7-14.7 s at a million candidates for a rare filter
(the walk went on until a page of 50 matched), and the JIT compilation of forty-odd subqueries whenever
a filter made the row estimate uncertain.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from candidly.hiring.forms import SearchField
from candidly.hiring.models import Submission
from candidly.hiring.reliability import (
    WATCH_LATE_CANCELLATIONS,
    WATCH_NO_SHOWS,
    WATCH_WINDOW,
    ReliabilityLabel,
    net_count_of,
    on_watch,
    outcomes_of,
)
from candidly.hiring.services.roles import parse_tag_names
from candidly.lib.paging import window
from candidly.people.models import IN_POOL, MAX_COMPENSATION, Candidate, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import CONTACT_EVENTS, Event

PAGE_SIZE = 50

LAST_CONTACT_CHOICES = [
    ("", "Any time"),
    ("7", "In the last 7 days"),
    ("30", "In the last 30 days"),
    ("over-30", "Not in the last 30 days"),
    ("over-90", "Not in the last 90 days"),
]
LAST_PROCESS_CHOICES = [
    ("", "Any"),
    (Submission.Stage.WITHDRAWN, "Withdrew"),
    (Submission.Stage.REJECTED, "Turned down by the company"),
    ("active", "In a process now"),
    ("none", "Never submitted"),
]


class PoolFilterForm(forms.Form):
    tags = forms.CharField(label="Tags", required=False, max_length=200, help_text="Any of, comma-separated.")
    location = SearchField(label="Location", required=False, max_length=100)
    remote = forms.ChoiceField(
        label="Remote", required=False, choices=[("", "Any"), *Candidate.Remote.choices]
    )
    max_minimum = forms.IntegerField(
        label="Their minimum at most",
        required=False,
        min_value=0,
        max_value=MAX_COMPENSATION,
        help_text="Candidates without one count.",
    )
    last_contact = forms.ChoiceField(label="Last contact", required=False, choices=LAST_CONTACT_CHOICES)
    reliability = forms.ChoiceField(
        label="Reliability",
        required=False,
        choices=[("", "Any"), *[(label.value, label.value) for label in ReliabilityLabel]],
    )
    last_process = forms.ChoiceField(label="Last process", required=False, choices=LAST_PROCESS_CHOICES)

    def clean_tags(self) -> list[str]:
        try:
            return parse_tag_names(self.cleaned_data.get("tags") or "")
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


def _event_count(kind: str, *, since: datetime | None = None) -> Any:
    # Corrections applied, like the record itself (hiring.reliability).
    return net_count_of(kind, candidate=OuterRef("pk"), since=since)


def _figures(now: datetime) -> dict[str, Any]:
    """What each row of the pool shows, as correlated subqueries on the candidate row (name -> expression),
    for one page of rows (``pool_rows``) or the "not contacted since" filter (``last_contact_at``).

    ``reliability_label`` is the rule of ``hiring.reliability._label`` (watch, else new, else reliable) in
    SQL; it needs ``outcomes``, ``recent_no_shows`` and ``recent_late`` first.
    """
    latest = Submission.objects.filter(candidate=OuterRef("pk"), ended_at__isnull=False).order_by(
        "-ended_at", "-pk"
    )
    since = now - WATCH_WINDOW
    return {
        "last_stage": Subquery(latest.values("stage")[:1]),
        "last_reason": Subquery(latest.values("end_reason")[:1]),
        "last_ended_at": Subquery(latest.values("ended_at")[:1]),
        "last_role": Subquery(latest.values("role__title")[:1]),
        "last_company": Subquery(latest.values("role__company__name")[:1]),
        # The stored copy the filter reads (hiring.services.pool_figures).
        "open_count": F("open_processes"),
        "last_contact_at": Subquery(
            Event.objects.filter(CONTACT_EVENTS, candidate=OuterRef("pk"))
            .order_by("-occurred_at")
            .values("occurred_at")[:1]
        ),
        # Counted from the Events like the record (the filter reads the stored copy of the same count).
        "outcomes": outcomes_of(candidate=OuterRef("pk")),
        "recent_no_shows": _event_count(EventKind.INTERVIEW_NO_SHOW, since=since),
        "recent_late": _event_count(EventKind.INTERVIEW_LATE_CANCELLATION, since=since),
    }


RELIABILITY_LABEL = Case(
    When(
        Q(recent_no_shows__gte=WATCH_NO_SHOWS) | Q(recent_late__gte=WATCH_LATE_CANCELLATIONS),
        then=Value(ReliabilityLabel.WATCH.value),
    ),
    When(outcomes=0, then=Value(ReliabilityLabel.NEW.value)),
    default=Value(ReliabilityLabel.RELIABLE.value),
    output_field=CharField(),
)


def _with_figures(candidates: QuerySet[Candidate], now: datetime, names: Any = None) -> QuerySet[Candidate]:
    figures = _figures(now)
    chosen = {name: figures[name] for name in (figures if names is None else names)}
    candidates = candidates.annotate(**chosen)
    if names is None or "outcomes" in chosen:
        candidates = candidates.annotate(reliability_label=RELIABILITY_LABEL)
    return candidates


def pool_ids(*, now: datetime, filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """Candidates in the pool (not opted out) matching ``filters`` (``PoolFilterForm.cleaned_data``), in name
    order: the query that pages, kept small.

    The opt-out and the last-process and *new* filters read the copies on the candidate row (kept by
    ``hiring.services.pool_figures``), so the page is read in name order from the pool's indexes; *watch*
    is ``reliability.on_watch`` (grouped over the Events of the window). Only "not contacted in the last
    30/90 days" still computes a figure per row walked (an index probe each: most of the pool matches)."""
    filters = filters or {}
    # Any: the annotations depend on the filters, which the type checker cannot follow.
    candidates: QuerySet[Any] = Candidate.objects.filter(IN_POOL).order_by("name", "pk")
    tags = filters.get("tags") or []
    if tags:
        # The tags' ids first: a tag nobody has (a typo) answers at once instead of walking the whole pool,
        # and the planner knows from the ids how many candidates carry them (a name join it cannot see).
        tag_ids = list(Tag.objects.filter(name__in=tags).values_list("pk", flat=True))
        if not tag_ids:
            return candidates.none()
        tagged = Candidate.role_tags.through.objects.filter(candidate_id=OuterRef("pk"), tag_id__in=tag_ids)
        candidates = candidates.filter(Exists(tagged))
    if filters.get("location"):
        candidates = candidates.filter(locations__icontains=filters["location"].strip())
    if filters.get("remote"):
        candidates = candidates.filter(remote=filters["remote"])
    if filters.get("max_minimum") is not None:
        candidates = candidates.filter(
            Q(min_compensation__lte=filters["max_minimum"]) | Q(min_compensation__isnull=True)
        )
    contact = filters.get("last_contact") or ""
    if contact in ("7", "30"):
        since = now - timedelta(days=int(contact))
        # A contact Event since then is exactly "last contact since then": the set of those days' Events
        # (the occurred_at index), never the figure computed for each candidate walked.
        recent = Event.objects.filter(CONTACT_EVENTS, occurred_at__gte=since).values("candidate_id")
        candidates = candidates.filter(pk__in=recent)
    elif contact.startswith("over-"):
        cutoff = now - timedelta(days=int(contact.removeprefix("over-")))
        candidates = _with_figures(candidates, now, ("last_contact_at",)).filter(
            Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True)
        )
    label = filters.get("reliability") or ""
    if label:
        # The rule of ``reliability._label``: watch first, else new (no outcome), else reliable.
        watched = on_watch(now=now)
        if label == ReliabilityLabel.WATCH.value:
            candidates = candidates.filter(watched)
        elif label == ReliabilityLabel.NEW.value:
            candidates = candidates.filter(Q(interview_outcomes=0) & ~watched)
        else:
            candidates = candidates.filter(Q(interview_outcomes__gt=0) & ~watched)
    process = filters.get("last_process") or ""
    if process in (Submission.Stage.WITHDRAWN, Submission.Stage.REJECTED):
        candidates = candidates.filter(last_ended_stage=process)
    elif process == "active":
        candidates = candidates.filter(open_processes__gt=0)
    elif process == "none":
        # The condition of the candidate_pool_never_idx index: at scale this list is empty or nearly.
        candidates = candidates.filter(open_processes=0, last_ended_stage="")
    return candidates


def pool_rows(ids: list[int], *, now: datetime) -> list[Candidate]:
    """The candidates ``ids`` in name order with every figure the page shows (``_figures``), their recruiter
    and tags: the expensive subqueries run for one page of rows, never for the whole pool."""
    rows = (
        Candidate.objects.filter(pk__in=ids)
        .select_related("recruiter")
        .prefetch_related(Prefetch("role_tags", queryset=Tag.objects.order_by("name")))
        .order_by("name", "pk")
    )
    return list(_with_figures(rows, now))


def pool_candidates(*, now: datetime, filters: dict[str, Any] | None = None) -> list[Candidate]:
    """Every candidate of the pool matching ``filters`` with its figures (for small pools and tests; the
    page reads one page of ids with ``pool_ids``, then ``pool_rows``)."""
    return pool_rows(list(pool_ids(now=now, filters=filters).values_list("pk", flat=True)), now=now)


def talent_pool(request: HttpRequest) -> HttpResponse:
    """The pool with its filters (GET form; a bad filter value shows its error and filters nothing)."""
    form = PoolFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    # One page of ids (size + 1 rows, no COUNT), then the figures for that page alone: never for the pool.
    ids = window(pool_ids(now=now, filters=filters).only("pk"), request.GET, size=PAGE_SIZE)
    page = replace(ids, object_list=pool_rows([row.pk for row in ids], now=now))
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return render(request, "people/pool.html", {"form": form, "page": page, "query": query.urlencode()})
