"""Data protection pages: a candidate's export, erasure (candidates and contacts), consent, retention and
the audit trail. Each checks who is asking, validates a form and calls one service of ``candidly.privacy``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import AgencySettings, User
from candidly.accounts.permissions import require_admin
from candidly.people.models import Candidate, Contact
from candidly.privacy import audit, consent, erasure, export, retention
from candidly.privacy.forms import AuditFilterForm, ConfirmErasureForm, ConsentForm, RetentionForm

AUDIT_PAGE_SIZE = 50
ERASE_WHY = "Only an admin can erase a person's data."


def _viewer(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # the middleware already sent anonymous visitors to log in
        raise PermissionDenied
    return request.user


@require_POST
def candidate_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The ZIP of everything held about the candidate: admins and the candidate's own recruiter. A POST,
    because each export is recorded (the audit trail lists it)."""
    viewer = _viewer(request)
    candidate = get_object_or_404(Candidate.objects.select_related("recruiter"), pk=pk)
    if not (viewer.is_admin or candidate.recruiter_id == viewer.pk):
        raise PermissionDenied("Only an admin or the candidate's recruiter can export their data.")
    body = export.build_export(candidate, viewer)
    response = HttpResponse(body, content_type="application/zip")
    name = export.filename(candidate, now=timezone.now())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def candidate_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains what goes and what stays; POST with the typed name erases (admins only)."""
    actor = require_admin(request, why=ERASE_WHY)
    candidate = get_object_or_404(Candidate, pk=pk)
    back = reverse("people:candidate-detail", args=[candidate.pk])
    return _erase(
        request,
        person=candidate,
        actor=actor,
        refusal=erasure.why_not_erasable(candidate),
        erase=lambda: erasure.erase_candidate(candidate, actor=actor, now=timezone.now()),
        back=back,
        what="candidate",
    )


def contact_erase(request: HttpRequest, pk: int) -> HttpResponse:
    actor = require_admin(request, why=ERASE_WHY)
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    back = reverse("people:contact-detail", args=[contact.pk])
    return _erase(
        request,
        person=contact,
        actor=actor,
        refusal=erasure.why_contact_not_erasable(contact),
        erase=lambda: erasure.erase_contact(contact, actor=actor, now=timezone.now()),
        back=back,
        what="contact",
    )


def _erase(
    request: HttpRequest,
    *,
    person: Candidate | Contact,
    actor: User,
    refusal: str,
    erase: Callable[[], erasure.Erasure],
    back: str,
    what: str,
) -> HttpResponse:
    form = ConfirmErasureForm(request.POST if request.method == "POST" else None, expected=person.name)
    status = 200
    if form.is_bound:
        status = 400
        if refusal:
            form.add_error(None, refusal)
        elif form.is_valid():
            try:
                done = erase()
            except erasure.ErasureRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Personal data erased: the record is now “{done.label}”.")
                return redirect(back)
    context = {
        "person": person,
        "what": what,
        "form": form,
        "refusal": refusal,
        "back": back,
        "kept_years": settings.CANDIDLY_KEPT_BY_LAW.get("placements", 0),
    }
    return render(request, "privacy/erase.html", context, status=status)


@require_POST
def candidate_consent(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    candidate = get_object_or_404(Candidate, pk=pk)
    form = ConsentForm(request.POST)
    if not form.is_valid() or candidate.erased_at is not None:
        return HttpResponse(
            "Choose whether consent was given or withdrawn, and how.", status=400, content_type="text/plain"
        )
    consent.record_consent(
        candidate,
        given=form.cleaned_data["given"],
        how=form.cleaned_data["how"],
        actor=viewer,
        now=timezone.now(),
    )
    messages.success(request, "Consent recorded.")
    return redirect(reverse("people:candidate-detail", args=[candidate.pk]) + "#consent")


def retention_settings(request: HttpRequest) -> HttpResponse:
    """The retention rule and its dry run: who it would erase now. Saving goes through the agency settings'
    service (an ``agency.settings_changed`` Event, on the audit trail)."""
    actor = require_admin(request, why="Only an admin can change how long the agency keeps data.")
    row = AgencySettings.load()
    form = RetentionForm(
        request.POST if request.method == "POST" else None,
        initial={"retention_months": row.retention_months, "retention_active": row.retention_active},
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                changed = retention.save_retention(
                    months=form.cleaned_data["retention_months"],
                    active=form.cleaned_data["retention_active"],
                    actor=actor,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Retention saved." if changed else "Nothing changed.")
                return redirect("privacy:retention")
    now = timezone.now()
    context = {
        "form": form,
        "dry_run": retention.dry_run(now=now),
        "shown_limit": retention.DRY_RUN_SHOWN,
        "now": now,
    }
    return render(request, "privacy/retention.html", context, status=status)


def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every export read, erasure and settings change (``audit.AUDITED_KINDS``), by user and date."""
    require_admin(request, why="Only an admin can read the audit trail.")
    form = AuditFilterForm(request.GET or None)
    events = audit.audit_events()
    if form.is_bound and form.is_valid():
        zone = timezone.get_current_timezone()
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
        events = audit.audit_events(
            user=form.cleaned_data.get("user"),
            since=datetime.combine(start, time.min, tzinfo=zone) if start else None,
            until=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
        )
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "privacy/audit.html", context, status=400 if form.errors else 200)
