"""The talent pool: candidates the agency keeps in touch with after a process ends (PRODUCT.md rules 3, 7).

Everyone is in it unless they opted out: unsubscribed from our emails, or said "not open to other roles"
when their last process ended. Recruiters filter by tags, location, remote, minimum compensation, last
contact and the reliability label. The page costs the same few queries whatever its length: every figure
is a correlated subquery on the candidate row, tags are one prefetch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Exists,
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
)
from candidly.hiring.services.roles import parse_tag_names
from candidly.lib.db import count_of
from candidly.lib.paging import window
from candidly.people.models import MAX_COMPENSATION, Candidate, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

PAGE_SIZE = 50

# Events that mean we heard from them or they heard from us (not our own bookkeeping).
CONTACT_KINDS = (
    EventKind.TOUCHPOINT_SENT,
    EventKind.EMAIL_REPLIED,
    EventKind.CANDIDATE_ROLES_SUGGESTED,
    EventKind.CANDIDATE_OUTCOME_SENT,
    EventKind.CALL_LOGGED,
)
CONTACT_EVENTS = Q(actor_type=Event.Actor.CANDIDATE) | Q(kind__in=CONTACT_KINDS)

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


def pool_candidates(*, now: datetime, filters: dict[str, Any] | None = None) -> QuerySet[Candidate]:
    """Candidates in the pool (not opted out) matching ``filters`` (``PoolFilterForm.cleaned_data``).

    Each row carries ``last_stage``, ``last_reason``, ``last_ended_at``, ``last_role``, ``last_company``,
    ``last_open`` (their latest ended process), ``open_count``, ``last_contact_at`` and
    ``reliability_label`` (the rule of ``hiring.reliability``, as SQL, so it can be filtered on).
    """
    filters = filters or {}
    latest = Submission.objects.filter(candidate=OuterRef("pk"), ended_at__isnull=False).order_by(
        "-ended_at", "-pk"
    )
    since = now - WATCH_WINDOW
    candidates = (
        Candidate.objects.select_related("recruiter")
        .prefetch_related(Prefetch("role_tags", queryset=Tag.objects.order_by("name")))
        .annotate(
            last_stage=Subquery(latest.values("stage")[:1]),
            last_reason=Subquery(latest.values("end_reason")[:1]),
            last_ended_at=Subquery(latest.values("ended_at")[:1]),
            last_open=Subquery(latest.values("open_to_other_roles")[:1]),
            last_role=Subquery(latest.values("role__title")[:1]),
            last_company=Subquery(latest.values("role__company__name")[:1]),
            open_count=count_of(
                Submission.objects.filter(candidate=OuterRef("pk"), stage__in=Submission.OPEN_STAGES),
                "candidate",
            ),
            last_contact_at=Subquery(
                Event.objects.filter(CONTACT_EVENTS, candidate=OuterRef("pk"))
                .order_by("-occurred_at")
                .values("occurred_at")[:1]
            ),
            outcomes=_event_count(EventKind.INTERVIEW_COMPLETED)
            + _event_count(EventKind.INTERVIEW_CANCELLED_WITH_NOTICE)
            + _event_count(EventKind.INTERVIEW_LATE_CANCELLATION)
            + _event_count(EventKind.INTERVIEW_NO_SHOW),
            recent_no_shows=_event_count(EventKind.INTERVIEW_NO_SHOW, since=since),
            recent_late=_event_count(EventKind.INTERVIEW_LATE_CANCELLATION, since=since),
        )
        .annotate(
            # The same rule as hiring.reliability._label: watch, else new, else reliable.
            reliability_label=Case(
                When(
                    Q(recent_no_shows__gte=WATCH_NO_SHOWS) | Q(recent_late__gte=WATCH_LATE_CANCELLATIONS),
                    then=Value(ReliabilityLabel.WATCH.value),
                ),
                When(outcomes=0, then=Value(ReliabilityLabel.NEW.value)),
                default=Value(ReliabilityLabel.RELIABLE.value),
                output_field=CharField(),
            )
        )
        # Opted out: unsubscribed, or "not open to other roles" when their last process ended.
        .filter(unsubscribed_at__isnull=True)
        .filter(Q(last_open__isnull=True) | Q(last_open=True))
        .order_by("name", "pk")
    )
    tags = filters.get("tags") or []
    if tags:
        tagged = Candidate.role_tags.through.objects.filter(candidate_id=OuterRef("pk"), tag__name__in=tags)
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
        candidates = candidates.filter(last_contact_at__gte=now - timedelta(days=int(contact)))
    elif contact.startswith("over-"):
        cutoff = now - timedelta(days=int(contact.removeprefix("over-")))
        candidates = candidates.filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))
    if filters.get("reliability"):
        candidates = candidates.filter(reliability_label=filters["reliability"])
    process = filters.get("last_process") or ""
    if process in (Submission.Stage.WITHDRAWN, Submission.Stage.REJECTED):
        candidates = candidates.filter(last_stage=process)
    elif process == "active":
        candidates = candidates.filter(open_count__gt=0)
    elif process == "none":
        candidates = candidates.filter(~Exists(Submission.objects.filter(candidate=OuterRef("pk"))))
    return candidates


def talent_pool(request: HttpRequest) -> HttpResponse:
    """The pool with its filters (GET form; a bad filter value shows its error and filters nothing)."""
    form = PoolFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = window(
        pool_candidates(now=timezone.now(), filters=filters), request.GET.get("page"), size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "people/pool.html", {"form": form, "page": page, "query": query.urlencode()})
