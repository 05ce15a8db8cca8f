"""Reads of hiring rows for pages: interviews (Today, the interview list), and the people pages' lists and
candidate page, which count and list roles, submissions and interviews.

Every function returns rows carrying what the page shows (related rows joined or prefetched), so rendering
N rows costs the same number of queries as rendering one.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import DateTimeField, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from candidly.hiring.models import Interview, Role, Submission
from candidly.lib.db import count_of
from candidly.lib.search import TRIGRAM_LENGTH, person_match, phone_digits, text_match
from candidly.lib.text import search_terms
from candidly.people.models import Candidate, Company, Contact, Tag


def responsible_recruiter_is(user_id: int, *, prefix: str = "") -> Q:
    """``Submission.responsible_recruiter == user`` as a filter (the same rule, for reads over many rows):
    the submission's recruiter, else the candidate's, else the role's. ``prefix`` reaches the submission
    from another model (``"submission__"`` from an Event)."""
    return (
        Q(**{f"{prefix}recruiter_id": user_id})
        | Q(**{f"{prefix}recruiter__isnull": True, f"{prefix}candidate__recruiter_id": user_id})
        | Q(
            **{
                f"{prefix}recruiter__isnull": True,
                f"{prefix}candidate__recruiter__isnull": True,
                f"{prefix}role__recruiter_id": user_id,
            }
        )
    )


def mine_or_nobodys(user_id: int, *, prefix: str = "") -> Q:
    """Work a recruiter sees as theirs: submissions they are responsible for, and those nobody is (so that
    work never drops off every desk). Today and the "mine" lists use it.

    Read from the stored copy of the rule (``Submission.responsible``, kept by ``refresh_responsible``): one
    indexed column instead of an OR across three tables, which made a viewer with few rows of their own
    (an admin without a desk) walk every interview of the day through three joins to find none."""
    return Q(**{f"{prefix}responsible_id": user_id}) | Q(**{f"{prefix}responsible__isnull": True})


def responsible_recruiter_id(*, prefix: str = "") -> Coalesce:
    """The responsible recruiter's id as an expression (to group rows by it); the same rule as above."""
    return Coalesce(
        f"{prefix}recruiter_id", f"{prefix}candidate__recruiter_id", f"{prefix}role__recruiter_id"
    )


def interviews_with_people() -> QuerySet[Interview]:
    """Interviews with their candidate, role and company loaded in the same query (for lists)."""
    return Interview.objects.select_related(
        "submission__candidate", "submission__role__company", "submission__role__hiring_manager"
    )


# Longer than any interview (a round starts and ends on one day): the lower bound lets the starts_at index
# seek to the interviews still going on, instead of filtering every past interview by its end.
LONGEST_INTERVIEW = timedelta(days=2)


def not_ended(now: datetime) -> Q:
    """Interviews going on or still to come at ``now``, in a shape the ``starts_at`` index serves.

    The end is compared through ``COALESCE(ends_at, starts_at)`` (ends_at is never NULL: the same test) so
    that PostgreSQL does not multiply the two bounds' selectivities as if they were unrelated: every
    interview that ends after ``now`` also started within ``LONGEST_INTERVIEW`` of it, and the product
    estimated 40 times too few rows. Believing a big company had a dozen upcoming interviews, it gathered
    all ~20,000 of the agency's to sort them (300 ms) instead of walking ``starts_at`` until the first
    page was found (a few ms); the company's own roles are still the way in for a small company."""
    return Q(starts_at__gte=now - LONGEST_INTERVIEW) & Q(
        GreaterThanOrEqual(Coalesce("ends_at", "starts_at", output_field=DateTimeField()), now)
    )


def ended(now: datetime) -> Q:
    """Interviews over by ``now`` (they started before it, too: that bound is what the index seeks on)."""
    return Q(starts_at__lt=now, ends_at__lt=now)


def local_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The aware start and end of ``day`` in ``zone``: 23 or 25 hours long on DST days.

    Midnight itself can fall in a DST gap in a few zones; ``fold=0`` then resolves to the instant the
    day actually starts, which is what a day filter needs.
    """
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def interviews_on_day(day: date, zone: str) -> QuerySet[Interview]:
    """Interviews starting on ``day`` as the calendar runs in ``zone`` (the viewer's), earliest first."""
    start, end = local_day_bounds(day, zone)
    return (
        interviews_with_people().filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "pk")
    )


def unmarked_interviews(now: datetime) -> QuerySet[Interview]:
    """Interviews over by ``now`` that still say scheduled or confirmed: nobody recorded what happened."""
    return (
        interviews_with_people()
        .filter(ends_at__lte=now, status__in=Interview.UPCOMING_STATUSES)
        .order_by("ends_at", "pk")
    )


# --- the people pages' lists and the candidate page (they count and list hiring rows) ---------------


def search_companies(q: str = "") -> QuerySet[Company]:
    """Companies matching ``q`` in their name, or in a contact's name or email; with counts."""
    companies = Company.objects.annotate(
        contact_count=count_of(Contact.objects.filter(company=OuterRef("pk")), "company"),
        open_role_count=count_of(
            Role.objects.filter(company=OuterRef("pk"), status=Role.Status.OPEN), "company"
        ),
    ).order_by("name", "pk")
    q = search_terms(q)
    if q:
        # One id list from each index (a UNION), rather than an OR the planner can only answer by a scan.
        by_contact = Contact.objects.filter(person_match(q, text=("name", "email"))).order_by()
        ids = (
            Company.objects.filter(text_match(q, "name") | text_match(q, "website"))
            .order_by()
            .values("pk")
            .union(by_contact.values("company_id"))
        )
        companies = companies.filter(pk__in=ids)
    return companies


def _candidate_ids_matching(q: str) -> QuerySet[Any]:
    """Ids of candidates matching ``q`` in name, email, phone (by digits), notes or a role tag, or the company
    of a role they were submitted to: a UNION of index reads (lib.search), no scan of the table."""
    own = Candidate.objects.order_by()
    parts: list[QuerySet[Any]] = [
        own.filter(person_match(q, text=("name", "email"))).values_list("pk", flat=True)
    ]
    if len(q) >= TRIGRAM_LENGTH and not phone_digits(q):
        parts.append(own.filter(notes__icontains=q).values_list("pk", flat=True))
        parts.append(
            Candidate.role_tags.through.objects.filter(tag__name__iexact=q)
            .order_by()
            .values_list("candidate_id", flat=True)
        )
        companies = Company.objects.filter(name__icontains=q).order_by().values("pk")
        parts.append(
            Submission.objects.filter(role__company__in=companies)
            .order_by()
            .values_list("candidate_id", flat=True)
        )
    # UNION ALL: the LIMIT stops it early; a repeated id does no harm to "id IN (…)".
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


# A search reads at most this many matching ids; a term matching more is too vague to page through anyway.
SEARCH_CAP = 1000


def candidate_ids_matching(q: str) -> list[int]:
    """Up to ``SEARCH_CAP`` + 1 ids of candidates matching ``q`` (one query over the trigram indexes).

    Read into Python on purpose: as a subquery, PostgreSQL estimates thousands of matches and hashes the
    whole candidate table against them (300 ms at 300k rows) instead of fetching the few rows by key.
    """
    return list(_candidate_ids_matching(search_terms(q))[: SEARCH_CAP + 1])


def role_ids_matching(q: str) -> list[int]:
    """Up to ``SEARCH_CAP`` + 1 ids of roles whose title or company matches ``q``."""
    q = search_terms(q)
    roles = Role.objects.filter(text_match(q, "title") | text_match(q, "company__name")).order_by()
    return list(roles.values_list("pk", flat=True)[: SEARCH_CAP + 1])


def search_candidates(q: str = "") -> QuerySet[Candidate]:
    """Candidates matching ``q`` (see ``_candidate_ids_matching``), in name order.

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
    q = search_terms(q)
    if q:
        candidates = candidates.filter(pk__in=candidate_ids_matching(q))
    return candidates


# --- what a form's pickers offer (hiring.pickers): every row for an empty term, else the matches ------------


def pick_candidates(term: str = "") -> QuerySet[Candidate]:
    candidates = Candidate.objects.order_by("name", "pk")
    term = search_terms(term)
    return candidates.filter(pk__in=candidate_ids_matching(term)) if term else candidates


def pick_roles(term: str = "", *, open_only: bool) -> QuerySet[Role]:
    roles = Role.objects.select_related("company").order_by("title", "pk")
    if open_only:
        roles = roles.filter(status=Role.Status.OPEN)
    term = search_terms(term)
    if term:
        roles = roles.filter(text_match(term, "title") | text_match(term, "company__name"))
    return roles


def pick_companies(term: str = "") -> QuerySet[Company]:
    companies = Company.objects.order_by("name", "pk")
    term = search_terms(term)
    return companies.filter(text_match(term, "name")) if term else companies


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
