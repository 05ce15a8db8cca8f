"""Logs that never hold a link token: the route is logged, the secret in it is not.

A public link's token is the key to a person's page (``/l/feedback/<token>/``), and a password-reset URL
carries a key to an account. Access logs and error logs are read by more people, and kept longer, than the
database that stores only keyed hashes of the tokens. So every log line Candidly's processes write goes
through :func:`redact_tokens`: gunicorn's access log (``--logger-class
candidly.access_log.TokenFreeAccessLogger``, in ``bin/run`` and the README's systemd unit) and Django's
own log records ("Not Found: /l/…", via :class:`TokenFreeFilter` in ``settings.LOGGING``).

The secret parts are found from the URLconf: any route argument named ``token`` or ``uidb64``, so a new
public page is covered the day it is added. Before the URLconf can be loaded (start-up), and as a second
net, any path segment shaped like a link token (26 base32 characters) is redacted too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from gunicorn.glogging import Logger

REDACTED = ":token"
SECRET_ARGUMENTS = frozenset({"token", "uidb64"})
# What a secret may not contain: the end of its path segment, of the URL, or of the log field.
_SEGMENT = r"([^/?#\s\"']+)"
_ARGUMENT_RE = re.compile(r"<(?:(\w+):)?(\w+)>")
# Link tokens (messaging.links): 128 bits in base32, 26 characters, as a whole path segment.
_LINK_TOKEN_RE = re.compile(r"(?<=/)[A-Za-z2-7]{26}(?=[/?#\s\"']|$)")

_route_patterns: list[re.Pattern[str]] | None = None


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regex routes (Django admin's) carry no tokens
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _route_regex(route: str) -> str:
    regex, position = "", 0
    for argument in _ARGUMENT_RE.finditer(route):
        regex += re.escape(route[position : argument.start()])
        regex += _SEGMENT if argument[2] in SECRET_ARGUMENTS else r"[^/?#\s\"']+"
        position = argument.end()
    return "/" + regex + re.escape(route[position:])


def _secret_routes() -> list[re.Pattern[str]]:
    """One regex per route with a secret argument, whose groups are the secrets (built once, lazily)."""
    global _route_patterns
    if _route_patterns is None:
        if not apps.ready:
            return []  # too early to import the URLconf; the token-shape net still applies
        _route_patterns = [
            re.compile(_route_regex(route))
            for route in _routes(get_resolver().url_patterns)
            if any(argument[2] in SECRET_ARGUMENTS for argument in _ARGUMENT_RE.finditer(route))
        ]
    return _route_patterns


def _without_groups(match: re.Match[str]) -> str:
    text, start = match.group(0), match.start()
    for index in range(len(match.groups()), 0, -1):  # right to left keeps the earlier spans valid
        if match.start(index) >= 0:
            text = text[: match.start(index) - start] + REDACTED + text[match.end(index) - start :]
    return text


def redact_tokens(text: str) -> str:
    """``text`` (a path, a request line, a Referer, a log message) with every link or reset token replaced
    by ``:token``. Never raises: a log line must always be written."""
    try:
        for pattern in _secret_routes():
            text = pattern.sub(_without_groups, text)
    except Exception:  # noqa: S110 - the token-shape net below still applies
        pass
    return _LINK_TOKEN_RE.sub(REDACTED, text)


class TokenFreeAccessLogger(Logger):
    """gunicorn's logger whose access log shows routes without their tokens (request line, path, query,
    Referer and every other header field a format may name)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_tokens(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


class TokenFreeFilter(logging.Filter):
    """A logging filter that rewrites each record's message without tokens (Django logs "Not Found: <path>"
    for every bad link)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
