"""The admin's cadence settings (``/settings/cadences/``): both cadences on one page, saved one at a time."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candidly.accounts.permissions import require_admin
from candidly.followups.cadences import load_cadence, update_cadence
from candidly.followups.forms import CadenceStepFormSet, CadenceWindowForm
from candidly.followups.models import Cadence


def _forms(cadence: Cadence, data: Any = None) -> dict[str, Any]:
    initial = [
        {
            "offset": step.offset,
            "unit": step.unit,
            "kind": step.kind,
            "channel": step.channel,
            "respects_business_hours": step.respects_business_hours,
        }
        for step in cadence.steps.all()
    ]
    prefix = cadence.audience.replace("_", "-")
    forms: dict[str, Any] = {
        "cadence": cadence,
        "prefix": prefix,
        "steps": CadenceStepFormSet(  # type: ignore[call-arg]
            data, initial=initial, prefix=prefix, audience=cadence.audience
        ),
        "window": None,
    }
    if cadence.audience == Cadence.Audience.HIRING_MANAGER:
        forms["window"] = CadenceWindowForm(
            data, prefix=f"{prefix}-window", initial={"window_business_days": cadence.window_business_days}
        )
    return forms


def cadence_settings(request: HttpRequest) -> HttpResponse:
    """GET shows both cadences; POST (``audience`` says which) replaces that cadence's steps."""
    actor = require_admin(request)
    sections = {audience: _forms(load_cadence(audience)) for audience in Cadence.Audience.values}
    if request.method == "POST":
        audience = request.POST.get("audience", "")
        if audience not in sections:
            return HttpResponse("Unknown cadence.", status=400)
        section = sections[audience] = _forms(sections[audience]["cadence"], request.POST)
        window = section["window"]
        if section["steps"].is_valid() and (window is None or window.is_valid()):
            cadence = update_cadence(
                section["cadence"],
                steps=section["steps"].steps(),
                window_business_days=window.cleaned_data["window_business_days"] if window else None,
                actor=actor,
            )
            messages.success(
                request,
                f"{cadence} saved. It applies to interviews that end from now on; planned ones keep theirs.",
            )
            return redirect("followups:cadence-settings")
        status = 400
    else:
        status = 200
    return render(
        request, "followups/cadence_settings.html", {"sections": list(sections.values())}, status=status
    )
