"""Bad input, everywhere: garbage in every field of every form of every page, and in the webhooks.

The routes come from the URLconf (tests/test_urlconf.py walks it), so a new page is swept the day it is
added; a new route with an object in its URL fails here until ``World.urls_for`` knows which object to use.
Each route's page is fetched the way its visitor sees it (recruiter pages logged in as an admin, public link
pages with freshly issued, valid links), each of its forms is parsed, and Hypothesis submits it again and
again with some fields replaced by garbage: empty, huge, NUL, control characters, right-to-left marks, emoji,
numbers out of range, dates far in the past and future, malformed time zones, phone numbers and emails.
Routes whose page has no form get garbage fields POSTed anyway.

Every answer must be below 500. A refusal (4xx, or the page again with field errors) must leave the row
counts of every model unchanged: nothing half-saved. GET forms (search boxes, filters) must never write.
Each example runs in a savepoint rolled back afterwards, so every example starts from the same world.

Examples per form: a few by default (fast enough for ``make test``); set ``CANDIDLY_FUZZ_EXAMPLES`` for a
longer, randomised run, e.g. ``CANDIDLY_FUZZ_EXAMPLES=500 make test PYTEST_ARGS="-k bad_input"``.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from candidly.accounts.api_keys import create_api_key
from candidly.accounts.models import User
from candidly.dataio.models import ImportBatch
from candidly.followups.health import record_heartbeat
from candidly.followups.models import Cadence, CadenceRun, Feedback, Task, Touchpoint
from candidly.followups.silence import prepared_update
from candidly.followups.tasks import create_task
from candidly.followups.views.feedback import FIGURE_LABELS
from candidly.hiring.endings import reject
from candidly.hiring.models import Interview, RoleSuggestion
from candidly.hiring.pickers import KINDS as PICKERS
from candidly.hiring.suggestions import INTERESTED
from candidly.messaging.links import hash_token, issue_link
from candidly.messaging.models import InboundEmail, InboxMessage, Link
from candidly.messaging.sms_inbound import twilio_signature
from candidly.reports.views import CATALOG as REPORTS
from candidly.webhooks.endpoints import create_endpoint
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.html_forms import FormField, PageForm, page_forms
from tests.test_urlconf import Route, walk

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday, business hours in London and New York
EXAMPLES = int(os.environ.get("CANDIDLY_FUZZ_EXAMPLES", "0")) or None
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES or 6,
    # The default run is the same every time (CI must not flake); a longer run explores afresh.
    derandomize=EXAMPLES is None,
    deadline=None,
    database=None if EXAMPLES is None else hypothesis_settings.default.database,
    # The world is built once per test and every example rolls back to it: that is the point.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Garbage in the query string of every page: fewer examples, the pages read few parameters.
FUZZ_QUERY = hypothesis_settings(FUZZ, max_examples=EXAMPLES or 3)
WEBHOOK_SECRET = "hook:fuzz-secret"
TWILIO_TOKEN = "f" * 32

# Django admin is Django's own (and ours is read-only); the log-out form would end the session under test.
SKIPPED_ROUTES = {"accounts:logout"}
# Models whose rows change on a refusal by design: django-axes counts failed log-ins, sessions come and go.
UNCOUNTED_APPS = {"axes", "sessions", "admin", "contenttypes", "auth"}


# --- Garbage ---------------------------------------------------------------------------------------------

CONTROL = "".join(chr(code) for code in range(0x20) if chr(code) not in "\r\n") + "\x7f\x85"
MARKS = "\u200b\u200e\u200f\u202a\u202b\u202e\u2066\u2069\ufeff\u00ad"
EMOJI = ["😀", "👩🏽‍💻", "🏳️‍🌈", "🇬🇧", "e\u0301\u0301\u0301", "Z̸̡̢̛̤̈́̾ą̷̛̖l̷͇̽g̴̗̈o̷̳̍"]


def _huge(min_size: int = 600) -> st.SearchStrategy[str]:
    # Mostly just over the usual max_length (200-500); now and then a 100 kB value.
    return st.sampled_from([min_size, min_size, 5_000, 100_000]).flatmap(
        lambda n: st.sampled_from(["x", "é", "😀", "<", "\u202e", "9"]).map(lambda c: c * n)
    )


TEXT = st.one_of(
    st.sampled_from(["", " ", "\t", "null", "None", "undefined", "0", "-1", "<script>alert(1)</script>"]),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(st.sampled_from(CONTROL + MARKS), min_size=1, max_size=10),
    st.sampled_from(EMOJI),
    st.sampled_from(["\x00", "a\x00b", "\x00" * 3]),
    st.sampled_from(["line\rbreak", "line\nbreak", "line\r\nbreak"]),
    st.sampled_from(["' OR 1=1 --", "%00", "%s%s%s", "{{ 7*7 }}", "${jndi:x}", "../../etc/passwd"]),
    _huge(),
)
NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        ["2147483647", "2147483648", "-2147483649", "9223372036854775808", "1e309", "-1e309", "NaN", "inf"]
    ),
    # Arabic-Indic and full-width digits, the Arabic decimal separator: int() accepts some of them.
    st.sampled_from(
        ["-0", "0x10", "1_000", "\u0661\u0662", "\uff11\uff12", " 5 ", "5.5", "1,000", "", "\u066b5"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["0001-01-01", "0000-00-00", "1900-01-01", "1969-12-31", "2038-01-19", "9997-12-31", "2026-02-29"]
    ),
    st.sampled_from(["2026-02-30", "2026-13-01", "31/12/2026", "2026-1-1", "+12026-01-01", "today", ""]),
)
TIME = st.one_of(
    st.times().map(lambda t: t.isoformat()),
    st.sampled_from(["24:00", "23:60", "25:00", "-1:00", "12:00:00.9999999", "noon", "1:2:3:4", ""]),
)
DATETIME = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.builds(lambda d, t: f"{d}T{t}", DATE, TIME),
)
TIME_ZONE = st.sampled_from(
    [
        "",
        "Mars/Base",
        "UTC",
        "utc",
        "europe/london",
        "Europe/London ",
        "Etc/GMT+14",
        "Etc/GMT-15",
        "../../../../etc/passwd",
        "/etc/localtime",
        "localtime",
        "posixrules",
        "Factory",
        "+05:30",
        "US/Pacific-New",
        "America/Argentina/ComodRivadavia",
        "x" * 300,
        "Europe/London\u202e",
    ]
)
PHONE = st.one_of(
    st.sampled_from(
        [
            "+",
            "+1",
            "++44 20 7946 0958",
            "0",
            "00",
            "+" + "9" * 40,
            "phone",
            "+44 20 7946 0958 ext. 5",
            "٠١٢٣٤٥٦٧٨٩",
            "+44\u202e2079460958",
            "tel:+442079460958",
            "+44 (0) 20-7946-0958",
            "+999 123",
            "+1 415 555 0123" + "1" * 20,
        ]
    ),
    st.text(st.sampled_from("+0123456789 ()-.x#*"), max_size=30),
)
EMAIL = st.sampled_from(
    [
        "a@b",
        "@",
        "x" * 300 + "@example.com",
        "a@b.c\n",
        "ü@ü.de",
        "a@[127.0.0.1]",
        '"a b"@c.d',
        "a@b..c",
        "a@-b.c",
        "a+b@c.d",
        "a@b.c, d@e.f",
    ]
)
URL = st.sampled_from(
    [
        "javascript:alert(1)",
        "http://",
        "http://[::1",
        "https://" + "a" * 5000 + ".com",
        "//evil.example",
        "ftp://x",
    ]
)
ODD_CHOICES = st.sampled_from(["", "-1", "0", "99999999999999999999", "1.5", "' OR 1=1 --", "\x00", "on"])


def garbage_for(item: FormField) -> st.SearchStrategy[str]:
    """Garbage shaped for the field (by name, then by input type), with generic garbage mixed in."""
    name = item.name.lower()
    if "time_zone" in name or name.endswith("zone"):
        shaped = TIME_ZONE
    elif "phone" in name or item.kind == "tel":
        shaped = PHONE
    elif "email" in name or item.kind == "email":
        shaped = EMAIL
    elif "url" in name or item.kind == "url" or name == "next":
        shaped = URL
    elif item.kind == "number" or any(word in name for word in ("compensation", "offset", "days", "count")):
        shaped = NUMBER
    elif item.kind == "date" or name == "date" or name.endswith("_date"):
        shaped = DATE
    elif item.kind == "time" or name.endswith("_time"):
        shaped = TIME
    elif item.kind == "datetime-local" or name.endswith("_at"):
        shaped = DATETIME
    elif item.options:
        shaped = st.one_of(st.sampled_from(item.options), ODD_CHOICES)
    else:
        shaped = TEXT
    return st.one_of(shaped, shaped, TEXT)


@st.composite
def garbled(draw: st.DrawFn, form: PageForm) -> dict[str, list[str]]:
    """The form as rendered, with some fields garbled, some dropped, some sent twice, maybe one extra."""
    data = form.baseline()
    for name, item in form.fields.items():
        choice = draw(st.sampled_from(["keep", "garble", "garble", "drop", "twice"]))
        if choice == "garble":
            data[name] = [draw(garbage_for(item))]
        elif choice == "drop":
            data.pop(name, None)
        elif choice == "twice":
            data[name] = [draw(garbage_for(item)), draw(garbage_for(item))]
    if draw(st.booleans()):
        data[draw(st.sampled_from(["extra", "id", "pk", "status", "__proto__", "x" * 200]))] = [draw(TEXT)]
    return data


# --- The world: one of everything, and a URL per route. --------------------------------------------------


@dataclass
class World:
    admin: User
    by_object: dict[str, list[Any]]
    tokens: dict[str, list[str]]

    def urls_for(self, route: Route) -> list[str]:
        """The URLs of ``route`` in this world: one per object (or link) it can show."""
        return _urls_for(route, self.by_object, self.tokens, self.admin)


def build_world() -> World:
    """An agency with one of everything a page can show, and every public link issued fresh."""
    ada = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True, time_zone="Europe/London")
    record_heartbeat(worker_id="fuzz-worker", started_at=NOW, now=NOW)  # /healthz answers 200
    acme = CompanyFactory(name="Acme Robotics")
    hannah = ContactFactory(company=acme, name="Hannah Manager", email="hannah@acme.test")
    role = RoleFactory(company=acme, hiring_manager=hannah, recruiter=ada, title="Backend Engineer")
    other_role = RoleFactory(company=acme, hiring_manager=hannah, recruiter=ada, title="Data Engineer")
    cara = CandidateFactory(
        name="Cara Candidate", email="cara@mail.test", recruiter=ada, phone="+14155550123"
    )
    submission = SubmissionFactory(candidate=cara, role=role, recruiter=ada)
    upcoming = InterviewFactory(
        submission=submission, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=1)
    )
    past = InterviewFactory(
        submission=submission,
        round=2,
        starts_at=NOW - timedelta(hours=3),
        ends_at=NOW - timedelta(hours=2),
        status=Interview.Status.SCHEDULED,
    )
    about = {"interview": past, "actor": None, "due_at": NOW}
    call = create_task(kind=Task.Kind.CALL, title="Call Cara", **about)
    quiet = create_task(kind=Task.Kind.GONE_QUIET, title="Cara has gone quiet", **about)
    update = create_task(
        kind=Task.Kind.UPDATE_CANDIDATE, title="Update Cara", details=prepared_update(submission), **about
    )
    run = CadenceRun.objects.create(
        interview=past,
        audience=Cadence.Audience.HIRING_MANAGER,
        contact=hannah,
        planned_at=NOW - timedelta(days=3),
        respond_by=NOW - timedelta(hours=1),
    )
    nudge = Touchpoint.objects.create(
        candidate=cara,
        interview=past,
        submission=submission,
        kind=Touchpoint.Kind.NUDGE,
        channel=Touchpoint.Channel.EMAIL,
        idempotency_key="fuzz:nudge",
        due_at=NOW + timedelta(hours=2),
    )
    # A second process the company declined: its "tell the candidate" message is waiting.
    dan = CandidateFactory(name="Dan Declined", email="dan@mail.test", recruiter=ada)
    declined = SubmissionFactory(candidate=dan, role=other_role, recruiter=ada)
    reject.reject_submission(declined, actor=ada, now=NOW)
    message = InboxMessage.objects.create(
        from_email="candidly@localhost", to=["cara@mail.test"], subject="Hello", text_body="Hi", raw="Hi"
    )
    review = InboundEmail.objects.create(
        received_at=NOW,
        from_email="cara@mail.test",
        subject="Re: your interview",
        text="Yes, still keen.",
        raw=b"Subject: Re: your interview\r\n\r\nYes, still keen.",
        status=InboundEmail.Status.REVIEW,
        candidate=cara,
        touchpoint=nudge,
    )
    interested = issue_link(INTERESTED, candidate=cara, submission=submission, now=NOW)
    RoleSuggestion.objects.create(
        candidate=cara,
        role=other_role,
        after_submission=submission,
        link=Link.objects.get(token_hash=hash_token(interested, INTERESTED)),
        suggested_by=ada,
        created_at=NOW,
    )

    batch = ImportBatch.objects.create(
        owner=ada,
        kind=ImportBatch.Kind.CANDIDATES,
        filename="people.csv",
        columns=["name", "email"],
        rows=[
            {
                "row": 2,
                "action": "create",
                "values": {"name": "Eve", "email": "eve@mail.test"},
                "target": None,
                "changed": [],
                "reason": "",
            }
        ],
        summary={"create": 1, "update": 0, "skip": 0, "error": 0},
        expires_at=NOW + timedelta(hours=1),
    )

    def link(purpose: str, **objects: Any) -> str:
        return issue_link(purpose, now=NOW, **objects)

    endpoint = create_endpoint(
        url="https://hooks.example.test/in", event_types=["interview.booked"], actor=ada, now=NOW
    )
    api_key, _ = create_api_key(user=ada, name="fuzz", scopes=["read"], actor=ada, now=NOW)
    feedback = Feedback.objects.create(
        interview=past, candidate=cara, channel=Feedback.Channel.PHONE, created_at=NOW, updated_at=NOW
    )

    Purpose = Link.Purpose
    by_object: dict[str, list[Any]] = {
        "hiring:role-": [role],
        "hiring:submission-ended": [declined],
        "hiring:submission-tell-candidate": [declined],
        "hiring:submission-": [submission],
        "hiring:interview-create": [submission],
        "hiring:interview-": [upcoming, past],
        "hiring:candidate-events": [cara],
        "hiring:suggestions-send": [cara],
        "people:company-": [acme],
        "people:contact-": [hannah],
        "people:candidate-": [cara],
        "followups:task-": [call],
        "followups:call": [call],
        "followups:update-send": [update],
        "followups:feedback-remind": [run],
        "followups:alert-handled": [quiet],
        "followups:company-responsiveness": [acme],
        "followups:contact-responsiveness": [hannah],
        "messaging:inbox-message": [message],
        "messaging:reply-": [review],
        "followups:touchpoint-": [nudge],
        "followups:candidate-pause": [cara],
        "followups:update-edit": [update],
        "privacy:candidate-": [cara],
        "privacy:contact-": [hannah],
        "dataio:import-": [batch],
        "webhooks:endpoint-": [endpoint],
        "accounts:api-key-revoke": [api_key],
        # The REST API: without a key every one of these answers 401 (tests/api covers them with keys).
        "api:get_company": [acme],
        "api:get_contact": [hannah],
        "api:get_candidate": [cara],
        "api:candidate_events": [cara],
        "api:get_role": [role],
        "api:get_submission": [submission],
        "api:withdraw_submission": [submission],
        "api:submission_events": [submission],
        "api:get_interview": [upcoming],
        "api:cancel_interview": [upcoming],
        "api:confirm_interview": [upcoming],
        "api:mark_outcome": [past],
        "api:get_feedback": [feedback],
        "api:get_task": [call],
        "api:finish_task": [call],
    }
    tokens: dict[str, list[str]] = {
        "hiring:role-public": [interested],
        "messaging:unsubscribe": [link(Purpose.UNSUBSCRIBE, candidate=cara)],
        "messaging:confirm": [link(Purpose.CONFIRM, candidate=cara, interview=upcoming)],
        "messaging:confirm-invite": [link(Purpose.CONFIRM, candidate=cara, interview=upcoming)],
        "messaging:cancel": [link(Purpose.CANCEL, candidate=cara, interview=upcoming)],
        "messaging:withdraw": [link(Purpose.WITHDRAW, candidate=cara, submission=submission)],
        "messaging:withdraw-short": [link(Purpose.WITHDRAW, candidate=cara, submission=submission)],
        "messaging:feedback": [
            link(Purpose.FEEDBACK, candidate=cara, interview=past),
            link(Purpose.FEEDBACK, contact=hannah, interview=past),
        ],
    }
    by_object["followups:interviewer-feedback-ask"] = [(past, hannah)]
    return World(admin=ada, by_object=by_object, tokens=tokens)


def _urls_for(
    route: Route, by_object: dict[str, list[Any]], tokens: dict[str, list[str]], ada: User
) -> list[str]:
    params = set(route.pattern.pattern.converters)
    for part in route.parts[:-1]:
        params |= set(getattr(part, "converters", {}))
    name = route.name
    if not params:
        return [reverse(name)]
    if params == {"token"} and name in tokens:
        return [reverse(name, args=[token]) for token in tokens[name]]
    if params == {"pk"}:
        prefix = max((p for p in by_object if name.startswith(p)), key=len, default=None)
        if prefix is not None:
            query = f"?figure={next(iter(FIGURE_LABELS))}" if name.endswith("-responsiveness") else ""
            return [reverse(name, args=[obj.pk]) + query for obj in by_object[prefix]]
    if name == "accounts:password-reset-confirm":
        uid = urlsafe_base64_encode(force_bytes(ada.pk))
        return [reverse(name, args=[uid, default_token_generator.make_token(ada)])]
    if params == {"pk", "contact_pk"}:
        return [reverse(name, args=[obj.pk, contact.pk]) for obj, contact in by_object[name]]
    if params == {"kind"} and name.startswith("messaging:wording-"):
        return [reverse(name, args=["follow-up-email"])]
    if name == "hiring:pick":
        # Each picker's plain search page, with a search and a form to go back to.
        return [reverse(name, args=[kind]) + "?q=Cara&next=/submissions/new/" for kind in PICKERS]
    if name == "messaging:inbound-webhook":
        return [reverse(name, args=["postmark"])]
    if name == "reports:report":
        return [reverse(name, args=[slug]) for slug in REPORTS]
    if name == "reports:report-csv":
        # The tables' CSV links, as each report page shows them.
        client = Client()
        client.force_login(ada)
        pages = [client.get(reverse("reports:report", args=[slug])).content.decode() for slug in REPORTS]
        return sorted({html.unescape(link) for page in pages for link in CSV_LINK_RE.findall(page)})
    raise AssertionError(f"{name}: tell World (tests/test_bad_input.py) which object its URL names")


ROUTES = [
    route
    for route in walk(get_resolver().url_patterns)
    if not str(route.parts[0]).startswith("admin/") and route.name not in SKIPPED_ROUTES
]
WEBHOOKS = {"messaging:inbound-webhook", "messaging:sms-inbound-twilio"}
CSV_LINK_RE = re.compile(r'href="(/reports/[^"]+\.csv[^"]*)"')


# --- Row counts ------------------------------------------------------------------------------------------


def _counted_tables() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNCOUNTED_APPS and model._meta.managed
    }
    return sorted(tables)


def row_counts() -> dict[str, int]:
    """Rows per table of every model of ours (and their many-to-many tables), in one query."""
    tables = _counted_tables()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


# --- One example ----------------------------------------------------------------------------------------

REFUSAL_MARKERS = ('class="error"', 'class="error-summary"', "has-error")


def _is_refusal(response: Any) -> bool:
    if response.status_code >= 400:
        return True
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return any(marker in body for marker in REFUSAL_MARKERS)


def _send(client: Client, method: str, url: str, data: dict[str, list[str]], **extra: Any) -> Any:
    if method == "get":
        path = urlsplit(url).path
        return client.get(path + "?" + urlencode(data, doseq=True), **extra)
    return client.post(url, data, **extra)


def check_example(
    client: Client,
    cookies: Any,
    baseline: dict[str, int],
    method: str,
    url: str,
    data: dict[str, list[str]],
    **extra: Any,
) -> None:
    """Send one garbled request inside a savepoint that is rolled back; assert the contract against the
    ``baseline`` row counts (every example starts from them: the one before was rolled back)."""
    client.cookies = copy.deepcopy(cookies)  # an example that logged out must not log the next one out
    with transaction.atomic():
        response = _send(client, method, url, data, **extra)
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code < 500, f"{method.upper()} {url} answered {response.status_code}"
    if method == "get" or _is_refusal(response):
        changed = {
            table: (baseline[table], after[table]) for table in baseline if baseline[table] != after[table]
        }
        what = "a GET" if method == "get" else f"a refusal ({response.status_code})"
        assert changed == {}, f"{method.upper()} {url}: {what} changed rows"
    event(f"status {response.status_code}")


# --- The sweep ---------------------------------------------------------------------------------------------


def _client_for(route: Route, world: World) -> Client:
    client = Client()
    if not route.is_public:
        client.force_login(world.admin)
    return client


def _forms_of(client: Client, url: str) -> list[PageForm]:
    response = client.get(url)
    assert response.status_code < 500, f"GET {url} answered {response.status_code}"
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    forms = page_forms(response.content.decode(), url)
    logout = reverse("accounts:logout")
    return [form for form in forms if urlsplit(form.action).path != logout]


@pytest.fixture
def world(db, time_machine, settings) -> World:
    time_machine.move_to(NOW, tick=False)
    settings.CANDIDLY_SMS_PROVIDER = ""
    settings.EMAIL_BACKEND = "candidly.messaging.backends.InboxBackend"
    return build_world()


QUERY_FIELDS = ("page", "q", "figure", "next", "status", "stage", "kind", "when", "sort")
POST_FIELDS = ("name", "email", "next", "outcome", "q", "date")


def _bare(url: str, method: str, names: tuple[str, ...]) -> PageForm:
    """A form the page does not have: these names, empty, and the URL's own query parameters."""
    form = PageForm(action=url, method=method)
    for name in names:
        form.fields[name] = FormField(name=name, kind="text")
    for name, value in parse_qsl(urlsplit(url).query):
        form.fields[name] = FormField(name=name, kind="text", value=value)
    return form


def _sweep_form(
    client: Client, cookies: Any, form: PageForm, *, examples: hypothesis_settings = FUZZ
) -> None:
    """Hypothesis submits ``form`` garbled again and again (see :data:`FUZZ` for how many times)."""
    method = "get" if form.method == "get" else "post"
    baseline = row_counts()

    @examples
    @given(data=garbled(form))
    def sweep(data: dict[str, list[str]]) -> None:
        check_example(client, cookies, baseline, method, form.action, data)

    sweep()


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in WEBHOOKS], ids=lambda r: r.name)
def test_bad_input_to_every_form_of_a_page_never_fails_and_never_half_saves(route, world):
    client = _client_for(route, world)
    cookies = copy.deepcopy(client.cookies)
    for url in world.urls_for(route):
        forms = _forms_of(client, url)
        for form in forms:
            _sweep_form(client, cookies, form)
        # Every page: garbage in the query string (pages, searches, filters, "next") must be answered cleanly.
        _sweep_form(client, cookies, _bare(url, "get", QUERY_FIELDS), examples=FUZZ_QUERY)
        if not forms:
            # No form here: a POST of garbage fields must still be answered cleanly (405, 404, a redirect…).
            _sweep_form(client, cookies, _bare(url, "post", POST_FIELDS))


def test_bad_input_sweep_finds_the_forms_it_must_cover(world):
    # A check on the walker: these pages have forms in every build of Candidly, and it finds them.
    found = set()
    for route in ROUTES:
        if route.name in WEBHOOKS:
            continue
        client = _client_for(route, world)
        for url in world.urls_for(route):
            for form in _forms_of(client, url):
                if form.method == "post" and form.fields:
                    found.add(route.name)

    assert {
        "people:candidate-create",
        "people:candidate-edit",
        "people:company-create",
        "people:contact-create",
        "hiring:role-create",
        "hiring:interview-create",
        "hiring:interview-edit",
        "hiring:submission-end",
        "followups:cadence-settings",
        "accounts:agency-settings",
        "messaging:feedback",
        "messaging:withdraw",
        "messaging:cancel",
        "accounts:login",
    } <= found


# --- Webhooks: JSON from email providers, form posts from Twilio. ----------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
POSTMARK_FIELDS = [
    "RawEmail",
    "OriginalRecipient",
    "MessageID",
    "Headers",
    "From",
    "To",
    "Subject",
    "TextBody",
]


@st.composite
def postmark_payloads(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["object", "object", "any", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "any":
        return json.dumps(draw(JSON_VALUE)).encode()
    payload = {
        name: draw(JSON_VALUE | TEXT)
        for name in draw(st.lists(st.sampled_from(POSTMARK_FIELDS), unique=True))
    }
    if draw(st.booleans()):
        # A whole message, each header and the body possibly garbage (NUL, control characters, huge…).
        header = st.one_of(st.sampled_from(["x@y.z", "Re", "<id@x>", "reply+abc@replies.localhost"]), TEXT)
        raw = "".join(
            f"{name}: {draw(header)}\r\n"
            for name in draw(
                st.lists(st.sampled_from(["From", "To", "Subject", "Message-ID", "In-Reply-To"]))
            )
        )
        payload["RawEmail"] = f"{raw}\r\n{draw(TEXT)}"
    return json.dumps(payload).encode()


def test_bad_input_to_the_inbound_email_webhook_never_fails(world, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET}
    client = Client()
    settings.CANDIDLY_INBOUND_PROVIDER = "postmark"
    auth = "Basic " + base64.b64encode(WEBHOOK_SECRET.encode()).decode()
    # The configured provider mostly; now and then another one, or one anymail does not know.
    providers = st.sampled_from(["postmark", "postmark", "postmark", "mailgun", "sendgrid", "x" * 50, "%00"])
    baseline = row_counts()

    @FUZZ
    @given(body=postmark_payloads(), signed=st.booleans(), provider=providers)
    def sweep(body: bytes, signed: bool, provider: str) -> None:
        url = f"/anymail/{provider}/inbound/"
        headers = {"HTTP_AUTHORIZATION": auth} if signed else {}
        with transaction.atomic():
            response = client.post(url, body, content_type="application/json", **headers)
            after = row_counts()
            transaction.set_rollback(True)
        assert response.status_code < 500, f"POST {url} answered {response.status_code}"
        if response.status_code >= 400:
            assert after == baseline
        event(f"status {response.status_code}")

    sweep()


def test_bad_input_to_the_inbound_sms_webhook_never_fails(world, settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    client = Client()
    url = reverse("messaging:sms-inbound-twilio")
    fields = {
        "From": FormField(name="From", kind="tel", value="+14155550123"),
        "Body": FormField(name="Body", kind="textarea", value="Yes please"),
        "MessageSid": FormField(name="MessageSid", kind="text", value="SM123"),
        "To": FormField(name="To", kind="tel", value="+442079460958"),
    }
    form = PageForm(action=url, method="post", fields=fields)
    cookies = copy.deepcopy(client.cookies)
    baseline = row_counts()

    @FUZZ
    @given(data=garbled(form), signed=st.booleans())
    def sweep(data: dict[str, list[str]], signed: bool) -> None:
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for name, values in data.items():
            query.setlist(name, values)
        signature = twilio_signature(settings.CANDIDLY_BASE_URL.rstrip("/") + url, query, TWILIO_TOKEN)
        headers = {"HTTP_X_TWILIO_SIGNATURE": signature if signed else "bad"}
        check_example(client, cookies, baseline, "post", url, data, **headers)

    sweep()
