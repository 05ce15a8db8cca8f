"""Public link pages (no account: candidates and hiring managers) and the recruiters' local inbox.

Every public page is guarded by ``messaging.public.public_link`` (GET renders, POST acts; a bad token gets a
friendly page that reveals nothing). The interview's confirm / can't-make-it pages are the hiring app's
(``hiring/public_views.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from candidly.messaging import services
from candidly.messaging.models import InboxMessage, Link
from candidly.messaging.public import page_context, public_link

logger = logging.getLogger(__name__)

LinkView = Callable[[HttpRequest, Link], HttpResponse]

# The HTML of a delivered email is untrusted content: no scripts, no fetches, only inline styles.
EMAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _one_click(request: HttpRequest) -> bool:
    # RFC 8058: mail clients POST exactly "List-Unsubscribe=One-Click" (form-encoded), without cookies.
    return request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt  # RFC 8058 one-click POSTs carry no cookie and no CSRF token; unsubscribing is harmless.
@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.UNSUBSCRIBE)
def unsubscribe(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    candidate = link.candidate
    if candidate is None:
        return render(request, "public/link_invalid.html", {}, status=404)
    context = page_context(link)
    if request.method == "POST":
        via = "one-click unsubscribe" if _one_click(request) else "unsubscribe page"
        services.unsubscribe_candidate(candidate, via=via, now=now)
        return render(request, "public/unsubscribe_done.html", context)
    return render(request, "public/unsubscribe.html", context)


# --- inbound email webhooks ---------------------------------------------------------------------------


def _malformed_is_400(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """anymail parses a provider's payload trusting its shape (``{"RawEmail": []}`` raises TypeError): a
    malformed payload, even with the right secret, is a 400 for the sender, not a 500 (logged in full)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (TypeError, KeyError, AttributeError, IndexError, ValueError):
            logger.exception("Inbound email webhook: malformed payload refused")
            return HttpResponseBadRequest("Malformed payload.", content_type="text/plain")

    return wrapped


# anymail's inbound webhook views by provider ("postmark", "mailgun", …); its tracking webhooks are unused.
INBOUND_WEBHOOKS: dict[str, Callable[..., HttpResponse]] = {
    str(pattern.name).removesuffix("_inbound_webhook"): _malformed_is_400(pattern.callback)
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern) and str(pattern.name).endswith("_inbound_webhook")
}


@login_not_required
@csrf_exempt  # providers POST without cookies; anymail checks the shared secret (basic auth) instead
def inbound_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Hand a provider's inbound POST to anymail, which sends ``anymail.signals.inbound`` (see receivers).

    Off (404) until ``ANYMAIL_WEBHOOK_SECRET`` is set: anymail alone would accept anyone's POST.
    """
    view = INBOUND_WEBHOOKS.get(provider)
    if view is None or not (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
        raise Http404("No inbound email webhook here.")
    return view(request)


# --- the local inbox (recruiters) --------------------------------------------------------------------


def inbox(request: HttpRequest) -> HttpResponse:
    """Messages the demo delivered into the local inbox, newest first (two queries whatever the size)."""
    messages = InboxMessage.objects.only("id", "to", "subject", "delivered_at").order_by(
        "-delivered_at", "-id"
    )
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


def inbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboxMessage, pk=pk)
    return render(request, "messaging/inbox_message.html", {"message": message})


@xframe_options_sameorigin
def inbox_message_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The email's HTML body alone, for the sandboxed iframe on the detail page, under its own strict CSP."""
    message = get_object_or_404(InboxMessage, pk=pk)
    html = message.html_body or "<p>(This message has no HTML part.)</p>"
    # Links open in a new tab: inside the frame our own pages would refuse to be framed.
    html = re.sub(r"(?i)<head([^>]*)>", r'<head\1><base target="_blank">', html, count=1)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_HTML_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response
