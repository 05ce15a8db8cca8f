"""Reads of companies, contacts and candidates for pages and the API.

Every function returns a queryset whose rows carry what a list or page shows (related rows joined or
prefetched), so rendering N rows costs the same number of queries as rendering one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from candidly.hiring.models import Interview, Role, Submission
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.models import Event

TIMELINE_LIMIT = 100


def count_of(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery: unlike ``Count`` over two joins it does not multiply rows."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def search_companies(q: str = "") -> QuerySet[Company]:
    """Companies matching ``q`` in their name or website, or in a contact's name or email; with counts."""
    companies = Company.objects.annotate(
        contact_count=count_of(Contact.objects.filter(company=OuterRef("pk")), "company"),
        open_role_count=count_of(
            Role.objects.filter(company=OuterRef("pk"), status=Role.Status.OPEN), "company"
        ),
    ).order_by("name", "pk")
    q = q.strip()
    if q:
        contact_matches = Contact.objects.filter(
            Q(name__icontains=q) | Q(email__icontains=q), company=OuterRef("pk")
        )
        companies = companies.filter(Q(name__icontains=q) | Q(website__icontains=q) | Exists(contact_matches))
    return companies


def search_contacts(q: str = "") -> QuerySet[Contact]:
    """Contacts matching ``q`` in their name, email, title or company name; company joined."""
    contacts = Contact.objects.select_related("company").order_by("name", "pk")
    q = q.strip()
    if q:
        contacts = contacts.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
            | Q(company__name__icontains=q)
        )
    return contacts


def search_candidates(q: str = "") -> QuerySet[Candidate]:
    """Candidates matching ``q`` in name or email, or the company of any role they were submitted to.

    Rows carry their recruiter, tags (one prefetch query per page) and ``open_submission_count``.
    """
    candidates = (
        Candidate.objects.select_related("recruiter")
        .prefetch_related(Prefetch("role_tags", queryset=Tag.objects.order_by("name")))
        .annotate(
            open_submission_count=count_of(
                Submission.objects.filter(candidate=OuterRef("pk"), stage__in=Submission.OPEN_STAGES),
                "candidate",
            )
        )
        .order_by("name", "pk")
    )
    q = q.strip()
    if q:
        # Exists rather than a join: a candidate in three roles at the company is still one row.
        at_company = Submission.objects.filter(candidate=OuterRef("pk"), role__company__name__icontains=q)
        candidates = candidates.filter(Q(name__icontains=q) | Q(email__icontains=q) | Exists(at_company))
    return candidates


def timeline(**about: object) -> list[Event]:
    """The newest ``TIMELINE_LIMIT`` + 1 Events about one object (``candidate=…``, ``company=…``,
    ``contact=…``), newest first, people joined. One query; the extra row tells the page there are more."""
    events = Event.objects.filter(**about).select_related("actor_user", "candidate", "contact")
    return list(events.order_by("-occurred_at", "-id")[: TIMELINE_LIMIT + 1])


@dataclass(frozen=True)
class CandidateInterviews:
    upcoming: list[Interview]
    past: list[Interview]


def candidate_submissions(candidate: Candidate) -> list[Submission]:
    """The candidate's submissions, newest first, with role and company joined."""
    return list(
        Submission.objects.filter(candidate=candidate)
        .select_related("role__company")
        .order_by("-created_at", "-pk")
    )


def candidate_interviews(candidate: Candidate, *, now: datetime) -> CandidateInterviews:
    """All interviews of the candidate's submissions in one query, split at ``now``.

    Upcoming: still scheduled or confirmed and not yet started, soonest first. Past: everything else
    (held, cancelled, no-show, rescheduled), most recent first.
    """
    interviews = list(
        Interview.objects.filter(submission__candidate=candidate)
        .select_related("submission__role__company")
        .order_by("starts_at", "pk")
    )
    upcoming = [i for i in interviews if i.is_upcoming and i.starts_at >= now]
    past = [i for i in reversed(interviews) if not (i.is_upcoming and i.starts_at >= now)]
    return CandidateInterviews(upcoming=upcoming, past=past)
