"""Settings → Webhooks (admins only): add endpoints, see each one's secret and delivery log, switch it off."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.permissions import require_admin
from candidly.webhooks import endpoints
from candidly.webhooks.forms import EndpointForm
from candidly.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

WHY = "Only an admin can manage webhooks."
ENDPOINTS_SHOWN = 50
LOG_SHOWN = 50


def endpoint_list(request: HttpRequest) -> HttpResponse:
    actor = require_admin(request, why=WHY)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            endpoint = endpoints.create_endpoint(
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                actor=actor,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "Endpoint added. Copy its secret into the receiver to check signatures."
            )
            return redirect("webhooks:endpoint-detail", pk=endpoint.pk)
    rows = list(WebhookEndpoint.objects.all()[: ENDPOINTS_SHOWN + 1])
    context = {"form": form, "endpoints": rows[:ENDPOINTS_SHOWN], "more": len(rows) > ENDPOINTS_SHOWN}
    return render(request, "webhooks/endpoint_list.html", context, status=400 if form.errors else 200)


def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The endpoint's secret and its newest deliveries, each with its attempts' response codes."""
    require_admin(request, why=WHY)
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk"))
        )
        .order_by("-created_at", "-pk")[:LOG_SHOWN]
    )
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries, "shown": LOG_SHOWN},
    )


@require_POST
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = require_admin(request, why=WHY)
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    now = timezone.now()
    if endpoint.is_enabled:
        endpoints.disable_endpoint(endpoint, now=now, reason="Disabled by an admin.", actor=actor)
        messages.success(request, "Disabled: nothing more is sent to this endpoint.")
    else:
        endpoints.enable_endpoint(endpoint, now=now, actor=actor)
        messages.success(request, "Enabled: events from now on are sent.")
    return redirect("webhooks:endpoint-detail", pk=pk)
