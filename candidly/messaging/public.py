"""The one guard of every public link page (candidates and hiring managers, no account), and what such a
page shows about who to call.

Every public page follows the same rules: GET only renders (mail scanners and link previews fetch every URL
in an email), POST acts. :func:`public_link` resolves the token for its purpose, person and expiry; a bad
token gets a friendly page that reveals nothing (404 unknown, 410 gone), and an address guessing tokens gets
429 for an hour. Pages whose link did its job (used, or its interview moved on) may explain that instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from candidly.accounts import security
from candidly.lib.phones import display_phone
from candidly.messaging.links import (
    LinkError,
    StaleLink,
    UsedLink,
    check_link,
    find_link,
    is_rate_limited,
    record_bad_token,
)
from candidly.messaging.models import Link

LinkView = Callable[[HttpRequest, Link, datetime], HttpResponse]


def client_ip(request: HttpRequest) -> str:
    """The caller's IP, read the way the login lockout reads it (the proxy's X-Forwarded-For entry)."""
    return security.client_ip(request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address


def public_response(response: HttpResponse) -> HttpResponse:
    # Tokens are in the URL: never cache the page, never send it to another site, never index it.
    # "same-origin", not "no-referrer": no-referrer makes browsers send "Origin: null", which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def public_link(
    purpose: str, *, when_done: LinkView | None = None
) -> Callable[[LinkView], Callable[..., HttpResponse]]:
    """Decorate a public page taking ``(request, link, now)`` for links of ``purpose``.

    Unknown token: 404 (and counted against the address); expired or revoked: 410; both the same friendly
    page without data. A link that was used or whose object moved on goes to ``when_done`` when given (it
    explains what happened), else it is gone (410) too.
    """

    def decorator(view: LinkView) -> Callable[..., HttpResponse]:
        @login_not_required
        @never_cache
        @wraps(view)
        def wrapped(request: HttpRequest, token: str) -> HttpResponse:
            now = timezone.now()
            ip = client_ip(request)
            # One query finds the link and counts the address's recent bad tokens.
            found = find_link(token, purpose=purpose, bad_tokens_from=(ip, now))
            # Once an address is over the limit, valid tokens get 429 too: otherwise the answer would
            # still tell a guesser which tokens exist.
            if is_rate_limited(ip, now=now, link=found):
                response = render(request, "public/link_invalid.html", {"rate_limited": True}, status=429)
                response["Retry-After"] = "3600"
                return public_response(response)
            try:
                link = check_link(found, purpose=purpose, now=now)
            except (UsedLink, StaleLink) as exc:
                if found is not None and when_done is not None:
                    return public_response(when_done(request, found, now))
                return public_response(_invalid(request, exc))
            except LinkError as exc:
                if exc.status == 404:
                    record_bad_token(ip, now=now)
                return public_response(_invalid(request, exc))
            return public_response(view(request, link, now))

        return wrapped

    return decorator


def _invalid(request: HttpRequest, error: LinkError) -> HttpResponse:
    return render(request, "public/link_invalid.html", {"gone": error.status == 410}, status=error.status)


def recruiter_context(link: Link) -> dict[str, Any]:
    """Who the person should call: the responsible recruiter of the link's submission (the same person who
    signs their emails and owns the tasks), else the candidate's recruiter."""
    interview = link.interview
    submission = link.submission or (interview.submission if interview else None)
    if submission is not None:
        recruiter = submission.responsible_recruiter
    else:
        recruiter = link.candidate.recruiter if link.candidate is not None else None
    return {
        "recruiter": recruiter,
        "recruiter_phone_display": display_phone(recruiter.phone) if recruiter and recruiter.phone else "",
    }


def page_context(link: Link, **extra: Any) -> dict[str, Any]:
    """What every public page may show: the person, the process it is about, in the person's own zone, and
    who to call."""
    interview = link.interview
    submission = link.submission or (interview.submission if interview else None)
    person = link.candidate or link.contact
    return {
        "link": link,
        "person": person,
        "interview": interview,
        "submission": submission,
        "role": submission.role if submission else None,
        "company": submission.role.company if submission else None,
        "zone": getattr(person, "time_zone", "UTC"),
        **recruiter_context(link),
        **extra,
    }
