"""The Reports pages: who sees what, CSV equal to the table, safe charts, a constant number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidly.followups.models import Feedback
from candidly.followups.responses import Answers, record_response
from candidly.hiring.endings.withdraw import Via, withdraw_submission
from candidly.hiring.models import Submission
from candidly.lib.charts import Series, render_chart, sanitize_svg
from candidly.reports.tables import Table, count, text
from tests.banner import BANNER_QUERIES
from tests.reports.support import (
    attended,
    book,
    candidate,
    csv_of,
    make_world,
    no_show,
    run_worker,
    submit,
    tables_of,
)
from tests.reports.test_ghosting import week_of_ghosting

pytestmark = pytest.mark.django_db

SLUGS = ["ghosting", "time-to-answer", "follow-ups", "experience", "withdrawals", "desk"]
ENDS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday 10 March 2026
RANGE = {"start": "2026-03-09", "end": "2026-03-15"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def busy_desk(time_machine, suffix: str = ""):
    """Rita's candidate attends, answers with a score and a comment and asks to be called; Rita does not
    call. Omar's candidate does not show up and withdraws."""
    world = make_world(suffix)
    time_machine.move_to(ENDS - timedelta(hours=6), tick=False)
    ritas = submit(candidate(world.rita, f"Ann{suffix}"), world.role, world.rita)
    omars = submit(candidate(world.omar, f"Bob{suffix}"), world.other_role, world.omar)
    first = book(ritas, world.rita, ENDS - timedelta(hours=1))
    second = book(omars, world.omar, ENDS - timedelta(hours=1))
    time_machine.move_to(ENDS + timedelta(minutes=10), tick=False)
    attended(first, world.rita, ENDS + timedelta(minutes=10))
    no_show(second, world.omar, ENDS + timedelta(minutes=10))
    run_worker(time_machine, ENDS + timedelta(hours=1, minutes=5))
    time_machine.move_to(ENDS + timedelta(hours=2), tick=False)
    record_response(
        person=ritas.candidate,
        interview=first,
        channel=Feedback.Channel.EMAIL,
        received_at=ENDS + timedelta(hours=2),
        answers=Answers(
            enjoyment=5,
            difference="no",
            excitement="yes",
            recommend=9,
            recommend_comment="Great",
            call_me=True,
            call_window="any",
        ),
    )
    withdraw_submission(
        omars, reason=Submission.EndReason.OTHER_OFFER, via=Via.LINK, now=ENDS + timedelta(hours=2)
    )
    time_machine.move_to(ENDS + timedelta(days=1), tick=False)
    return world


# --- who sees what ------------------------------------------------------------------------------------------


def test_reports_anonymous_visitors_are_sent_to_log_in():
    for url in (
        reverse("reports:index"),
        reverse("reports:report", args=["ghosting"]),
        reverse("reports:report-csv", args=["ghosting", "ghosting"]),
    ):
        response = Client().get(url)
        assert (response.status_code, response["Location"]) == (
            302,
            f"{reverse('accounts:login')}?next={url}",
        )


def test_reports_recruiter_sees_only_their_own_desk_even_when_asking_for_another(time_machine):
    world = busy_desk(time_machine)
    client = client_for(world.rita)

    mine = client.get(reverse("reports:report", args=["ghosting"]), RANGE)
    asking = client.get(reverse("reports:report", args=["ghosting"]), {**RANGE, "recruiter": world.omar.pk})

    for response in (mine, asking):
        rows = tables_of(response)["Ghosting per period, both sides"]
        assert rows[1][:6] == ["Week of 9 Mar 2026", "1", "0", "0.0", "0", "0.0"]
        assert "your desk" in response.content.decode()
        assert 'name="recruiter"' not in response.content.decode()


def test_reports_admin_sees_the_whole_agency_or_one_recruiters_desk(time_machine):
    world = busy_desk(time_machine)
    client = client_for(world.ada)

    agency = client.get(reverse("reports:report", args=["ghosting"]), RANGE)
    omars = client.get(reverse("reports:report", args=["ghosting"]), {**RANGE, "recruiter": world.omar.pk})

    assert tables_of(agency)["Ghosting per period, both sides"][1][:6] == [
        "Week of 9 Mar 2026",
        "2",
        "0",
        "0.0",
        "1",
        "50.0",
    ]
    assert tables_of(omars)["Ghosting per period, both sides"][1][:6] == [
        "Week of 9 Mar 2026",
        "1",
        "0",
        "0.0",
        "1",
        "100.0",
    ]
    assert "whole agency" in agency.content.decode()
    assert f"{world.omar}'s desk" in omars.content.decode()


def test_reports_desk_today_is_for_admins_only(time_machine):
    world = busy_desk(time_machine)

    refused = client_for(world.rita).get(reverse("reports:report", args=["desk"]))
    index = client_for(world.rita).get(reverse("reports:index")).content.decode()
    admin_index = client_for(world.ada).get(reverse("reports:index")).content.decode()

    assert refused.status_code == 403
    assert "The desk today" not in index and "The desk today" in admin_index


def test_reports_desk_today_counts_open_processes_overdue_tasks_and_calls_not_made(time_machine):
    world = busy_desk(time_machine)

    response = client_for(world.ada).get(reverse("reports:report", args=["desk"]))

    assert tables_of(response)["The desk today, per recruiter"] == [
        ["Recruiter", "Open processes", "Gone quiet", "Open tasks", "Overdue tasks", "Calls not made"],
        [str(world.ada), "0", "0", "0", "0", "0"],
        [str(world.omar), "0", "0", "1", "1", "0"],
        [str(world.rita), "1", "0", "1", "1", "1"],
        ["Everyone", "1", "0", "2", "2", "1"],
    ]


def test_reports_nav_has_a_reports_entry(recruiter_client):
    page = recruiter_client.get(reverse("hiring:today")).content.decode()

    assert f'<li><a href="{reverse("reports:index")}">Reports</a></li>' in page


def test_reports_filter_by_company_manager_or_role_from_an_id_link(time_machine):
    world = busy_desk(time_machine)
    client = client_for(world.ada)

    response = client.get(reverse("reports:report", args=["ghosting"]), {**RANGE, "manager": world.henry.pk})

    assert tables_of(response)["Ghosting per period, both sides"][1][:6] == [
        "Week of 9 Mar 2026",
        "1",
        "0",
        "0.0",
        "1",
        "100.0",
    ]
    assert f"Manager: {world.henry}" in response.content.decode()


# --- CSV and charts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_reports_csv_equals_the_table_on_the_page(time_machine, slug):
    world, _ = week_of_ghosting(time_machine)
    busy_desk(time_machine, "-2")
    client = client_for(world.ada)
    params = {"start": "2026-03-02", "end": "2026-03-22"}

    page = client.get(reverse("reports:report", args=[slug]), params)
    shown = tables_of(page)

    assert page.status_code == 200
    slugs = re.findall(rf"/reports/{slug}/([a-z-]+)\.csv", page.content.decode())
    assert len(slugs) == len(shown) >= 1
    for table_slug, (caption, rows) in zip(slugs, shown.items(), strict=True):
        download = client.get(reverse("reports:report-csv", args=[slug, table_slug]), params)
        assert csv_of(download) == rows, caption


@pytest.mark.parametrize("slug", SLUGS)
def test_reports_svg_charts_carry_no_script_and_are_titled(time_machine, slug):
    world = busy_desk(time_machine)

    page = client_for(world.ada).get(reverse("reports:report", args=[slug]), RANGE).content.decode()

    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert charts
    for svg in charts:
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", svg, flags=re.I)
        chart_id = re.match(r'<svg[^>]*\sid="([a-z-]+)"', svg).group(1)
        assert f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert re.search(
            rf'<title id="{chart_id}-title">[^<]+</title><desc id="{chart_id}-desc">[^<]+</desc>', svg
        )


def test_chart_sanitizer_drops_scripts_handlers_styles_and_links():
    hostile = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
        '<script>alert(1)</script><style>*{}</style><g style="opacity:0" id="dup" onclick="y()">'
        '<a xlink:href="javascript:z()"><text>t</text></a><rect class="bar" width="1" height="1"/></g></svg>'
    )

    clean = sanitize_svg(hostile, chart_id="chart-x", title="A title", description="A description")

    assert clean == (
        '<svg xmlns="http://www.w3.org/2000/svg" id="chart-x" role="img" '
        'aria-labelledby="chart-x-title chart-x-desc" focusable="false" font-family="system-ui, sans-serif">'
        '<title id="chart-x-title">A title</title><desc id="chart-x-desc">A description</desc>'
        '<g><rect class="bar" width="1" height="1" /></g></svg>'
    )


def test_render_chart_gives_pygal_svg_without_script():
    svg = render_chart(
        kind="line",
        chart_id="chart-t",
        title="T",
        description="D",
        labels=["a", "b"],
        series=[Series("s", [1.0, None])],
    )

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="pygal-chart"')
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg


# --- a constant number of queries ---------------------------------------------------------------------------


def _queries(client: Client, slug: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports:report", args=[slug]), RANGE)
    assert response.status_code == 200
    return len(captured)


# session, user, staff list, the rollup's state, and each report's own queries read from the
# records (see candidly/reports/queries.py); tests/reports/test_rollup.py counts them read from the rollup.
EXPECTED_QUERIES = {
    "ghosting": 7,
    "time-to-answer": 5,
    "follow-ups": 5,
    "experience": 6,
    "withdrawals": 5,
    "desk": 6,
}


@pytest.mark.parametrize("slug", SLUGS)
def test_reports_page_runs_a_constant_number_of_queries(time_machine, django_assert_num_queries, slug):
    world = busy_desk(time_machine)
    client = client_for(world.ada)
    client.get(reverse("reports:report", args=[slug]), RANGE)  # warm the session
    small = _queries(client, slug)
    busy_desk(time_machine, "-2")
    busy_desk(time_machine, "-3")

    with django_assert_num_queries(EXPECTED_QUERIES[slug] + BANNER_QUERIES):
        response = client.get(reverse("reports:report", args=[slug]), RANGE)

    assert response.status_code == 200
    assert small == EXPECTED_QUERIES[slug] + BANNER_QUERIES


def test_reports_company_contact_and_role_pages_link_to_their_filtered_reports(time_machine):
    world = busy_desk(time_machine)
    client = client_for(world.rita)

    company = client.get(reverse("people:company-detail", args=[world.company.pk])).content.decode()
    contact = client.get(reverse("people:contact-detail", args=[world.henry.pk])).content.decode()
    role = client.get(reverse("hiring:role-detail", args=[world.role.pk])).content.decode()

    assert f'href="/reports/ghosting/?company={world.company.pk}">Reports</a>' in company
    assert f'href="/reports/time-to-answer/?manager={world.henry.pk}">Reports</a>' in contact
    assert f'href="/reports/ghosting/?role={world.role.pk}">Reports</a>' in role


def test_reports_pages_only_read(admin_client_):
    response = admin_client_.post(reverse("reports:report", args=["ghosting"]))

    assert response.status_code == 405


def test_report_table_rows_escape_what_people_typed():
    # The rows are written in Python (reports.tables.Table.body_html), not by the template's autoescape.
    table = Table("t", "Caption", ["Company", "Feedback given"])
    table.rows.append([text('<b>Acme & "Co"</b>', "/companies/1/?a=1&b=2"), count(3)])
    table.rows.append([text("<script>x</script>"), text("it's")])
    table.total = [text("Whole <range>"), count(3)]

    assert table.body_html() == (
        '<tr><th scope="row"><a href="/companies/1/?a=1&amp;b=2">&lt;b&gt;Acme &amp; &quot;Co&quot;&lt;/b&gt;'
        "</a></th><td>3</td></tr>\n"
        '<tr><th scope="row">&lt;script&gt;x&lt;/script&gt;</th><td>it&#x27;s</td></tr>'
    )
    assert table.total_html() == '<tr><th scope="row">Whole &lt;range&gt;</th><td>3</td></tr>'
