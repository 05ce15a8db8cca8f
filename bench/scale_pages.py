"""Which recruiter pages ``make scale`` times, in one place, and the logged-in HTTP client that times them.

The list is derived from the URLconf: every named route that needs a log-in is either in :data:`MEASURED`
(with the query strings to try and the object of the loaded agency its URL names) or in :data:`EXCLUDED`
with the reason. tests/test_scale_pages.py fails when a route is in neither, so a new page is timed the day
it is added (or someone writes down why not).
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from candidly.lib.paging import cursor_after

POST_ONLY = "an action (POST only): no page to show"
EXPORT = "a CSV download streaming every matching row, not a page"
# Route name -> the URLs to time: (object its URL names or None, query string, who looks). Objects are
# looked up in the loaded agency by :func:`objects_of`; the reports get a year's range.
MEASURED: dict[str, list[tuple[str | None, str, str]]] = {
    "hiring:today": [(None, "", "admin"), (None, "", "recruiter")],
    "hiring:role-list": [
        (None, "", "admin"),
        (None, "?q=engineer", "admin"),
        (None, "?status=open", "admin"),
        (None, "?q=python&status=open", "admin"),
        # Page 40 through its "More" cursor (the page's links), and the old ?page=40 link (OFFSET).
        (None, "?after={roles_page_40}", "admin"),
        (None, "?page=40", "admin"),
    ],
    "hiring:role-create": [(None, "", "admin"), ("company_big", "?company={id}", "admin")],
    "hiring:role-detail": [("role_big", "", "admin"), ("role", "", "admin")],
    "hiring:role-edit": [("role_big", "", "admin")],
    "hiring:submission-list": [
        (None, "", "admin"),
        (None, "?q={surname}", "admin"),
        (None, "?stage=open", "admin"),
        (None, "?q=engineer&stage=interviewing", "admin"),
    ],
    "hiring:submission-create": [(None, "", "admin"), ("role_big", "?role={id}", "admin")],
    "hiring:submission-detail": [("submission", "", "admin"), ("submission_old", "", "admin")],
    "hiring:interview-create": [("submission", "", "admin")],
    "hiring:interview-list": [(None, "", "admin"), (None, "?when=past", "admin")],
    "hiring:interview-detail": [("interview", "", "admin"), ("interview_done", "", "admin")],
    "hiring:interview-edit": [("interview", "", "admin")],
    "hiring:interview-cancel": [("interview", "", "admin")],
    "hiring:interview-invite": [("interview", "", "admin")],
    "hiring:interview-correct": [("interview_done", "", "admin")],
    "hiring:interview-company-change": [("interview", "", "admin")],
    "hiring:candidate-events": [("candidate", "", "admin"), ("candidate", "?kind=touchpoint.sent", "admin")],
    "hiring:submission-end": [("submission", "", "admin")],
    "hiring:submission-ended": [("submission_rejected", "", "admin")],
    "people:company-list": [(None, "", "admin"), (None, "?q=robotics", "admin")],
    "people:company-create": [(None, "", "admin")],
    "people:company-detail": [("company_big", "", "admin"), ("company", "", "admin")],
    "people:company-edit": [("company_big", "", "admin")],
    "people:contact-list": [(None, "", "admin"), (None, "?q={surname}", "admin")],
    "people:contact-create": [(None, "", "admin"), ("company_big", "?company={id}", "admin")],
    "people:contact-detail": [("manager_big", "", "admin")],
    "people:contact-edit": [("manager_big", "", "admin")],
    "people:candidate-list": [
        (None, "", "admin"),
        (None, "?q={name}", "admin"),
        (None, "?q={email}", "admin"),
        (None, "?q={phone}", "admin"),
    ],
    "people:candidate-create": [(None, "", "admin")],
    # The search-as-you-type pickers of the forms (at most 10 matches each).
    "hiring:pick": [
        (None, "candidate?q={surname}", "admin"),
        (None, "open-role?q=engineer", "admin"),
        (None, "company?q=a", "admin"),
        (None, "contact?q={surname}", "admin"),
    ],
    "people:candidate-detail": [("candidate", "", "admin"), ("candidate_returning", "", "admin")],
    "people:candidate-edit": [("candidate", "", "admin")],
    "people:talent-pool": [
        (None, "", "admin"),
        (None, "?tags=python", "admin"),
        (None, "?remote=remote&last_contact=over-90", "admin"),
        (None, "?last_process=withdrawn&reliability=reliable", "admin"),
        # Filters few candidates match: the pool is walked in name order until a page is found.
        (None, "?reliability=new", "admin"),
        (None, "?reliability=watch", "admin"),
        (None, "?last_process=none", "admin"),
        (None, "?last_process=active", "admin"),
        (None, "?last_process=rejected", "admin"),
        (None, "?location=london&max_minimum=90000", "admin"),
        # Filters nobody matches (a typo): answered from the tags' ids and the locations' trigram index.
        (None, "?tags=no-such-tag", "admin"),
        (None, "?location=reykjavik", "admin"),
        # A rare filter with others: the watch set, a tag and the last-contact figure together.
        (None, "?tags=python&reliability=watch&last_contact=over-30", "admin"),
        (None, "", "recruiter"),
    ],
    "followups:task-list": [(None, "", "admin"), (None, "?who=mine", "recruiter")],
    "followups:task-detail": [("task_call", "", "admin"), ("task_update", "", "admin")],
    "followups:cadence-settings": [(None, "", "admin")],
    "followups:call": [("task_call", "", "admin")],
    "followups:company-responsiveness": [("company_big", "?figure={figure}", "admin")],
    "followups:contact-responsiveness": [("manager_big", "?figure={figure}", "admin")],
    "followups:planned-list": [
        ("candidate", "?candidate={id}", "admin"),
        ("interview", "?interview={id}", "admin"),
        ("submission", "?submission={id}", "admin"),
    ],
    "followups:update-edit": [("task_update", "", "admin")],
    "messaging:reply-review": [(None, "", "admin")],
    "messaging:inbox": [(None, "", "admin")],
    "messaging:wording-list": [(None, "", "admin")],
    "messaging:wording-edit": [(None, "follow-up-email", "admin")],
    "accounts:agency-settings": [(None, "", "admin")],
    "reports:index": [(None, "", "admin")],
    "reports:report": [(None, "{year}", "admin"), (None, "{year}", "recruiter")],
    "dataio:import-upload": [(None, "", "admin")],
    "privacy:candidate-erase": [("candidate", "", "admin")],
    "privacy:contact-erase": [("manager_big", "", "admin")],
    "privacy:retention": [(None, "", "admin")],
    "privacy:audit": [(None, "", "admin")],
    "accounts:api-keys": [(None, "", "admin")],
    "webhooks:endpoint-list": [(None, "", "admin")],
}
EXCLUDED: dict[str, str] = {
    "accounts:logout": "logs the session out (POST only)",
    "hiring:submission-stage": POST_ONLY,
    "hiring:interview-outcome": POST_ONLY,
    "hiring:interview-confirm": POST_ONLY,
    "hiring:submission-tell-candidate": POST_ONLY,
    "hiring:suggestions-send": POST_ONLY,
    "people:contact-revoke-links": POST_ONLY,
    "people:candidate-revoke-links": POST_ONLY,
    "followups:task-done": POST_ONLY,
    "followups:call-log": POST_ONLY,
    "followups:update-send": POST_ONLY,
    "followups:feedback-remind": POST_ONLY,
    "followups:alert-handled": POST_ONLY,
    "followups:touchpoint-send-now": POST_ONLY,
    "followups:touchpoint-skip": POST_ONLY,
    "followups:touchpoint-move": POST_ONLY,
    "followups:candidate-pause": POST_ONLY,
    "followups:interviewer-feedback-ask": POST_ONLY,
    "messaging:reply-accept": POST_ONLY,
    "messaging:reply-dismiss": POST_ONLY,
    "messaging:wording-preview": POST_ONLY,
    "messaging:wording-reset": POST_ONLY,
    "messaging:inbox-message": "the demo's local inbox: the loaded agency sends no mail into it",
    "messaging:inbox-message-html": "the demo's local inbox: the loaded agency sends no mail into it",
    "reports:report-csv": "the same read model as its report page, which is timed",
    "accounts:api-key-revoke": POST_ONLY,
    "webhooks:endpoint-toggle": POST_ONLY,
    "webhooks:endpoint-detail": "the loaded agency has no webhook endpoint (its log shows the last 50)",
    "dataio:candidate-export": EXPORT,
    "dataio:company-export": EXPORT,
    "dataio:contact-export": EXPORT,
    "dataio:role-export": EXPORT,
    "dataio:submission-export": EXPORT,
    "dataio:interview-export": EXPORT,
    "dataio:import-preview": "needs a file uploaded in this session (the import's own bench times it)",
    "dataio:import-done": "needs a file uploaded in this session (the import's own bench times it)",
    "dataio:import-confirm": POST_ONLY,
    "privacy:candidate-export": POST_ONLY,
    "privacy:candidate-consent": POST_ONLY,
}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    viewer: str  # "admin" or "recruiter"


def recruiter_routes() -> Iterator[tuple[str, URLPattern]]:
    """Every named route of the URLconf that needs a log-in, Django admin left out (it is Django's)."""

    def walk(patterns: list[Any], namespace: str, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue
                inner = entry.namespace or namespace
                yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                if getattr(entry.callback, "login_required", True) is False:
                    continue  # public: links for candidates and managers, log-in, health
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry

    return walk(get_resolver().url_patterns, "", "")


def objects_of(conn: Any) -> dict[str, Any]:
    """The loaded agency's objects the pages show: the biggest role and company, a live process, …"""

    def one(sql: str, *params: Any) -> Any:
        row = conn.execute(sql, params or None).fetchone()
        if row is None:
            raise LookupError(f"nothing found for: {sql}")
        return row[0] if len(row) == 1 else row

    found: dict[str, Any] = {}
    found["role_big"] = one(
        "SELECT role_id FROM hiring_submission GROUP BY role_id ORDER BY count(*) DESC, role_id LIMIT 1"
    )
    found["company_big"] = one("SELECT company_id FROM hiring_role WHERE id = %s", found["role_big"])
    found["manager_big"] = one("SELECT hiring_manager_id FROM hiring_role WHERE id = %s", found["role_big"])
    found["role"] = one("SELECT id FROM hiring_role WHERE status = 'open' AND id > 3 ORDER BY id LIMIT 1")
    found["company"] = one("SELECT company_id FROM hiring_role ORDER BY company_id DESC LIMIT 1")
    found["interview"] = one(
        "SELECT id FROM hiring_interview WHERE status IN ('scheduled', 'confirmed') AND starts_at > now() "
        "ORDER BY starts_at LIMIT 1"
    )
    found["submission"] = one("SELECT submission_id FROM hiring_interview WHERE id = %s", found["interview"])
    found["candidate"] = one("SELECT candidate_id FROM hiring_submission WHERE id = %s", found["submission"])
    found["interview_done"] = one(
        "SELECT id FROM hiring_interview WHERE status = 'completed' AND ends_at < now() - interval '30 days' "
        "ORDER BY id LIMIT 1"
    )
    found["submission_old"] = one(
        "SELECT submission_id FROM hiring_interview WHERE id = %s", found["interview_done"]
    )
    found["submission_rejected"] = one(
        "SELECT id FROM hiring_submission WHERE stage = 'rejected' ORDER BY id LIMIT 1"
    )
    # Candidate 1 came back: an earlier, ended process and the latest one.
    found["candidate_returning"] = one(
        "SELECT min(candidate_id) FROM hiring_submission GROUP BY candidate_id "
        "HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    )
    found["task_call"] = one(
        "SELECT id FROM followups_task WHERE kind = 'call' ORDER BY status DESC, id LIMIT 1"
    )
    found["task_update"] = one(
        "SELECT id FROM followups_task WHERE kind = 'update-candidate' AND status = 'open' "
        "ORDER BY id LIMIT 1"
    )
    # The cursor of the role list's page 40: it starts after the 1,950th role in the list's order (a small
    # agency, e.g. the loader's smoke test, has fewer roles: after its last one, an empty last page).
    before = min(1949, one("SELECT count(*) FROM hiring_role") - 1)
    company, title, pk = one(
        "SELECT c.name, r.title, r.id FROM hiring_role r JOIN people_company c ON c.id = r.company_id "
        "ORDER BY c.name, r.title, r.id OFFSET %s LIMIT 1",
        before,
    )
    found["roles_page_40"] = cursor_after([company, title, pk], number=(before + 1) // 50 + 1)
    name, email, phone = one(
        "SELECT name, email, phone FROM people_candidate WHERE id = %s", found["candidate"]
    )
    found["name"], found["email"], found["phone"] = name, email, phone or "+44207946"
    found["surname"] = name.split()[-1]
    return found


def pages(found: dict[str, Any], *, today: datetime | None = None) -> list[Page]:
    """Every measured URL, in the URLconf's order."""
    from candidly.followups.responsiveness import FIGURE_LABELS

    end = (today or datetime.now(UTC)).date()
    year = f"?start={end - timedelta(days=364)}&end={end}"
    values = {key: urllib.parse.quote(str(value)) for key, value in found.items()}
    result: list[Page] = []
    for name, pattern in recruiter_routes():
        for about, query, viewer in MEASURED.get(name, []):
            params = set(pattern.pattern.converters)
            if name == "reports:report":
                from candidly.reports.views import CATALOG

                result += [
                    Page(name, reverse(name, args=[slug]) + year, viewer)
                    for slug, entry in CATALOG.items()
                    if viewer == "admin" or not entry.admin_only
                ]
                continue
            if params == {"kind"}:
                kind, _, rest = query.partition("?")
                text = "?" + rest.format(**values) if rest else ""
                result.append(Page(name, reverse(name, args=[kind]) + text, viewer))
                continue
            args = [found[about]] if params == {"pk"} and about else []
            # The responsiveness pages list the events behind one figure of the record: each figure.
            figures = list(FIGURE_LABELS) if "{figure}" in query else [""]
            for figure in figures:
                text = query.format(id=found[about] if about else "", figure=figure, **values)
                result.append(Page(name, reverse(name, args=args) + text, viewer))
    return result


def pages_to_measure(conn: Any) -> list[Page]:
    return pages(objects_of(conn))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to time (and a sign the page is not what we think)


class Browser:
    """A logged-in visitor over real HTTP: a cookie jar, the log-in form with its CSRF token."""

    def __init__(self, base: str, *, timeout: float) -> None:
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def log_in(self, username: str) -> None:
        from bench.scale_data import PASSWORD

        page = self.opener.open(self.base + "/accounts/login/", timeout=self.timeout).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, "no CSRF token on the log-in page"
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + "/accounts/login/", data=body, headers={"Referer": self.base + "/accounts/login/"}
        )
        try:
            self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise SystemExit(f"could not log in as {username}")

    def get(self, path: str) -> tuple[float, int, int]:
        """(seconds, bytes, status) of one GET, body read to the end."""
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=self.timeout) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        except (TimeoutError, urllib.error.URLError, ConnectionError):
            body, status = b"", 0  # no answer within the timeout (gunicorn kills that worker too)
        return time.perf_counter() - started, len(body), status
