"""Public link pages (no account: candidates and hiring managers) and the demo's local inbox (admins only).

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
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from candidly.accounts.middleware import body_limit
from candidly.accounts.models import User
from candidly.accounts.permissions import require_admin
from candidly.lib.paging import window
from candidly.messaging import services
from candidly.messaging.inbound import accept_reply, dismiss_reply
from candidly.messaging.models import InboundEmail, InboxMessage, Link
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


# A whole inbound message, attachments included (Django's DATA_UPLOAD_MAX_MEMORY_SIZE still applies).
INBOUND_MAX_BODY_BYTES = 10 * 1024 * 1024

# anymail's inbound webhook views by provider ("postmark", "mailgun", …); its tracking webhooks are unused.
INBOUND_WEBHOOKS: dict[str, Callable[..., HttpResponse]] = {
    str(pattern.name).removesuffix("_inbound_webhook"): _malformed_is_400(pattern.callback)
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern) and str(pattern.name).endswith("_inbound_webhook")
}


@login_not_required
@body_limit(INBOUND_MAX_BODY_BYTES)
@csrf_exempt  # providers POST without cookies; anymail checks the shared secret (basic auth) instead
def inbound_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Hand a provider's inbound POST to anymail, which sends ``anymail.signals.inbound`` (see receivers).

    Off (404) until ``ANYMAIL_WEBHOOK_SECRET`` is set: anymail alone would accept anyone's POST. Only the
    configured provider (``CANDIDLY_INBOUND_PROVIDER``) answers; any other is a 404 too, since anymail's
    view of a provider without its settings fails with a server error.
    """
    view = INBOUND_WEBHOOKS.get(provider)
    configured = provider == settings.CANDIDLY_INBOUND_PROVIDER
    if view is None or not configured or not (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
        raise Http404("No inbound email webhook here.")
    return view(request)


# --- replies to review (recruiters) ------------------------------------------------------------------


def reply_review(request: HttpRequest) -> HttpResponse:
    """Emails that look like replies but did not come to a reply address, oldest first: each waits for a
    recruiter to accept it as the person's response or dismiss it (a constant number of queries)."""
    waiting = InboundEmail.objects.filter(status=InboundEmail.Status.REVIEW).select_related(
        "candidate", "contact__company", "touchpoint__interview__submission__role__company"
    )
    page = window(waiting.order_by("received_at", "id"), request.GET, size=50)
    return render(request, "messaging/reply_review.html", {"page": page})


def _reviewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware turned anonymous visitors away
    return request.user


@require_POST
def reply_accept(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundEmail.objects.select_related("touchpoint"), pk=pk)
    skipped = accept_reply(inbound, actor=_reviewer(request), now=timezone.now())
    if skipped is None:
        messages.info(request, "Someone already decided about that email.")
    else:
        messages.success(request, f"Recorded the email from {inbound.from_email} as a reply.")
    return redirect("messaging:reply-review")


@require_POST
def reply_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundEmail.objects.select_related("touchpoint"), pk=pk)
    if dismiss_reply(inbound, actor=_reviewer(request), now=timezone.now()):
        messages.success(request, f"Dismissed the email from {inbound.from_email}; nothing was stopped.")
    else:
        messages.info(request, "Someone already decided about that email.")
    return redirect("messaging:reply-review")


# --- the local inbox (admins) ------------------------------------------------------------------------


INBOX_IS_ADMINS = "Only an admin can open the inbox."


def _shown_inbox() -> Any:
    # Account-security mail (password resets) is never shown, to admins neither: its link is the account.
    return InboxMessage.objects.filter(account_security=False)


def inbox(request: HttpRequest) -> HttpResponse:
    """Messages the demo delivered into the local inbox, newest first (two queries whatever the size).

    Admins only: the inbox holds every candidate's and manager's mail, links included."""
    require_admin(request, why=INBOX_IS_ADMINS)
    messages = _shown_inbox().only("id", "to", "subject", "delivered_at").order_by("-delivered_at", "-id")
    page = window(messages, request.GET, size=50)
    return render(request, "messaging/inbox.html", {"page": page})


def inbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request, why=INBOX_IS_ADMINS)
    message = get_object_or_404(_shown_inbox(), pk=pk)
    return render(request, "messaging/inbox_message.html", {"message": message})


@xframe_options_sameorigin
def inbox_message_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The email's HTML body alone, for the sandboxed iframe on the detail page, under its own strict CSP."""
    require_admin(request, why=INBOX_IS_ADMINS)
    message = get_object_or_404(_shown_inbox(), pk=pk)
    html = message.html_body or "<p>(This message has no HTML part.)</p>"
    # Links open in a new tab: inside the frame our own pages would refuse to be framed.
    html = re.sub(r"(?i)<head([^>]*)>", r'<head\1><base target="_blank">', html, count=1)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_HTML_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response
