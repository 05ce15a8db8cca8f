"""Public link pages (no account: candidates and hiring managers) and the recruiters' local inbox.

The interview's confirm / can't-make-it pages are the hiring app's (``hiring/public_views.py``).

Public pages follow one rule: GET only renders (mail scanners and link previews fetch every URL in an
email), POST acts. A bad token gets a friendly page that reveals nothing, with 404 or 410.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from candidly.accounts import security
from candidly.lib.phones import display_phone
from candidly.messaging import services
from candidly.messaging.links import LinkError, is_rate_limited, record_bad_token, resolve_link
from candidly.messaging.models import InboxMessage, Link

LinkView = Callable[[HttpRequest, Link], HttpResponse]

# The HTML of a delivered email is untrusted content: no scripts, no fetches, only inline styles.
EMAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def client_ip(request: HttpRequest) -> str:
    """The caller's IP, read the way the login lockout reads it (the proxy's X-Forwarded-For entry)."""
    return security.client_ip(request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address


def public_response(response: HttpResponse) -> HttpResponse:
    # Tokens are in the URL: never cache the page, never send it to another site, never index it.
    # "same-origin", not "no-referrer": no-referrer makes browsers send "Origin: null", which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def public_link(purpose: str) -> Callable[[LinkView], Callable[..., HttpResponse]]:
    """Decorate a public page taking ``(request, link)``: resolves ``token`` for ``purpose`` or answers
    with the friendly invalid-link page (404 unknown, 410 gone), and 429 after too many unknown tokens."""

    def decorator(view: LinkView) -> Callable[..., HttpResponse]:
        @login_not_required
        @never_cache
        @wraps(view)
        def wrapped(request: HttpRequest, token: str) -> HttpResponse:
            now = timezone.now()
            ip = client_ip(request)
            # Once an address is over the limit, valid tokens get 429 too: otherwise the answer would
            # still tell a guesser which tokens exist.
            if is_rate_limited(ip, now=now):
                response = render(request, "public/link_invalid.html", {"rate_limited": True}, status=429)
                response["Retry-After"] = "3600"
                return public_response(response)
            try:
                link = resolve_link(token, purpose=purpose, now=now)
            except LinkError as exc:
                if exc.status == 404:
                    record_bad_token(ip, now=now)
                return public_response(
                    render(
                        request, "public/link_invalid.html", {"gone": exc.status == 410}, status=exc.status
                    )
                )
            return public_response(view(request, link))

        return wrapped

    return decorator


def _page_context(link: Link, **extra: Any) -> dict[str, Any]:
    interview = link.interview
    submission = link.submission or (interview.submission if interview else None)
    person = link.candidate or link.contact
    recruiter = None
    if submission is not None:
        recruiter = submission.recruiter or submission.role.recruiter
    if recruiter is None and link.candidate is not None:
        recruiter = link.candidate.recruiter
    return {
        "link": link,
        "person": person,
        "interview": interview,
        "submission": submission,
        "role": submission.role if submission else None,
        "company": submission.role.company if submission else None,
        "recruiter": recruiter,
        "recruiter_phone_display": display_phone(recruiter.phone) if recruiter else "",
        "zone": getattr(person, "time_zone", "UTC"),
        **extra,
    }


def _one_click(request: HttpRequest) -> bool:
    # RFC 8058: mail clients POST exactly "List-Unsubscribe=One-Click" (form-encoded), without cookies.
    return request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt  # RFC 8058 one-click POSTs carry no cookie and no CSRF token; unsubscribing is harmless.
@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.UNSUBSCRIBE)
def unsubscribe(request: HttpRequest, link: Link) -> HttpResponse:
    candidate = link.candidate
    if candidate is None:
        return render(request, "public/link_invalid.html", {}, status=404)
    context = _page_context(link)
    if request.method == "POST":
        via = "one-click unsubscribe" if _one_click(request) else "unsubscribe page"
        services.unsubscribe_candidate(candidate, via=via, now=timezone.now())
        return render(request, "public/unsubscribe_done.html", context)
    return render(request, "public/unsubscribe.html", context)


# --- inbound email webhooks ---------------------------------------------------------------------------

# anymail's inbound webhook views by provider ("postmark", "mailgun", …); its tracking webhooks are unused.
INBOUND_WEBHOOKS: dict[str, Callable[..., HttpResponse]] = {
    str(pattern.name).removesuffix("_inbound_webhook"): pattern.callback
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
