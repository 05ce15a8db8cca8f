"""The public page of a role suggested to a candidate ("roles you might like"), with "I'm interested".

The signed link is bound to the candidate and to one ``RoleSuggestion`` (so to one role). GET only renders;
POST records the interest (a call task for the recruiter). The page shows what the candidate needs to decide
and nothing about the agency's other candidates or the company's records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from candidly.hiring.models import Role, RoleSuggestion
from candidly.hiring.suggestions import INTERESTED, express_interest
from candidly.lib.phones import display_phone
from candidly.messaging.emails import role_pay_band, role_where
from candidly.messaging.models import Link
from candidly.messaging.public import public_link


def _context(suggestion: RoleSuggestion, **extra: Any) -> dict[str, Any]:
    role = suggestion.role
    recruiter = suggestion.responsible_recruiter
    return {
        "suggestion": suggestion,
        "role": role,
        "company": role.company,
        "where": role_where(role),
        "pay": role_pay_band(role),
        "tags": [tag.name for tag in role.tags.all()],
        "is_open": role.status == Role.Status.OPEN,
        "recruiter": recruiter,
        "recruiter_phone_display": display_phone(recruiter.phone) if recruiter and recruiter.phone else "",
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@public_link(INTERESTED)
def role_page(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """GET: the role. POST: "I'm interested" (once; a repeat shows the same thank-you)."""
    suggestion = (
        RoleSuggestion.objects.select_related(
            "role__company", "role__recruiter", "candidate__recruiter", "suggested_by"
        )
        .filter(link=link)
        .first()
    )
    if suggestion is None:
        return render(request, "public/link_invalid.html", {}, status=404)
    if request.method == "POST":
        if suggestion.role.status != Role.Status.OPEN:
            return render(request, "public/role_detail.html", _context(suggestion), status=410)
        express_interest(suggestion, now=now)
        suggestion.refresh_from_db(fields=["interested_at"])
        return render(request, "public/role_interested.html", _context(suggestion))
    return render(request, "public/role_detail.html", _context(suggestion))
