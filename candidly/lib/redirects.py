"""Where a small action form sends the person back to: its ``next`` field, when that is a page of ours.

The one owner of the rule (the interview buttons, the calls and Today's one-click actions, suggestions):
``next`` comes from the browser, so it must be a plain path on this site. Anything else -- another host, a
scheme, a view name (``redirect()`` would try to reverse it and fail), control characters or whitespace
(they cannot go into a Location header) -- falls back to the default.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000


def safe_next(request: HttpRequest, *, default: str) -> str:
    """The ``next`` of the POST (else the query string) when it is a path of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and len(target) <= MAX_LENGTH
        and target.isprintable()
        and not any(char.isspace() for char in target)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return target
    return default
