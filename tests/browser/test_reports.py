"""In Chromium: every report page draws its charts; axe-core finds no serious or critical violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.reports.test_pages import ENDS, SLUGS, busy_desk

RANGE = "?start=2026-03-09&end=2026-03-15"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reports_draw_their_charts_and_pass_axe_in_chromium(desktop_page, live_server):
    from axe_playwright_python.sync_playwright import Axe

    # The history happens on a frozen clock; the browser then logs in on the real one (cookies expire by it).
    with time_machine.travel(ENDS - timedelta(days=1), tick=False) as traveller:
        world = busy_desk(traveller)
    client = Client()
    client.force_login(world.ada)
    desktop_page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    axe = Axe()
    serious = {}
    for slug in SLUGS:
        desktop_page.goto(f"{live_server.url}{reverse('reports:report', args=[slug])}{RANGE}")

        charts = desktop_page.locator("figure.chart svg[role=img]")
        assert charts.count() >= 1, slug
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100, slug
        results = axe.run(desktop_page)
        serious[slug] = sorted(
            violation["id"]
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        )

    assert serious == {slug: [] for slug in SLUGS}
