"""axe-core (axe-playwright-python) on every recruiter page, filled with the demo agency: no serious or
critical violation. The list of pages is checked against the URLconf, so a new page must be added here."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from candidly.accounts.models import User
from candidly.dataio import rows as import_rows
from candidly.dataio import services
from candidly.dataio.models import ImportBatch
from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview, Submission
from candidly.lib.tabular import Table
from candidly.messaging.models import InboxMessage
from candidly.people.models import Candidate, Company, Contact
from candidly.webhooks.endpoints import create_endpoint
from candidly.webhooks.models import WebhookEndpoint
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")
# Routes that are not pages: actions (POST only), files, the htmx partial, the log-out.
NOT_PAGES = {
    "accounts:api-key-revoke",
    "webhooks:endpoint-toggle",
    "hiring:submission-stage",
    "hiring:interview-outcome",
    "hiring:interview-confirm",
    "hiring:interview-invite",
    "hiring:suggestions-send",
    "people:contact-revoke-links",
    "people:candidate-revoke-links",
    "followups:task-done",
    "followups:call-log",
    "followups:update-send",
    "followups:feedback-remind",
    "followups:alert-handled",
    "followups:touchpoint-send-now",
    "followups:touchpoint-skip",
    "followups:touchpoint-move",
    "followups:candidate-pause",
    "followups:interviewer-feedback-ask",
    "messaging:inbox-message-html",
    "messaging:wording-preview",
    "messaging:wording-reset",
    "messaging:reply-accept",
    "messaging:reply-dismiss",
    "reports:report-csv",
    "privacy:candidate-export",
    "privacy:candidate-consent",
    "dataio:import-confirm",
    "dataio:candidate-export",
    "dataio:company-export",
    "dataio:contact-export",
    "dataio:role-export",
    "dataio:submission-export",
    "dataio:interview-export",
    "accounts:logout",
}


def recruiter_routes() -> set[str]:
    """Every named route behind the login, but Django admin's."""

    def walk(patterns: list, namespace: str = ""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                yield from walk(entry.url_patterns, entry.namespace or namespace)
            elif (
                isinstance(entry, URLPattern) and getattr(entry.callback, "login_required", True) is not False
            ):
                yield f"{namespace}:{entry.name}"

    return set(walk(get_resolver().url_patterns))


@pytest.fixture
def demo(settings):
    settings.CANDIDLY_SMS_PROVIDER = ""
    call_command("load_demo", allow_non_sqlite=True, stdout=io.StringIO())


def import_batches(admin: User) -> tuple[ImportBatch, ImportBatch]:
    """A preview with a row of each kind (add, update, skip, error), and an import done."""
    Candidate.objects.filter(pk=Candidate.objects.first().pk).update(email="taken@example.invalid")
    header = ["name", "email", "time_zone"]
    rows = [["Ann New", "ann@example.invalid", ""], ["Renamed", "taken@example.invalid", ""]]
    rows += [["Ann Again", "ann@example.invalid", ""], ["Bad Zone", "bad@example.invalid", "Mars/Base"]]
    table = Table(header=header, rows=rows)
    previewed = services.preview_import(
        owner=admin,
        kind="candidates",
        filename="people.csv",
        columns=header,
        rows=import_rows.validate_rows("candidates", table),
        now=timezone.now(),
    )
    imported = services.preview_import(
        owner=admin,
        kind="companies",
        filename="companies.csv",
        columns=["name"],
        rows=import_rows.validate_rows("companies", Table(header=["name"], rows=[["Axe Test Ltd"]])),
        now=timezone.now(),
    )
    services.confirm_import(imported, actor=admin, now=timezone.now())
    return previewed, imported


def pages() -> dict[str, str]:
    """A URL of each recruiter page, on rows of the demo agency that fill it."""
    now = timezone.now()
    upcoming = Interview.objects.filter(status__in=Interview.UPCOMING_STATUSES, starts_at__gt=now).first()
    marked = Interview.objects.filter(status=Interview.Status.COMPLETED).first()
    ended = Submission.objects.filter(stage__in=Submission.ENDED_STAGES).first()
    open_submission = (
        upcoming.submission if upcoming else Submission.objects.filter(stage="interviewing").first()
    )
    assert upcoming and marked and ended and open_submission
    candidate = Candidate.objects.filter(submissions__interviews__isnull=False).first()
    company, contact = Company.objects.first(), Contact.objects.filter(is_hiring_manager=True).first()
    call = Task.objects.filter(kind=Task.Kind.CALL, candidate__isnull=False).first() or create_task(
        kind=Task.Kind.CALL, title="Call", due_at=now, actor=None, submission=open_submission
    )
    update = create_task(
        kind=Task.Kind.UPDATE_CANDIDATE, title="Update", due_at=now, actor=None, submission=open_submission
    )
    message = InboxMessage.objects.first() or InboxMessage.objects.create(
        subject="Hello", to=["cara@example.invalid"], from_email="a@b.c", text_body="Hi", raw="x"
    )
    role = open_submission.role
    previewed, imported = import_batches(User.objects.get(username="ada"))
    endpoint = WebhookEndpoint.objects.first() or create_endpoint(
        url="https://hooks.example.test/in", event_types=["interview.booked"], actor=None, now=now
    )
    return {
        "dataio:import-upload": "/import/",
        "dataio:import-preview": f"/import/{previewed.pk}/",
        "dataio:import-done": f"/import/{imported.pk}/done/",
        "hiring:today": "/",
        "hiring:role-list": "/roles/",
        "hiring:role-create": "/roles/new/",
        "hiring:role-detail": f"/roles/{role.pk}/",
        "hiring:role-edit": f"/roles/{role.pk}/edit/",
        "hiring:submission-list": "/submissions/",
        "hiring:submission-create": "/submissions/new/",
        "hiring:submission-detail": f"/submissions/{open_submission.pk}/",
        "hiring:interview-create": f"/submissions/{open_submission.pk}/interviews/new/",
        "hiring:interview-list": "/interviews/",
        "hiring:interview-detail": f"/interviews/{upcoming.pk}/",
        "hiring:interview-edit": f"/interviews/{upcoming.pk}/edit/",
        "hiring:interview-cancel": f"/interviews/{upcoming.pk}/cancel/",
        "hiring:interview-correct": f"/interviews/{marked.pk}/correct/",
        "hiring:interview-company-change": f"/interviews/{upcoming.pk}/company-change/",
        "hiring:candidate-events": f"/candidates/{candidate.pk}/events/",
        "hiring:pick": "/pick/candidate/?q=a&next=/submissions/new/",
        "hiring:submission-end": f"/submissions/{open_submission.pk}/end/",
        "hiring:submission-ended": f"/submissions/{ended.pk}/ended/",
        "hiring:submission-tell-candidate": f"/submissions/{ended.pk}/tell-candidate/",
        "people:company-list": "/companies/",
        "people:company-create": "/companies/new/",
        "people:company-detail": f"/companies/{company.pk}/",
        "people:company-edit": f"/companies/{company.pk}/edit/",
        "people:contact-list": "/contacts/",
        "people:contact-create": "/contacts/new/",
        "people:contact-detail": f"/contacts/{contact.pk}/",
        "people:contact-edit": f"/contacts/{contact.pk}/edit/",
        "people:candidate-list": "/candidates/",
        "people:candidate-create": "/candidates/new/",
        "people:candidate-detail": f"/candidates/{candidate.pk}/",
        "people:candidate-edit": f"/candidates/{candidate.pk}/edit/",
        "people:talent-pool": "/talent-pool/",
        "followups:task-list": "/tasks/",
        "followups:task-detail": f"/tasks/{call.pk}/",
        "followups:cadence-settings": "/settings/cadences/",
        "followups:call": f"/calls/{call.pk}/",
        "followups:company-responsiveness": f"/companies/{company.pk}/responsiveness/?figure=responses",
        "followups:contact-responsiveness": f"/contacts/{contact.pk}/responsiveness/?figure=awaiting",
        "followups:planned-list": f"/planned/?interview={upcoming.pk}",
        "followups:update-edit": f"/updates/{update.pk}/",
        "messaging:inbox": "/inbox/",
        "messaging:inbox-message": f"/inbox/{message.pk}/",
        "messaging:wording-list": "/settings/messages/",
        "messaging:wording-edit": "/settings/messages/follow-up-email/",
        "accounts:agency-settings": "/settings/agency/",
        "accounts:api-keys": "/settings/api-keys/",
        "webhooks:endpoint-list": "/settings/webhooks/",
        "webhooks:endpoint-detail": f"/settings/webhooks/{endpoint.pk}/",
        "messaging:reply-review": "/replies/review/",
        "reports:index": "/reports/",
        "reports:report": "/reports/ghosting/",
        "privacy:candidate-erase": f"/candidates/{candidate.pk}/erase/",
        "privacy:contact-erase": f"/contacts/{contact.pk}/erase/",
        "privacy:retention": "/settings/retention/",
        "privacy:audit": "/audit/",
    }


def test_every_recruiter_page_has_no_serious_or_critical_axe_violation(chromium_browser, live_server, demo):
    from axe_playwright_python.sync_playwright import Axe

    admin = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True, time_zone="Europe/London")
    client = Client()
    client.force_login(admin)
    urls = pages()
    assert set(urls) == recruiter_routes() - NOT_PAGES
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    axe = Axe()
    found: dict[str, list[str]] = {}
    try:
        for name, url in urls.items():
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (name, url)
            results = axe.run(page)
            serious = [
                f"{violation['id']} ({violation['impact']}): "
                + "; ".join(node["target"][0] for node in violation["nodes"][:3])
                for violation in results.response["violations"]
                if violation["impact"] in SERIOUS
            ]
            if serious:
                found[url] = serious
    finally:
        context.close()

    assert found == {}
