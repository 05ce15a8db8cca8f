"""Time the report read models for a year's range on a generated PostgreSQL dataset (no `make scale` yet).

Creates (drops first) the database ``candidly_reports_bench``, migrates it, fills it with SQL
``generate_series`` (people, roles, submissions, interviews, cadence runs, feedback and
``REPORTS_BENCH_EVENTS`` timeline Events over two years, ~8% of them the kinds the reports count), then runs
each report builder ``REPORTS_BENCH_ROUNDS`` times for the last 365 days, for the whole agency and for one
recruiter's desk, and prints ``name: value`` lines (milliseconds, median and p95). See bench/README.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import zoneinfo
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "candidly_reports_bench"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
EVENTS = int(os.environ.get("REPORTS_BENCH_EVENTS", "5000000"))
SUBMISSIONS = int(os.environ.get("REPORTS_BENCH_SUBMISSIONS", "300000"))
ROUNDS = int(os.environ.get("REPORTS_BENCH_ROUNDS", "7"))


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
                locations, remote, min_compensation, currency, notes, consent_at, unsubscribed_at,
                created_at, updated_at)
            SELECT 'Candidate ' || n, 'c' || n || '@mail.test', '', 'Europe/London', 'email',
                (SELECT min(id) FROM accounts_user) + n %% 40, '', 'any', NULL, 'EUR', '', now(), NULL, now(),
                now()
            FROM generate_series(1, %s) n
            """,
            [SUBMISSIONS // 2],
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


def measure() -> None:
    from django.db import connection
    from django.utils import timezone

    from candidly.accounts.models import User
    from candidly.reports import queries
    from candidly.reports.scope import Period, Scope

    now = timezone.now()
    zone = zoneinfo.ZoneInfo("Europe/London")
    today = now.astimezone(zone).date()
    users = {user.pk: user for user in User.objects.all()}
    desk = next(iter(users.values()))
    builders = {
        "ghosting": lambda scope: queries.ghosting(scope, now=now),
        "time_to_answer": lambda scope: queries.time_to_answer(scope, now=now),
        "follow_ups": lambda scope: queries.follow_up_steps(scope, now=now),
        "experience": lambda scope: queries.experience(scope, now=now, users=users),
        "withdrawals": lambda scope: queries.withdrawals(scope, now=now),
        "desk": lambda scope: queries.desk_today(scope, now=now, users=users),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM timeline_event")
        print(f"events: {cursor.fetchone()[0]}")
    for who, recruiter in (("agency", None), ("desk", desk)):
        scope = Scope(
            start=today - timedelta(days=364), end=today, zone=zone, period=Period.MONTH, recruiter=recruiter
        )
        for name, build in builders.items():
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                build(scope)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"{name}_{who}_ms_median: {statistics.median(times):.0f}")
            print(f"{name}_{who}_ms_p95: {p95:.0f}")


def main() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    if "--measure-only" not in sys.argv:
        log("creating and migrating the database…")
        create_database()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if "--measure-only" not in sys.argv:
        started = time.perf_counter()
        fill()
        log(f"filled in {time.perf_counter() - started:.0f} s")
    measure()


if __name__ == "__main__":
    main()
