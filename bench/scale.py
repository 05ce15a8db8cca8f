"""``make scale``: a realistic agency of ``SCALE_CANDIDATES`` candidates in PostgreSQL, then every recruiter
page timed through real HTTP and the worker's periodic checks measured on it. See bench/README.md.

Figures go to stdout (``p95_ms <path>: X bytes: N`` per page, then ``worst_*``, ``load_s``,
``worker_check_rss_mb``, ``worker_sigterm_exit_s``); progress goes to stderr. The database
``candidly_scale`` (``SCALE_DB``) is dropped and loaded again unless ``SCALE_REUSE=1`` finds it already
loaded at the same size; it is left in place for inspection.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, this folder (which holds bench.py) comes first on sys.path: the repository must, so that
# ``bench`` is this folder as a package, like in the tests.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import PG_SERVER_URL, PYTHON, REPO, ensure_postgres, figure, say  # noqa: E402

# Another database name (``SCALE_DB``) loads and times a copy of your own, e.g. a small one to try the loader.
DB_NAME = os.environ.get("SCALE_DB", "candidly_scale")
DATABASE_URL = f"{PG_SERVER_URL}/{DB_NAME}"
CANDIDATES = int(os.environ.get("SCALE_CANDIDATES", "1000000"))
REUSE = os.environ.get("SCALE_REUSE", "") == "1"
ROUNDS = int(os.environ.get("SCALE_ROUNDS", "20"))
# A page that is very slow (today's /submissions/new/ at a million) is sampled until this many seconds are
# spent on it (at least once), so one bad page cannot hold the run for half an hour.
PAGE_BUDGET_S = float(os.environ.get("SCALE_PAGE_BUDGET_S", "60"))
REQUEST_TIMEOUT_S = float(os.environ.get("SCALE_REQUEST_TIMEOUT_S", "120"))
# Start at this page of the list (resume a run that was cut short).
PAGES_FROM = int(os.environ.get("SCALE_PAGES_FROM", "0"))
# Only the pages whose path holds this text (a quick re-measure of a few pages while working on them).
PAGES_MATCHING = os.environ.get("SCALE_PAGES_MATCHING", "")
SIGTERM_AFTER_S = float(os.environ.get("SCALE_SIGTERM_AFTER_S", "3"))
LOG_DIR = REPO / "var" / "scale"
# Tables whose plain indexes are dropped during the load and built again after (much faster in bulk).
BULK_TABLES = [
    "people_candidate",
    "people_candidate_role_tags",
    "hiring_submission",
    "hiring_interview",
    "hiring_interview_interviewers",
    "followups_touchpoint",
    "followups_cadencerun",
    "followups_feedback",
    "followups_task",
    "timeline_event",
]
# Rows the worker's checks create: removed before each measurement so every run measures the same pass.
CHECKED_TABLES = ["timeline_event", "followups_task", "followups_cadencerun", "followups_touchpoint"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="candidly.settings",
        DEBUG="false",
        LOG_LEVEL=os.environ.get("SCALE_LOG_LEVEL", "WARNING"),
        EMAIL_URL="console://",
        PYTHONUNBUFFERED="1",
    )
    return env


def psql() -> Any:
    import psycopg

    return psycopg.connect(DATABASE_URL, autocommit=True)


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    return row is not None


def loaded_size() -> int | None:
    """The size the database was loaded at (``scale_meta``), or None when it is not a finished load."""
    if not database_exists():
        return None
    with psql() as conn:
        exists = conn.execute("SELECT to_regclass('scale_meta')").fetchone()[0]
        if exists is None:
            return None
        row = conn.execute("SELECT value FROM scale_meta WHERE key = 'candidates'").fetchone()
    return int(row[0]) if row else None


def reset_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def migrate() -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=REPO, env=environment(), check=True
    )


def _secondary_indexes(conn: Any, tables: list[str]) -> list[tuple[str, str]]:
    """(drop, create) statements of every index but the primary keys (which foreign keys need): unique
    constraints and partial unique indexes included, so building them after the load checks the data."""
    rows = conn.execute(
        """
        SELECT format('DROP INDEX %%I', i.indexname), i.indexdef FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        UNION ALL
        SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', t.relname, c.conname),
               format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', t.relname, c.conname,
                      pg_get_constraintdef(c.oid))
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE c.contype = 'u' AND t.relname = ANY(%s)
        """,
        [tables, tables],
    ).fetchall()
    return [(drop, create) for drop, create in rows]


def _session(conn: Any) -> None:
    # Foreign keys are checked by triggers: off while loading (the smoke test loads with them on).
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("SET work_mem = '64MB'")


def _in_two_lanes(statements: list[str]) -> None:
    """Run independent statements (index builds) on two connections at once."""
    pending = list(statements)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def lane() -> None:
        with psql() as conn:
            _session(conn)
            while True:
                with lock:
                    if not pending or errors:
                        return
                    statement = pending.pop(0)
                try:
                    conn.execute(statement)
                except BaseException as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=lane) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def load() -> float:
    """Drop, create, migrate and fill ``candidly_scale``; return the seconds it took (migrate included)."""
    from django.contrib.auth.hashers import make_password
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bench.scale_data import PASSWORD, STEPS, Loader, Size
    from bench.scale_data import load as fill

    started = time.monotonic()
    say(f"loading {CANDIDATES:,} candidates into {DB_NAME}")
    reset_database()
    migrate()
    now = datetime.now(UTC)
    weights = dict(STEPS)
    size = Size(CANDIDATES)
    password = make_password(PASSWORD)
    with (
        psql() as conn,
        psql() as second,
        Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            TextColumn("{task.fields[rows]:>12,} rows"),
            TimeElapsedColumn(),
        ) as progress,
    ):
        task = progress.add_task("dropping indexes", total=sum(weights.values()) + 100, rows=0)
        _session(conn)
        _session(second)
        indexes = _secondary_indexes(conn, BULK_TABLES)
        for drop, _ in indexes:
            conn.execute(drop)
        rows_done = 0
        lock = threading.Lock()
        last = time.monotonic()

        def step(label: str, rows: int) -> None:
            nonlocal rows_done, last
            with lock:
                rows_done += rows
                say(f"  {label}: {rows:,} rows ({time.monotonic() - started:.0f}s in)")
                progress.update(task, advance=weights.get(label, 0), description=label, rows=rows_done)

        fill(
            Loader(conn.cursor(), size, now, password, step),
            helper=Loader(second.cursor(), size, now, password, step),
        )
        progress.update(task, description=f"building {len(indexes)} indexes")
        last = time.monotonic()
        _in_two_lanes([create for _, create in indexes])
        say(f"  {len(indexes)} indexes in {time.monotonic() - last:.1f}s")
        progress.update(task, advance=80, description="analyze")
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("ANALYZE")
        progress.update(task, completed=sum(weights.values()) + 100, description="loaded")
    with psql() as conn:
        conn.execute("CREATE TABLE scale_meta (key text PRIMARY KEY, value text NOT NULL)")
        marks = {
            table: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
            for table in CHECKED_TABLES
        }
        rows = [("candidates", str(CANDIDATES)), ("loaded_at", now.isoformat())]
        rows += [(f"mark:{table}", str(mark)) for table, mark in marks.items()]
        conn.cursor().executemany("INSERT INTO scale_meta (key, value) VALUES (%s, %s)", rows)
    return time.monotonic() - started


def counts() -> dict[str, int]:
    tables = {
        "candidates": "people_candidate",
        "companies": "people_company",
        "roles": "hiring_role",
        "submissions": "hiring_submission",
        "interviews": "hiring_interview",
        "touchpoints": "followups_touchpoint",
        "tasks": "followups_task",
        "feedback": "followups_feedback",
        "events": "timeline_event",
    }
    with psql() as conn:
        found = {
            name: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for name, table in tables.items()
        }
        found["open_submissions"] = conn.execute(
            "SELECT count(*) FROM hiring_submission WHERE ended_at IS NULL"
        ).fetchone()[0]
        found["interviews_today_utc"] = conn.execute(
            "SELECT count(*) FROM hiring_interview WHERE starts_at::date = (now() AT TIME ZONE 'UTC')::date"
        ).fetchone()[0]
    return found


# --- the worker's periodic checks --------------------------------------------------------------------------


def undo_checks() -> None:
    """Remove what earlier check passes created (rows past the load's marks), so each run measures the
    first pass over the loaded agency. Harness-only: the app never deletes timeline Events."""
    with psql() as conn:
        marks = dict(conn.execute("SELECT key, value FROM scale_meta WHERE key LIKE 'mark:%%'").fetchall())
        conn.execute("SET session_replication_role = replica")
        for table in CHECKED_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE id > %s", [int(marks[f"mark:{table}"])])  # noqa: S608


def start_checks(log: Path) -> subprocess.Popen[bytes]:
    env = environment()
    env["LOG_LEVEL"] = "INFO"
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", "run_worker", "--checks-once", "--worker-id", "scale-checks"],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def measure_checks() -> None:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    undo_checks()
    if os.environ.get("SCALE_SIGTERM_ONLY") != "1":
        say("worker: one full pass of the periodic checks")
        started = time.monotonic()
        process = start_checks(LOG_DIR / "checks.log")
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        figure("worker_check_s", time.monotonic() - started)
        figure("worker_check_rss_mb", usage.ru_maxrss / 1024)
        figure("worker_check_exit", process.returncode)
        figure("worker_check_summary", _last_line(LOG_DIR / "checks.log", "checks"))
        undo_checks()
    say(f"worker: SIGTERM {SIGTERM_AFTER_S:.0f}s into a pass")
    process = start_checks(LOG_DIR / "sigterm.log")
    # Django's start-up is not the pass: wait for the pass to begin, then let it run a while.
    for _ in range(600):
        if "checks pass started" in (LOG_DIR / "sigterm.log").read_text(errors="replace"):
            break
        if process.poll() is not None:
            break
        time.sleep(0.1)
    started = time.monotonic()
    time.sleep(SIGTERM_AFTER_S)
    still_running = process.poll() is None
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    figure("worker_sigterm_exit_s", time.monotonic() - sent)
    figure("worker_sigterm_after_s", sent - started)
    figure("worker_sigterm_mid_pass", "yes" if still_running else "no (the pass had ended)")
    figure("worker_sigterm_exit_code", process.returncode)
    undo_checks()


def _last_line(path: Path, needle: str) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if needle in line]
    return lines[-1].split(": ", 1)[-1] if lines else "(none)"


# --- pages -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = environment()
    env.update(CANDIDLY_BASE_URL=f"http://127.0.0.1:{port}", ALLOWED_HOSTS="127.0.0.1,localhost")
    process = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "candidly.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            str(int(REQUEST_TIMEOUT_S)),
        ],
        cwd=REPO,
        env=env,
        stdout=(LOG_DIR / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {LOG_DIR / 'gunicorn.log'}") from None
            time.sleep(0.25)
    raise SystemExit("gunicorn did not answer")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure_pages() -> None:
    from bench.scale_pages import Browser, pages_to_measure

    port = free_port()
    say(f"pages: gunicorn on 127.0.0.1:{port}, {ROUNDS} requests each")
    server = start_gunicorn(port)
    worst: tuple[float, str, int] = (0.0, "", 0)
    try:
        sessions = {
            "admin": Browser(f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S),
            "recruiter": Browser(f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S),
        }
        sessions["admin"].log_in("scale-admin")
        sessions["recruiter"].log_in("recruiter01")
        with psql() as conn:
            pages = pages_to_measure(conn)
        for page in pages[PAGES_FROM:]:
            if PAGES_MATCHING not in page.path:
                continue
            browser = sessions[page.viewer]
            samples: list[float] = []
            size = 0
            spent = 0.0
            status = 0
            for _ in range(ROUNDS):
                elapsed, size, status = browser.get(page.path)
                samples.append(elapsed * 1000)
                spent += elapsed
                if spent > PAGE_BUDGET_S:
                    break
            value = p95(samples)
            label = page.path + ("" if page.viewer == "admin" else " (as a recruiter)")
            note = "" if status == 200 else f" status: {status or 'no answer in time'}"
            note += "" if len(samples) == ROUNDS else f" samples: {len(samples)}"
            print(f"p95_ms {label}: {value:.1f} bytes: {size}{note}", flush=True)
            if value > worst[0]:
                worst = (value, label, size)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    figure("worst_p95_ms", round(worst[0], 1))
    figure("worst_page", worst[1])
    figure("worst_page_bytes", worst[2])


def rebuild_rollup() -> float:
    from django.core.management import call_command

    say("rebuilding the reports' rollup")
    started = time.perf_counter()
    call_command("rebuild_report_rollup", verbosity=0)
    return round(time.perf_counter() - started, 1)


def rollup_is_current() -> bool:
    """The rollup already holds every Event, in the reporting zone (a reused database whose last run built
    it; a migration that changes the rollup deletes its state row, which makes it due again)."""
    from django.db.models import Max

    from candidly.reports.models import RollupState
    from candidly.reports.rollup import reporting_zone
    from candidly.timeline.models import Event

    state = RollupState.objects.filter(id=1).first()
    newest = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
    return state is not None and state.zone == reporting_zone().key and state.event_id >= newest


def vacuum() -> float:
    """``VACUUM (ANALYZE)`` the whole database: what autovacuum does on a production server after a load,
    a migration or the rollup rebuild (this machine's PostgreSQL runs with autovacuum off). Without it the
    index-only reads the pages rely on (the record's covering indexes, the pool's, the rollup's hour
    histogram) fetch every row from the table to check its visibility, which no running agency sees."""
    say("vacuuming and analysing (autovacuum's work after a load)")
    started = time.perf_counter()
    with psql() as conn:
        conn.execute("VACUUM (ANALYZE)")
    return round(time.perf_counter() - started, 1)


def main() -> None:
    ensure_postgres()
    os.environ.update(environment())
    import django

    django.setup()
    if REUSE and loaded_size() == CANDIDATES:
        say(f"SCALE_REUSE=1: {DB_NAME} already holds {CANDIDATES:,} candidates; migrating it")
        migrate()  # the code may have moved on since the load
    else:
        figure("load_s", load())
    for name, value in counts().items():
        figure(name, value)
    # What an operator does after loading or migrating a big database (README, Operating): build the
    # reports' rollup once, rather than leaving the first worker pass to do it.
    if REUSE and rollup_is_current():
        say("the reports' rollup already holds every Event: not rebuilt")
    else:
        figure("rollup_rebuild_s", rebuild_rollup())
    figure("vacuum_s", vacuum())
    if os.environ.get("SCALE_SKIP_CHECKS") != "1":
        measure_checks()
    if os.environ.get("SCALE_SKIP_PAGES") != "1":
        measure_pages()


if __name__ == "__main__":
    main()
