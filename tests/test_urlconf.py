"""Every page needs login unless it is deliberately public.

The test walks the whole URLconf (admin included), builds a concrete URL for every route, requests it
anonymously and checks the answer. It knows nothing about particular apps, so routes added later are
covered the day they are added. A public route (a view marked ``login_not_required``) must also be listed in
PUBLIC_ROUTES below: making a page public is a decision to write down, not an accident.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

# Routes anyone may open without logging in, by "namespace:name" (or the route itself when unnamed).
PUBLIC_ROUTES = {
    "accounts:login",
    "accounts:password-reset",
    "accounts:password-reset-sent",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "admin:login",
    "messaging:unsubscribe",
    "messaging:confirm",
    "messaging:confirm-invite",
    "messaging:cancel",
    "messaging:withdraw",
    "messaging:withdraw-short",
    "messaging:feedback",
    "messaging:inbound-webhook",
    "messaging:sms-inbound-twilio",
    "hiring:role-public",
    # Operating: load balancers and Prometheus have no session (/metrics checks its own token or address).
    "followups:healthz",
    "followups:metrics",
}
# Public routes whose 503 is an answer, not an error: /healthz says "no worker is running" that way.
ANSWERS_503 = {"followups:healthz"}

# Sample values per converter, tried in order until the built URL resolves back to the same route.
SAMPLES: dict[type, list[str]] = {
    IntConverter: ["1", "2"],
    StringConverter: ["x", "sample"],
    SlugConverter: ["x", "sample-slug"],
    UUIDConverter: [str(uuid.UUID(int=1))],
    PathConverter: ["x", "x/y"],
}
GENERIC_SAMPLES = ["1", "x", "sample", "sample-1", str(uuid.UUID(int=1)), "MTE", "x/y"]


@dataclass(frozen=True)
class Route:
    """One URLPattern with the prefixes of the resolvers above it."""

    parts: tuple[Any, ...]  # RoutePattern / RegexPattern objects, outermost first
    pattern: URLPattern
    namespace: str

    @property
    def name(self) -> str:
        if self.pattern.name:
            return f"{self.namespace}:{self.pattern.name}" if self.namespace else self.pattern.name
        return "".join(str(part) for part in self.parts)

    @property
    def is_public(self) -> bool:
        # Django's login_not_required sets this on the view function; LoginRequiredMiddleware reads it.
        return getattr(self.pattern.callback, "login_required", True) is False


def walk(patterns: list[Any], parts: tuple[Any, ...] = (), namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            yield from walk(entry.url_patterns, (*parts, entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern):
            yield Route((*parts, entry.pattern), entry, namespace)


# --- Building a URL that matches a regular expression (re_path routes and unknown converters). ---


def example_for_regex(regex: str) -> str:
    """A short string matching ``regex``: first branch of alternations, one repetition of ``*`` and ``+``."""
    from re import _parser as parser  # type: ignore[attr-defined]

    return _example(parser.parse(regex))


def _example(tokens: Any) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    out = []
    for op, arg in tokens:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("x" if chr(arg) != "x" else "y")
        elif op is c.ANY:
            out.append("x")
        elif op is c.IN:
            out.append(_example_in(arg))
        elif op is c.BRANCH:
            out.append(_example(arg[1][0]))
        elif op is c.SUBPATTERN:
            out.append(_example(arg[-1]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, item = arg
            out.append(_example(item) * max(low, min(1, high)))
        elif op is c.CATEGORY:
            out.append(_example_category(arg))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            raise ValueError(f"cannot build an example for regex token {op}")
    return "".join(out)


def _example_in(items: list[Any]) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    if items and items[0][0] is c.NEGATE:
        excluded = {chr(arg) for op, arg in items[1:] if op is c.LITERAL}
        return next(char for char in "xyz1" if char not in excluded)
    op, arg = items[0]
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(arg[0])
    return _example_category(arg)


def _example_category(category: Any) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    return {c.CATEGORY_DIGIT: "1", c.CATEGORY_WORD: "x", c.CATEGORY_NOT_SPACE: "x"}.get(category, "x")


# --- Building a URL for a whole route. ---


def _candidates(part: Any) -> Iterator[str]:
    """Concrete strings for one level of the route, most natural first."""
    if isinstance(part, RegexPattern):
        yield example_for_regex(part._regex)
        return
    if not isinstance(part, RoutePattern):
        yield example_for_regex(part.regex.pattern)  # e.g. LocalePrefixPattern
        return
    route = str(part)
    pieces = re.split(r"<(?:[^>:]+:)?([^>]+)>", route)
    literals, names = pieces[0::2], pieces[1::2]
    per_name = []
    for name in names:
        converter = part.converters[name]
        samples = SAMPLES.get(type(converter)) or [
            sample for sample in GENERIC_SAMPLES if re.fullmatch(converter.regex, sample)
        ]
        if not samples:
            samples = [example_for_regex(converter.regex)]
        per_name.append(samples)
    # Try the first sample of every converter, then the second, and so on: enough to dodge a sibling route.
    depth = max((len(samples) for samples in per_name), default=1)
    for index in range(depth):
        values = [samples[min(index, len(samples) - 1)] for samples in per_name]
        yield "".join(literal + value for literal, value in zip(literals, [*values, ""], strict=True))


def concrete_url(route: Route) -> str:
    """A path that resolves to exactly this route's view; fails loudly when no sample fits."""
    options = [list(_candidates(part)) for part in route.parts]
    depth = max(len(option) for option in options)
    for index in range(depth):
        url = "/" + "".join(option[min(index, len(option) - 1)] for option in options)
        match = resolve(url)
        same_view = match.func is route.pattern.callback or match._func_path == route.pattern.lookup_str
        if same_view and match.url_name == route.pattern.name:
            return url
    raise AssertionError(
        f"could not build a URL for {route.name!r}; add a sample for its converter to SAMPLES in this test"
    )


ROUTES = list(walk(get_resolver().url_patterns))


def test_urlconf_walk_finds_the_routes_it_must_cover():
    names = {route.name for route in ROUTES}

    # A sanity check on the walker itself: these exist in every build of Candidly.
    assert {"hiring:today", "accounts:logout", "admin:index", "admin:accounts_user_change"} <= names
    assert all(route.parts for route in ROUTES)


# The REST API (/api/v1/) never uses the pages' session: every operation checks an API key itself (401
# without one, below and in tests/api), except its documents: the OpenAPI file and its docs page.
API_DOCUMENTS = {"api:api-root", "api:openapi-json", "api:openapi-view"}
API_ROUTES = {route.name for route in ROUTES if route.name.startswith("api:")}


def test_urlconf_public_routes_are_exactly_the_allow_list():
    public = {route.name for route in ROUTES if route.is_public}

    assert sorted(public - API_ROUTES) == sorted(PUBLIC_ROUTES)
    assert public >= API_ROUTES >= API_DOCUMENTS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.name in API_ROUTES - API_DOCUMENTS], ids=lambda r: r.name
)
def test_urlconf_anonymous_api_call_gets_401(route):
    url = concrete_url(route)

    response = Client().get(url)

    # 405: a path whose only operation is a POST; its POST needs a key too (tests/api/test_contract.py).
    assert response.status_code in (401, 405), f"{url} answered {response.status_code} without a key"


def _login_pages(route: Route) -> set[str]:
    # Django admin's site-wide views send people to the admin's own log-in page (they set login_url);
    # its per-model views leave that to LoginRequiredMiddleware, which uses ours. Both are fine.
    if route.name.startswith("admin:") or str(route.parts[0]).startswith("admin/"):
        return {reverse("accounts:login"), reverse("admin:login")}
    return {reverse("accounts:login")}


@pytest.mark.django_db
@pytest.mark.parametrize("route", [route for route in ROUTES if not route.is_public], ids=lambda r: r.name)
def test_urlconf_anonymous_get_of_a_private_route_goes_to_login(route):
    url = concrete_url(route)

    response = Client().get(url)

    # Refusing outright (403/404) is as good as asking to log in; anything else is a leak.
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        assert location.path in _login_pages(route), f"{url} redirected to {response['Location']}"
        assert parse_qs(location.query) == {"next": [url]}
    else:
        assert response.status_code in (403, 404), (
            f"{url} answered {response.status_code} to an anonymous GET"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("route", [route for route in ROUTES if route.is_public], ids=lambda r: r.name)
def test_urlconf_anonymous_get_of_a_public_route_answers_without_error(route):
    url = concrete_url(route)

    response = Client().get(url)

    assert response.status_code < 500 or (route.name in ANSWERS_503 and response.status_code == 503)
    if response.status_code in (301, 302):
        # A public page may redirect (a reset link hides its token), but never to the log-in page.
        assert urlsplit(response["Location"]).path != reverse("accounts:login")
