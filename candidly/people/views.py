"""Recruiter pages for companies, contacts and candidates.

Views only check who is asking, validate with a form, call one service and render; login is enforced by
``LoginRequiredMiddleware`` for every view here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, OuterRef, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import User
from candidly.followups.forms import PauseMessagesForm
from candidly.followups.queries import PLANNED_SHOWN, feedback_for, planned_touchpoints
from candidly.followups.responsiveness import responsiveness_record
from candidly.hiring import queries as hiring_queries
from candidly.hiring.models import Role, Submission
from candidly.hiring.reliability import reliability_record
from candidly.hiring.suggestions import suggest_roles
from candidly.lib.db import count_of, first_across
from candidly.lib.paging import window
from candidly.lib.phones import display_phone
from candidly.lib.text import search_terms
from candidly.messaging.links import revoke_person_links
from candidly.people import queries, services
from candidly.people.forms import CandidateForm, CompanyForm, ContactForm, EditForm
from candidly.people.models import Candidate, Company, Contact
from candidly.timeline.queries import TIMELINE_LIMIT, timeline

PAGE_SIZE = 50
# A detail page's sections (a company's roles, contacts…): the rest is one "see all" away.
SECTION_SIZE = 20


def _viewer(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # the middleware already sent anonymous visitors to log in
        raise PermissionDenied
    return request.user


def _list(
    request: HttpRequest, search: Callable[[str], QuerySet[Any]], template: str, **extra: Any
) -> HttpResponse:
    q = search_terms(request.GET.get("q"))
    page = window(search(q), request.GET, size=PAGE_SIZE)
    return render(request, template, {"page": page, "q": q, **extra})


def _save(
    request: HttpRequest, form: EditForm, save: Callable[[dict[str, Any]], tuple[str, str]]
) -> HttpResponse | None:
    """On a valid POST run ``save`` (→ message, next URL) and redirect; ``None`` means render the form again.

    A ``ValidationError`` from the service (a duplicate that appeared since the form checked) lands on the
    form's fields, so the person sees it next to what they typed rather than a server error.
    """
    if not (form.is_bound and form.is_valid()):
        return None
    try:
        message, url = save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, message)
    return redirect(url)


def _saved_message(obj: object, changed: list[str]) -> str:
    return f"Saved {obj}." if changed else f"Nothing changed for {obj}."


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _timeline_context(events: list[Any]) -> dict[str, Any]:
    return {"events": events[:TIMELINE_LIMIT], "more_events": len(events) > TIMELINE_LIMIT}


def _revoke_links(request: HttpRequest, person: Candidate | Contact, url: str) -> HttpResponse:
    count = revoke_person_links(person, actor=_viewer(request))
    messages.success(request, f"{count} link{'' if count == 1 else 's'} revoked.")
    return redirect(url)


# --- companies ---------------------------------------------------------------------------------------------


def company_list(request: HttpRequest) -> HttpResponse:
    return _list(request, hiring_queries.search_companies, "people/company_list.html")


def company_create(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(_posted(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        company = services.create_company(actor=_viewer(request), **data)
        return f"Added {company}.", reverse("people:company-detail", args=[company.pk])

    return _save(request, form, save) or render(request, "people/company_form.html", {"form": form})


def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    form = CompanyForm(_posted(request), instance=company, initial=CompanyForm.initial_for(company))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        changed = services.update_company(company, actor=_viewer(request), **data)
        return _saved_message(company, changed), reverse("people:company-detail", args=[company.pk])

    response = _save(request, form, save)
    return response or render(request, "people/company_form.html", {"form": form, "company": company})


def _first(rows: QuerySet[Any], limit: int = SECTION_SIZE) -> tuple[list[Any], bool]:
    """At most ``limit`` rows and whether there are more (one row more is read instead of a COUNT)."""
    found = list(rows[: limit + 1])
    return found[:limit], len(found) > limit


def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The company, and the first rows of its contacts, roles, submissions and upcoming interviews, each with
    a "see all" link to the list narrowed to the company: the page costs the same for any company size."""
    company = get_object_or_404(Company, pk=pk)
    roles = (
        Role.objects.filter(company=company)
        .select_related("hiring_manager")
        .annotate(
            open_submission_count=count_of(
                Submission.objects.filter(role=OuterRef("pk"), stage__in=Submission.OPEN_STAGES), "role"
            ),
            # Open roles first: that is what a recruiter works on; the rest is history.
            closed=Case(When(status=Role.Status.OPEN, then=Value(0)), default=Value(1)),
        )
        .order_by("closed", "title", "pk")
    )
    contacts, more_contacts = _first(company.contacts.order_by("name", "pk"))
    roles_shown, more_roles = _first(roles)
    # The newest of each role's submissions (index on role, created_at), then the newest of those.
    latest = first_across(
        Submission.objects.select_related("candidate", "role").order_by("-created_at", "-pk"),
        field="role",
        groups=Role.objects.filter(company=company),
        limit=SECTION_SIZE + 1,
    )
    submissions, more_submissions = latest[:SECTION_SIZE], len(latest) > SECTION_SIZE
    interviews, more_interviews = _first(
        hiring_queries.interviews_with_people()
        .filter(hiring_queries.not_ended(timezone.now()), submission__role__company=company)
        .order_by("starts_at", "pk")
    )
    context = {
        "company": company,
        "contacts": contacts,
        "more_contacts": more_contacts,
        "roles": roles_shown,
        "more_roles": more_roles,
        "submissions": submissions,
        "more_submissions": more_submissions,
        "interviews": interviews,
        "more_interviews": more_interviews,
        "responsiveness": responsiveness_record(company=company),
        **_timeline_context(timeline(company=company)),
    }
    return render(request, "people/company_detail.html", context)


# --- contacts ----------------------------------------------------------------------------------------------


def contact_list(request: HttpRequest) -> HttpResponse:
    # ``?company=<id>``: the company page's "see all".
    company = request.GET.get("company", "")
    company_id = int(company) if company.isdigit() and len(company) < 19 else None
    return _list(
        request,
        lambda q: queries.search_contacts(q, company_id=company_id),
        "people/contact_list.html",
        company_id=company_id,
    )


def contact_create(request: HttpRequest) -> HttpResponse:
    # Coming from a company page (?company=<pk>): that company is chosen and its time zone proposed.
    company_pk = request.GET.get("company", "")
    company = Company.objects.filter(pk=company_pk).first() if company_pk.isdigit() else None
    initial = {"company": company.pk, "time_zone": company.time_zone} if company else {}
    form = ContactForm(_posted(request), initial=initial)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        contact = services.create_contact(actor=_viewer(request), **data)
        return f"Added {contact}.", reverse("people:contact-detail", args=[contact.pk])

    response = _save(request, form, save)
    return response or render(request, "people/contact_form.html", {"form": form, "company": company})


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    form = ContactForm(_posted(request), instance=contact, initial=ContactForm.initial_for(contact))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        changed = services.update_contact(contact, actor=_viewer(request), **data)
        return _saved_message(contact.name, changed), reverse("people:contact-detail", args=[contact.pk])

    response = _save(request, form, save)
    return response or render(request, "people/contact_form.html", {"form": form, "contact": contact})


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    context = {
        "contact": contact,
        "phone_display": display_phone(contact.phone),
        "now": timezone.now(),
        "managed_roles": list(contact.managed_roles.order_by("title", "pk")),
        "responsiveness": responsiveness_record(contact=contact),
        **_timeline_context(timeline(contact=contact)),
    }
    return render(request, "people/contact_detail.html", context)


@require_POST
def contact_revoke_links(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    return _revoke_links(request, contact, reverse("people:contact-detail", args=[contact.pk]))


# --- candidates --------------------------------------------------------------------------------------------


def candidate_list(request: HttpRequest) -> HttpResponse:
    return _list(request, hiring_queries.search_candidates, "people/candidate_list.html")


def candidate_create(request: HttpRequest) -> HttpResponse:
    form = CandidateForm(_posted(request), initial={"recruiter": _viewer(request).pk})

    def save(data: dict[str, Any]) -> tuple[str, str]:
        candidate = services.create_candidate(actor=_viewer(request), **data)
        return f"Added {candidate}.", reverse("people:candidate-detail", args=[candidate.pk])

    return _save(request, form, save) or render(request, "people/candidate_form.html", {"form": form})


def candidate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate.objects.prefetch_related("role_tags"), pk=pk)
    form = CandidateForm(_posted(request), instance=candidate, initial=CandidateForm.initial_for(candidate))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        changed = services.update_candidate(candidate, actor=_viewer(request), **data)
        return _saved_message(candidate, changed), reverse("people:candidate-detail", args=[candidate.pk])

    response = _save(request, form, save)
    return response or render(request, "people/candidate_form.html", {"form": form, "candidate": candidate})


def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(
        Candidate.objects.select_related("recruiter").prefetch_related("role_tags"), pk=pk
    )
    now = timezone.now()
    interviews = hiring_queries.candidate_interviews(candidate, now=now)
    submissions = hiring_queries.candidate_submissions(candidate)
    context = {
        "candidate": candidate,
        "phone_display": display_phone(candidate.phone),
        "now": now,
        "submissions": submissions,
        # Better-suited roles (hiring/suggestions.py): two queries, the submissions are reused.
        "suggestions": suggest_roles(candidate, submissions=submissions),
        "next": request.get_full_path(),
        "upcoming_interviews": interviews.upcoming,
        "past_interviews": interviews.past,
        "reliability": reliability_record(candidate, now=now),
        "feedback": feedback_for(candidate=candidate),
        **_planned_context(candidate, [submission.pk for submission in submissions]),
        "pause_form": PauseMessagesForm(),
        "paused": candidate.is_paused(now),
        "consent_choices": Candidate.ConsentHow.choices,
        **_timeline_context(timeline(candidate=candidate)),
    }
    return render(request, "people/candidate_detail.html", context)


def _planned_context(candidate: Candidate, submission_ids: list[int]) -> dict[str, Any]:
    rows = list(planned_touchpoints(candidate=candidate, submission_ids=submission_ids)[: PLANNED_SHOWN + 1])
    return {
        "planned": rows[:PLANNED_SHOWN],
        "more_planned": len(rows) > PLANNED_SHOWN,
        "planned_url": f"{reverse('followups:planned-list')}?candidate={candidate.pk}",
    }


@require_POST
def candidate_revoke_links(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate, pk=pk)
    return _revoke_links(request, candidate, reverse("people:candidate-detail", args=[candidate.pk]))
