"""Time the report pages for a year's range on a generated PostgreSQL dataset, read from the daily rollup.

Creates (drops first) the database ``candidly_rollup`` (``REPORTS_BENCH_DB``), migrates it, fills it with SQL
``generate_series`` (people, roles, ``REPORTS_BENCH_CANDIDATES`` candidates, submissions, interviews, cadence
runs, feedback and ``REPORTS_BENCH_EVENTS`` timeline Events over two years, ~8% of them the kinds the
reports count), rebuilds the rollup (``rollup_rebuild_s``), adds ``REPORTS_BENCH_REFRESH_EVENTS`` new Events
(a tenth of them for old days) and times the worker's incremental refresh, then requests every report page
(``report_paths``: a year's range, per week) ``REPORTS_BENCH_ROUNDS`` times as an admin, for the whole agency
and for one recruiter's desk, and prints ``p95_ms <path>: X`` and ``reports_worst_p95_ms: X``.
``--measure-only`` re-times an existing database. See bench/README.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("REPORTS_BENCH_DB", "candidly_rollup")
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
EVENTS = int(os.environ.get("REPORTS_BENCH_EVENTS", "5000000"))
SUBMISSIONS = int(os.environ.get("REPORTS_BENCH_SUBMISSIONS", "300000"))
CANDIDATES = int(os.environ.get("REPORTS_BENCH_CANDIDATES", "1000000"))
ROUNDS = int(os.environ.get("REPORTS_BENCH_ROUNDS", "20"))
REFRESH_EVENTS = int(os.environ.get("REPORTS_BENCH_REFRESH_EVENTS", "5000"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def create_database() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)  # noqa: S603, S607
    env = {**os.environ, "DATABASE_URL": URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


FILL = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
    is_active, date_joined, role, phone, time_zone)
SELECT '!', false, 'r' || n, 'Recruiter', n::text, 'r' || n || '@agency.test', false, true, now(),
    'recruiter', '', 'Europe/London' FROM generate_series(1, 40) n;
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
    is_active, date_joined, role, phone, time_zone)
VALUES ('!', false, 'admin', 'Agency', 'Admin', 'admin@agency.test', true, true, now(), 'admin', '',
    'Europe/London');
INSERT INTO people_company (name, website, country, time_zone, notes, created_at, updated_at)
SELECT 'Company ' || n, '', 'GB', 'Europe/London', '', now(), now() FROM generate_series(1, 400) n;
INSERT INTO people_contact (company_id, name, title, email, phone, time_zone, is_hiring_manager,
    created_at, updated_at)
SELECT (SELECT min(id) FROM people_company) + n % 400, 'Manager ' || n, '', 'm' || n || '@c.test', '',
    'Europe/London', true, now(), now() FROM generate_series(1, 1600) n;
INSERT INTO hiring_role (company_id, title, hiring_manager_id, recruiter_id, location, workplace, currency,
    description, status, created_at, updated_at)
SELECT c.company_id, 'Role ' || c.id, c.id, (SELECT min(id) FROM accounts_user) + c.id % 40, '', 'hybrid',
    'EUR', '', 'open', now(), now() FROM people_contact c;
"""


def fill() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FILL.replace("%", "%%"), [])
        cursor.execute(
            """
            INSERT INTO people_candidate (name, email, phone, time_zone, preferred_channel, recruiter_id,
                locations, remote, min_compensation, currency, notes, consent_at, consent_how,
                consent_withdrawn_how, unsubscribed_at, created_at, updated_at, country)
            SELECT 'Candidate ' || n, 'c' || n || '@mail.test', '', 'Europe/London', 'email',
                (SELECT min(id) FROM accounts_user) + n %% 40, '', 'any', NULL, 'EUR', '', now(), 'form', '',
                NULL, now(), now(), 'GB'
            FROM generate_series(1, %s) n
            """,
            [CANDIDATES],
        )
        cursor.execute(
            """
            INSERT INTO hiring_submission (candidate_id, role_id, recruiter_id, stage, end_reason, end_note,
                ended_at, gone_quiet_at, open_to_other_roles, share_reason_with_company, withdrawal_wants,
                created_at, updated_at)
            SELECT (SELECT min(id) FROM people_candidate) + n %% %s,
                (SELECT min(id) FROM hiring_role) + n %% 1600,
                NULL, CASE WHEN n %% 3 = 0 THEN 'interviewing' ELSE 'withdrawn' END,
                CASE WHEN n %% 3 = 0 THEN '' ELSE 'compensation' END, '',
                CASE WHEN n %% 3 = 0 THEN NULL ELSE now() - (n %% 730) * interval '1 day' END,
                NULL, NULL, false, '{}', now(), now()
            FROM generate_series(1, %s) n
            """,
            [SUBMISSIONS // 2, SUBMISSIONS],
        )
        cursor.execute(
            """
            INSERT INTO hiring_interview (submission_id, round, starts_at, ends_at, time_zone, format,
                video_url, address, status, sequence, notes, created_by_id, created_at, updated_at)
            SELECT s.id, 1, now() - (s.id %% 730) * interval '1 day', now() - (s.id %% 730) * interval '1 day'
                + interval '1 hour', 'Europe/London', 'phone', '', '', 'completed', 0, '', NULL, now(), now()
            FROM hiring_submission s
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO followups_cadencerun (interview_id, audience, candidate_id, contact_id, planned_at,
                respond_by, responded_at)
            SELECT i.id, 'hiring_manager', NULL, r.hiring_manager_id, i.ends_at,
                i.ends_at + interval '2 days',
                CASE WHEN i.id %% 4 = 0 THEN NULL ELSE i.ends_at + (i.id %% 90) * interval '1 hour' END
            FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
            JOIN hiring_role r ON r.id = s.role_id
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO followups_feedback (interview_id, candidate_id, contact_id, channel, enjoyment,
                difference, difference_note, excitement, call_me, call_window, verdict, notes,
                recommend_score, recommend_comment, recorded_by_id, created_at, updated_at)
            SELECT i.id, s.candidate_id, NULL, 'form', 4, 'no', '', 'yes', false, '', '', '', i.id %% 11,
                CASE WHEN i.id %% 7 = 0 THEN 'A comment' ELSE '' END, NULL, i.ends_at + interval '5 hours',
                i.ends_at + interval '5 hours'
            FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id WHERE i.id %% 2 = 0
            """,
            [],
        )
        log("events…")
        cursor.execute(
            """
            INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                company_id, contact_id, submission_id, interview_id, data)
            SELECT now() - (n %% 730) * interval '1 day' - (n %% 86400) * interval '1 second',
                (ARRAY['interview.completed', 'interview.no_show', 'interview.late_cancellation',
                       'followup.responded', 'followup.manager_responded', 'followup.escalated',
                       'submission.gone_quiet', 'interview.cancelled_with_notice'])[1 + n %% 8],
                '', 'system', NULL, s.candidate_id, r.company_id, r.hiring_manager_id, s.id, NULL,
                jsonb_build_object('response_seconds', n %% 200000, 'channel', 'form', 'after_step', 'nudge',
                                   'within_window', n %% 2 = 0)
            FROM generate_series(1, %s) n
            JOIN hiring_submission s ON s.id = (SELECT min(id) FROM hiring_submission) + n %% %s
            JOIN hiring_role r ON r.id = s.role_id
            """,
            [EVENTS // 12, SUBMISSIONS],
        )
        # The rest of the timeline: kinds the reports never read (messages sent, tasks), same table.
        cursor.execute(
            """
            INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, data)
            SELECT now() - (n %% 730) * interval '1 day', (ARRAY['touchpoint.sent', 'task.created',
                'followup.planned', 'call.logged'])[1 + n %% 4], '', 'system', '{}'
            FROM generate_series(1, %s) n
            """,
            [EVENTS - EVENTS // 12],
        )
        cursor.execute("ANALYZE")


def percentile_95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def build_rollup() -> None:
    from django.utils import timezone

    from candidly.reports.rollup import rebuild_rollup

    started = time.perf_counter()
    rows = rebuild_rollup(now=timezone.now())
    print(f"rollup_rows: {rows}")
    print(f"rollup_rebuild_s: {time.perf_counter() - started:.1f}")


def measure_refresh() -> None:
    """A busy day's new Events, then the worker's incremental refresh until it has caught up: 1,000 new
    processes with ``REPORTS_BENCH_REFRESH_EVENTS`` Events today, and 1% of them late ones for old days of
    existing processes (an outcome corrected, a response recorded late)."""
    from django.db import connection
    from django.utils import timezone

    from candidly.reports.rollup import refresh_rollup

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO hiring_submission (candidate_id, role_id, recruiter_id, stage, end_reason, end_note,
                ended_at, gone_quiet_at, open_to_other_roles, share_reason_with_company, withdrawal_wants,
                created_at, updated_at)
            SELECT (SELECT min(id) FROM people_candidate) + (n * 7919 + o.offset) %% %s,
                (SELECT min(id) FROM hiring_role) + n %% 1600, NULL, 'interviewing', '', '', NULL, NULL, NULL,
                false, '{}', now(), now()
            FROM generate_series(1, 1000) n, (SELECT floor(random() * 1000000)::int AS offset) o
            ON CONFLICT DO NOTHING
            """,
            [CANDIDATES],
        )
        cursor.execute(
            """
            INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, candidate_id, company_id,
                contact_id, submission_id, data)
            SELECT CASE WHEN n %% 100 = 0 THEN now() - (n %% 300) * interval '1 day'
                    ELSE now() - (n %% 600) * interval '1 minute' END,
                (ARRAY['interview.completed', 'followup.responded', 'followup.manager_responded',
                       'submission.gone_quiet'])[1 + n %% 4],
                '', 'system', s.candidate_id, r.company_id, r.hiring_manager_id, s.id,
                jsonb_build_object('response_seconds', n * 37, 'channel', 'email', 'after_step', 'nudge',
                                   'within_window', true)
            FROM generate_series(1, %s) n
            JOIN hiring_submission s ON s.id = CASE WHEN n %% 100 = 0
                THEN (SELECT min(id) FROM hiring_submission) + (n * 7919) %% %s
                ELSE (SELECT max(id) FROM hiring_submission) - n %% 1000 END
            JOIN hiring_role r ON r.id = s.role_id
            """,
            [REFRESH_EVENTS, SUBMISSIONS],
        )
    started = time.perf_counter()
    passes = cells = 0
    while True:
        passes += 1
        report = refresh_rollup(now=timezone.now())
        cells += report.cells
        if not report.behind:
            break
    print(f"rollup_refresh_events: {REFRESH_EVENTS}")
    print(f"rollup_refresh_passes: {passes}")
    print(f"rollup_refresh_cells: {cells}")
    print(f"rollup_refresh_s: {time.perf_counter() - started:.2f}")


def measure() -> None:
    """Each report page for a year's range, as an admin (whole agency) and for one recruiter's desk, through
    Django's test client (the whole request: session, banner, queries, charts, template)."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from report_paths import report_paths

    from candidly.accounts.models import User
    from candidly.reports.rollup import reporting_zone, rollup_as_of

    zone = reporting_zone()
    today = timezone.now().astimezone(zone).date()
    print(f"rollup_in_use: {rollup_as_of(zone) is not None}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM timeline_event")
        print(f"events: {cursor.fetchone()[0]}")
        cursor.execute("SELECT count(*) FROM reports_dailyfigure")
        print(f"daily_figures: {cursor.fetchone()[0]}")
    admin = User.objects.filter(role=User.Role.ADMIN).first()
    desk = User.objects.filter(role=User.Role.RECRUITER).order_by("pk").first()
    assert admin is not None and desk is not None
    client = Client()
    client.force_login(admin)
    worst = 0.0
    for path in [*report_paths(today), *report_paths(today, recruiter=desk.pk)]:
        for _ in range(2):  # warm: the session, the connection, the template cache
            assert client.get(path).status_code == 200
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
        p95 = percentile_95(times)
        worst = max(worst, p95)
        print(f"p95_ms {path}: {p95:.0f}")
        print(f"median_ms {path}: {statistics.median(times):.0f}", file=sys.stderr)
    print(f"reports_worst_p95_ms: {worst:.0f}")


def main() -> None:
    os.environ["DATABASE_URL"] = URL
    # The test client's host; the pages are requested in-process.
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    if "--measure-only" not in sys.argv:
        log("creating and migrating the database…")
        create_database()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    if "--measure-only" not in sys.argv:
        started = time.perf_counter()
        fill()
        log(f"filled in {time.perf_counter() - started:.0f} s")
        print(f"fill_s: {time.perf_counter() - started:.0f}")
        build_rollup()
    if "--refresh" in sys.argv or "--measure-only" not in sys.argv:
        measure_refresh()
    measure()


if __name__ == "__main__":
    main()
