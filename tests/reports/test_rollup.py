"""The reports' daily rollup: kept by the worker, read by the pages, equal to reading the records.

Every metric test also runs on the rollup (tests/reports/reading.py); these tests cover what is the rollup's
own: the worker keeping it, pages reading it (figures up to the last refresh, a constant number of queries),
a correction for an old day, a feedback window ending with no Event, bounded passes, the reporting zone
changing, and the rebuild command.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from candidly.followups.models import CadenceRun
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import correct_interview_outcome
from candidly.hiring.services.roles import update_role
from candidly.reports import facts, queries, rollup
from candidly.reports.models import DailyFigure, OpenProcess, ResponseTime, RollupState, SharedComment
from candidly.reports.scope import Scope
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.reports.conftest import start_rollup
from tests.reports.reading import rollup_rows, shown
from tests.reports.support import attended, book, candidate, make_world, no_show, submit, tables_of
from tests.reports.test_pages import ENDS, RANGE, busy_desk, client_for

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DATED = ["ghosting", "time-to-answer", "follow-ups", "experience", "withdrawals"]


def worker_checks(time_machine, moment: datetime) -> None:
    """One pass of a worker with its periodic checks on (as ``run_worker`` runs it), at ``moment``."""
    time_machine.move_to(moment, tick=False)
    Worker(worker_id="rollup-test", checks_every_seconds=30).run_batch()


def page(client, slug: str, **extra: object):
    response = client.get(reverse("reports:report", args=[slug]), {**RANGE, **extra})
    assert response.status_code == 200
    return response


# --- pages read the rollup the worker keeps -----------------------------------------------------------------


@pytest.mark.parametrize("slug", DATED)
def test_rollup_page_shows_the_same_tables_as_the_records_up_to_the_workers_last_pass(time_machine, slug):
    start_rollup()
    world = busy_desk(time_machine)
    worker_checks(time_machine, ENDS + timedelta(days=1))
    client = client_for(world.ada)

    rolled = page(client, slug)
    RollupState.objects.all().delete()
    direct = page(client, slug)

    assert tables_of(rolled) == tables_of(direct)
    assert "Figures up to 11 Mar 2026, 15:00" in rolled.content.decode()
    assert "Figures read from the records" in direct.content.decode()


def test_rollup_desk_today_counts_open_processes_up_to_the_last_pass_and_tasks_now(time_machine):
    start_rollup()
    world = busy_desk(time_machine)
    worker_checks(time_machine, ENDS + timedelta(days=1))
    client = client_for(world.ada)

    rolled = page(client, "desk")
    RollupState.objects.all().delete()
    direct = page(client, "desk")

    assert tables_of(rolled) == tables_of(direct)
    assert tables_of(rolled)["The desk today, per recruiter"][3][:2] == ["Rita Recruiter", "1"]
    assert "Open processes up to 11 Mar 2026, 15:00" in rolled.content.decode()


def test_rollup_page_shows_a_new_event_only_after_the_next_pass(time_machine):
    start_rollup()
    world = make_world()
    worker_checks(time_machine, ENDS - timedelta(hours=6))
    process = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    interview = book(process, world.rita, ENDS - timedelta(hours=1))
    time_machine.move_to(ENDS, tick=False)
    no_show(interview, world.rita, ENDS)
    client = client_for(world.ada)

    before = tables_of(page(client, "ghosting"))["Ghosting per period, both sides"]
    worker_checks(time_machine, ENDS + timedelta(minutes=1))
    after = tables_of(page(client, "ghosting"))["Ghosting per period, both sides"]

    assert before[1][:6] == ["Week of 9 Mar 2026", "0", "0", "—", "0", "—"]
    assert after[1][:6] == ["Week of 9 Mar 2026", "1", "0", "0.0", "1", "100.0"]


ROLLED_QUERIES = {
    # session, user, staff list, the rollup's state, then the report's reads of the rollup (figures.py).
    "ghosting": 5,
    "time-to-answer": 8,  # the hour histogram, its median hours' times, managers and companies: 3 reads
    "follow-ups": 5,
    "experience": 7,
    "withdrawals": 5,
    "desk": 6,
}


@pytest.mark.parametrize("slug", [*DATED, "desk"])
def test_rollup_page_runs_a_constant_number_of_queries(time_machine, django_assert_num_queries, slug):
    start_rollup()
    world = busy_desk(time_machine)
    worker_checks(time_machine, ENDS + timedelta(days=1))
    client = client_for(world.ada)
    page(client, slug)  # warm the session
    with django_assert_num_queries(ROLLED_QUERIES[slug] + BANNER_QUERIES):
        page(client, slug)
    busy_desk(time_machine, "-2")
    busy_desk(time_machine, "-3")
    worker_checks(time_machine, ENDS + timedelta(days=1, minutes=1))

    with django_assert_num_queries(ROLLED_QUERIES[slug] + BANNER_QUERIES):
        response = page(client, slug)

    assert "up to 11 Mar 2026, 15:01" in response.content.decode()


# --- what makes a day stale ---------------------------------------------------------------------------------


def ann_missed_on_2_march(time_machine):
    """The rollup started, then Ann submitted, booked at 11:00 on Monday 2 March 2026 and marked a no-show at
    12:30 (the clock left there): (world, the interview, when it was marked)."""
    start_rollup()
    world = make_world()
    time_machine.move_to(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False)
    process = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    interview = book(process, world.rita, datetime(2026, 3, 2, 11, tzinfo=UTC))
    missed = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    time_machine.move_to(missed, tick=False)
    no_show(interview, world.rita, missed)
    return world, interview, missed


def test_rollup_late_correction_moves_the_count_of_the_original_day(time_machine):
    world, interview, _ = ann_missed_on_2_march(time_machine)
    rollup.refresh_rollup(now=datetime(2026, 3, 3, tzinfo=UTC))
    scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 22), zone=LONDON)
    corrected_at = datetime(2026, 3, 20, 10, tzinfo=UTC)
    time_machine.move_to(corrected_at, tick=False)

    correct_interview_outcome(
        interview, to=Interview.Status.COMPLETED, reason="She did come", actor=world.rita, now=corrected_at
    )
    report = rollup.refresh_rollup(now=corrected_at)

    rolled = queries.ghosting(scope, now=corrected_at, rolled=True)
    assert date(2026, 3, 2) in report.days
    assert [[cell.text for cell in row[:6]] for row in rolled.table("ghosting").rows] == [
        ["Week of 2 Mar 2026", "1", "0", "0.0", "0", "0.0"],
        ["Week of 9 Mar 2026", "0", "0", "—", "0", "—"],
        ["Week of 16 Mar 2026", "0", "0", "—", "0", "—"],
    ]
    assert shown(rolled) == shown(queries.ghosting(scope, now=corrected_at))


def test_rollup_role_given_another_hiring_manager_moves_its_processes_figures(time_machine):
    world, _, missed = ann_missed_on_2_march(time_machine)
    rollup.refresh_rollup(now=missed)
    later = datetime(2026, 3, 20, 10, tzinfo=UTC)
    time_machine.move_to(later, tick=False)

    update_role(world.role, changes={"hiring_manager": world.henry}, actor=world.ada)
    rollup.refresh_rollup(now=later)

    def interviews(manager) -> str:
        scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 22), zone=LONDON, manager=manager)
        rolled = queries.ghosting(scope, now=later, rolled=True)
        assert shown(rolled) == shown(queries.ghosting(scope, now=later))
        return rolled.table("ghosting").total[1].text  # type: ignore[union-attr]

    assert (interviews(world.henry), interviews(world.hannah)) == ("1", "0")


def test_rollup_counts_an_event_whose_transaction_commits_long_after_later_ones(time_machine):
    _, _, missed = ann_missed_on_2_march(time_machine)
    # The no-show's id is taken, but its transaction has not committed when the worker reads.
    late = Event.objects.get(kind="interview.no_show")
    Event.objects.filter(pk=late.pk)._raw_delete(Event.objects.db)  # type: ignore[attr-defined]
    rollup.refresh_rollup(now=missed)
    Event.objects.bulk_create(
        Event(kind="task.created", summary="Other work", actor_type="system", occurred_at=missed)
        for _ in range(600)
    )
    rollup.refresh_rollup(now=missed + timedelta(minutes=1))
    late._state.adding = True
    late.save(force_insert=True)  # it commits now, 600 ids later

    report = rollup.refresh_rollup(now=missed + timedelta(minutes=2))

    scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 8), zone=LONDON)
    rolled = queries.ghosting(scope, now=missed, rolled=True)
    assert date(2026, 3, 2) in report.days
    assert (
        rolled.table("ghosting").total[1:5]
        == queries.ghosting(scope, now=missed).table("ghosting").total[1:5]
    )
    assert [cell.text for cell in rolled.table("ghosting").total[1:5]] == ["1", "0", "0.0", "1"]  # type: ignore[union-attr]
    assert late.pk not in [pk for pk, _ in RollupState.objects.get().pending]


def test_rollup_feedback_window_ending_without_an_event_becomes_overdue(time_machine):
    start_rollup()
    world = make_world()
    time_machine.move_to(ENDS - timedelta(hours=6), tick=False)
    process = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    interview = book(process, world.rita, ENDS - timedelta(hours=1))
    time_machine.move_to(ENDS, tick=False)
    attended(interview, world.rita, ENDS)
    respond_by = CadenceRun.objects.get(interview=interview, audience="hiring_manager").respond_by
    assert respond_by is not None
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)
    events = Event.objects.count()

    rollup.refresh_rollup(now=respond_by - timedelta(minutes=1))
    before = queries.ghosting(scope, now=respond_by - timedelta(minutes=1), rolled=True)
    rollup.refresh_rollup(now=respond_by + timedelta(minutes=1))
    after = queries.ghosting(scope, now=respond_by + timedelta(minutes=1), rolled=True)

    assert Event.objects.count() == events
    assert before.table("ghosting").total[8].text == "0"  # type: ignore[union-attr]
    assert after.table("ghosting").total[8].text == "1"  # type: ignore[union-attr]
    assert shown(after) == shown(queries.ghosting(scope, now=respond_by + timedelta(minutes=1)))


def test_rollup_refresh_is_bounded_and_catches_up_over_passes(time_machine, monkeypatch):
    start_rollup()
    busy_desk(time_machine)
    monkeypatch.setattr(rollup, "WINDOW_IDS", 5)
    monkeypatch.setattr(rollup, "WINDOWS_PER_REFRESH", 2)
    now = ENDS + timedelta(days=1)
    newest = Event.objects.order_by("-pk").values_list("pk", flat=True).first()

    passes = [rollup.refresh_rollup(now=now)]
    while passes[-1].behind:
        passes.append(rollup.refresh_rollup(now=now))

    assert RollupState.objects.get().event_id == newest
    assert len(passes) == -(-(newest or 0) // 10)
    incremental = rollup_rows()
    rollup.rebuild_rollup(now=now)
    assert rollup_rows() == incremental != []


# --- the reporting zone ------------------------------------------------------------------------------------


def test_rollup_is_rebuilt_when_the_agency_zone_changes_and_counts_its_local_days(time_machine):
    start_rollup()
    world = make_world()
    time_machine.move_to(datetime(2026, 3, 5, 9, tzinfo=UTC), tick=False)
    process = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    # Sunday 8 March 23:30 UTC: still Sunday in London, already Monday 9 March in Berlin.
    interview = book(process, world.rita, datetime(2026, 3, 8, 21, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), tick=False)
    no_show(interview, world.rita, datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    now = datetime(2026, 3, 16, 9, tzinfo=UTC)
    worker_checks(time_machine, now)
    client = client_for(world.ada)
    london = tables_of(page(client, "ghosting", start="2026-03-02", end="2026-03-15"))

    with override_settings(CANDIDLY_DEFAULT_TIME_ZONE="Europe/Berlin"):
        stale = page(client, "ghosting", start="2026-03-02", end="2026-03-15").content.decode()
        worker_checks(time_machine, now + timedelta(minutes=1))
        berlin = page(client, "ghosting", start="2026-03-02", end="2026-03-15")
        scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 15), zone=BERLIN)
        assert shown(queries.ghosting(scope, now=now, rolled=True)) == shown(queries.ghosting(scope, now=now))

    weeks = [row[:2] for row in london["Ghosting per period, both sides"][1:3]]
    assert weeks == [["Week of 2 Mar 2026", "1"], ["Week of 9 Mar 2026", "0"]]
    assert "Days in the agency's time zone (Europe/Berlin). Figures read from the records" in stale
    assert RollupState.objects.get().zone == "Europe/Berlin"
    assert "Figures up to 16 Mar 2026, 10:01" in berlin.content.decode()
    berlin_weeks = [row[:2] for row in tables_of(berlin)["Ghosting per period, both sides"][1:3]]
    assert berlin_weeks == [["Week of 2 Mar 2026", "0"], ["Week of 9 Mar 2026", "1"]]


def test_rollup_every_viewer_reads_the_agency_zones_days(time_machine):
    start_rollup()
    world = busy_desk(time_machine)
    worker_checks(time_machine, ENDS + timedelta(days=1))

    ada = tables_of(page(client_for(world.ada), "ghosting", recruiter=world.omar.pk))
    omar = tables_of(page(client_for(world.omar), "ghosting"))  # Omar's own zone is Berlin

    assert ada == omar


# --- the rebuild command -----------------------------------------------------------------------------------


def test_rebuild_report_rollup_command_rebuilds_what_the_worker_kept(time_machine):
    start_rollup()
    busy_desk(time_machine)
    worker_checks(time_machine, ENDS + timedelta(days=1))
    kept = rollup_rows()
    DailyFigure.objects.all().delete()
    out = io.StringIO()

    call_command("rebuild_report_rollup", stdout=out)

    assert rollup_rows() == kept != []
    rows = sum(model.objects.count() for model in (DailyFigure, ResponseTime, OpenProcess, SharedComment))
    assert out.getvalue().startswith(f"Report rollup rebuilt in Europe/London: {rows} rows in ")
    assert RollupState.objects.get().event_id == Event.objects.order_by("-pk").first().pk  # type: ignore[union-attr]


def test_the_hour_histograms_index_names_every_hour_metric():
    # models.py spells the metrics out (a migration must not import the rollup): a renamed metric would
    # leave the pages' histogram reads on a heap page per row.
    index = next(i for i in DailyFigure._meta.indexes if i.name == "daily_figure_answer_hour_idx")
    assert index.condition is not None
    assert set(dict(index.condition.children)["metric__in"]) == set(rollup.ANSWER_HOUR_METRICS.values())


def test_the_escalations_index_names_every_escalation_kind():
    index = next(i for i in DailyFigure._meta.indexes if i.name == "daily_figure_escalation_idx")
    assert index.condition is not None
    assert set(dict(index.condition.children)["metric__in"]) == set(facts.ESCALATION_KINDS)


def test_the_manager_answer_indexes_name_the_managers_response_kind():
    # The managers' and companies' medians filter on this kind: an index for another kind is never used.
    for name in ("response_time_manager_idx", "response_time_mgr_company_idx"):
        index = next(i for i in ResponseTime._meta.indexes if i.name == name)
        assert index.condition is not None
        assert dict(index.condition.children)["kind"] == EventKind.FOLLOWUP_MANAGER_RESPONDED
