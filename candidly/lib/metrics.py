"""Prometheus plumbing that imports none of our models: the request latency histogram, its middleware, who
may scrape ``/metrics``, and the text the scrape returns.

The queue's own figures (touchpoints, heartbeats) are read from the database at scrape time by
``followups.metrics``; this module only times requests and renders registries.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Histogram, Metric, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Any other method (a scanner's "FOO") is counted as "other": a label must not grow without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Not in prometheus_client's global registry: /metrics renders exactly what Candidly chooses.
REQUEST_LATENCY = Histogram(
    "candidly_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, view (the URL name, never the path) and status code.",
    ["method", "view", "status"],
    registry=None,
)


class RequestLatencyMiddleware:
    """Observe every request's duration in :data:`REQUEST_LATENCY`. First in MIDDLEWARE, so it times all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The URL name, not the path: public paths carry link tokens, and paths would make labels unbounded.
        view = (match.view_name or "unnamed") if match is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(method, view, str(response.status_code)).observe(time.perf_counter() - started)
        return response


def scrape_allowed(
    *, authorization: str, client_ip: str | None, token: str, allowed_networks: Iterable[str]
) -> bool:
    """Whether a scrape may read the metrics: the bearer ``token`` matches, or ``client_ip`` is in one of
    ``allowed_networks`` (CIDR). Either is enough when both are configured."""
    scheme, _, offered = authorization.partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
        return True
    if not client_ip:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in allowed_networks)


class _RequestMetrics(Collector):
    """This process's request latency histogram."""

    def collect(self) -> Iterable[Metric]:
        return REQUEST_LATENCY.collect()


def render(collectors: Iterable[Collector], *, multiprocess_dir: str = "") -> bytes:
    """The Prometheus text exposition of ``collectors`` plus the request latency histogram.

    With ``multiprocess_dir`` (prometheus-client's multiprocess mode, for several gunicorn processes) the
    histogram is summed over every process's files there instead of read from this process alone.
    """
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir:
        MultiProcessCollector(registry, path=multiprocess_dir)
    else:
        registry.register(_RequestMetrics())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
