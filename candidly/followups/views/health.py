"""``/healthz`` for load balancers and uptime checks, ``/metrics`` for Prometheus (README, "Operating").

Both are outside the login: ``/healthz`` says nothing but ages and "ok"/"error"; ``/metrics`` answers only a
bearer token (``CANDIDLY_METRICS_TOKEN``) or an allowed address (``CANDIDLY_METRICS_ALLOW``), and is a 404
when neither is configured.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from candidly.accounts.security import client_ip
from candidly.followups.health import delivery_health
from candidly.followups.metrics import QueueCollector
from candidly.lib import metrics


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def _unlogged(response: JsonResponse) -> JsonResponse:
    # A load balancer asks every few seconds: a 503 here is the answer, not an error for django.request
    # to log each time (the worker logs its own outage, the banner and the metrics show it).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, a worker beat within 2 minutes and nothing due is 5 minutes late;
    503 otherwise. The body says which, as JSON."""
    try:
        health = delivery_health(now=timezone.now())
    except DatabaseError:
        down: dict[str, object] = {
            "status": "error",
            "database": "error",
            "worker_heartbeat_age_s": None,
            "oldest_due_age_s": None,
            "problems": ["the database does not answer"],
        }
        return _unlogged(JsonResponse(down, status=503))
    problems = health.problems
    body: dict[str, object] = {
        "status": "error" if problems else "ok",
        "database": "ok",
        "worker_heartbeat_age_s": _seconds(health.heartbeat_age),
        "oldest_due_age_s": _seconds(health.oldest_due_age),
        "problems": problems,
    }
    return _unlogged(JsonResponse(body, status=503 if problems else 200))


@login_not_required
@require_safe
@never_cache
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition: the queue read now, plus request latency (``lib.metrics``)."""
    token, networks = settings.CANDIDLY_METRICS_TOKEN, settings.CANDIDLY_METRICS_ALLOW
    if not token and not networks:
        raise Http404("Metrics are off.")
    allowed = metrics.scrape_allowed(
        authorization=request.headers.get("Authorization", ""),
        client_ip=client_ip(request),
        token=token,
        allowed_networks=networks,
    )
    if not allowed:
        return HttpResponseForbidden("Not allowed.", content_type="text/plain")
    body = metrics.render(
        [QueueCollector(now=timezone.now())], multiprocess_dir=settings.PROMETHEUS_MULTIPROC_DIR
    )
    return HttpResponse(body, content_type=metrics.CONTENT_TYPE)
