"""In Chromium: choosing the candidate on /submissions/new/ by searching, with JavaScript (htmx asks for the
matches as you type) and without it (the form's "Search" button, and the plain search page's "Choose")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from candidly.hiring.models import Submission
from tests.factories import CandidateFactory, RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_in_page(chromium_browser, live_server, *, javascript: bool):
    rita = UserFactory(username="rita")
    client = Client()
    client.force_login(rita)
    context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def _agency():
    role = RoleFactory(title="Platform Engineer")
    cara = CandidateFactory(name="Cara Diaz", email="cara@mail.test")
    CandidateFactory(name="Omar Haddad", email="omar@mail.test")
    return role, cara


def test_candidate_picker_with_javascript_type_pick_submit(chromium_browser, live_server):
    role, cara = _agency()
    context, page = _logged_in_page(chromium_browser, live_server, javascript=True)
    try:
        page.goto(f"{live_server.url}/submissions/new/?role={role.pk}")
        page.get_by_label("Candidate").press_sequentially("cara", delay=50)
        choice = page.get_by_role("radio", name="Cara Diaz (cara@mail.test)")
        choice.wait_for()
        assert page.get_by_role("radio", name="Omar Haddad (omar@mail.test)").count() == 0
        choice.check()
        page.get_by_role("button", name="Submit candidate").click()
        page.wait_for_url(f"{live_server.url}/submissions/*/")
    finally:
        context.close()

    submission = Submission.objects.get()
    assert (submission.candidate, submission.role) == (cara, role)


def test_candidate_picker_without_javascript_search_button_then_submit(chromium_browser, live_server):
    role, cara = _agency()
    context, page = _logged_in_page(chromium_browser, live_server, javascript=False)
    try:
        page.goto(f"{live_server.url}/submissions/new/?role={role.pk}")
        page.get_by_label("Candidate").fill("cara")
        page.get_by_label("Note").fill("Strong on Go")
        page.locator("button[name=_pick][value=candidate]").click()
        page.get_by_role("radio", name="Cara Diaz (cara@mail.test)").check()
        assert page.get_by_label("Note").input_value() == "Strong on Go"
        page.get_by_role("button", name="Submit candidate").click()
        page.wait_for_url(f"{live_server.url}/submissions/*/")
    finally:
        context.close()

    submission = Submission.objects.get()
    assert (submission.candidate, submission.role) == (cara, role)


def test_candidate_picker_without_javascript_plain_search_page(chromium_browser, live_server):
    role, cara = _agency()
    context, page = _logged_in_page(chromium_browser, live_server, javascript=False)
    try:
        page.goto(f"{live_server.url}/submissions/new/?role={role.pk}")
        page.get_by_role("link", name="Search candidates on their own page").click()
        page.get_by_label("Search candidates").fill("cara")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Choose").click()
        assert page.get_by_role("radio", name="Cara Diaz (cara@mail.test)").is_checked()
        page.get_by_role("button", name="Submit candidate").click()
        page.wait_for_url(f"{live_server.url}/submissions/*/")
    finally:
        context.close()

    submission = Submission.objects.get()
    assert (submission.candidate, submission.role) == (cara, role)
