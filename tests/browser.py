"""Playwright (Python) driving Debian's Chromium; browser downloads are impossible here."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CANDIDLY_CHROMIUM", "/usr/bin/chromium")
# Without these flags Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}


def chromium_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (make test installs it)"
    return None


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[object]:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server uses another thread,
    # but fixtures touching the ORM from the test thread must be allowed.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium_browser, live_server) -> Iterator[object]:
    """A fresh phone-sized page with JavaScript disabled: public pages must work without it."""
    context = chromium_browser.new_context(viewport=PHONE_VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium_browser, live_server) -> Iterator[object]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
