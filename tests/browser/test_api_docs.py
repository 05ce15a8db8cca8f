"""In Chromium: the API docs page draws Swagger UI from the app's own static files, within the CSP."""

from __future__ import annotations

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_page_renders_under_the_csp_without_a_cdn(desktop_page, live_server):
    problems: list[str] = []
    outside: list[str] = []
    desktop_page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    desktop_page.on(
        "request", lambda request: not request.url.startswith(live_server.url) and outside.append(request.url)
    )

    desktop_page.goto(f"{live_server.url}/api/v1/docs")
    desktop_page.wait_for_selector(".opblock-tag", timeout=15_000)

    assert outside == []
    assert not [text for text in problems if "Content Security Policy" in text], problems
    assert "/api/v1/interviews" in desktop_page.content()
