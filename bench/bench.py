"""`make bench`: how fast the touchpoint queue runs on PostgreSQL. Prints ``name: value`` lines on stdout
(progress goes to stderr). See bench/README.md for what each figure means.

Knobs (environment): BENCH_E2E_ROWS (3000), BENCH_E2E_ROUNDS (3), BENCH_BATCH (20), BENCH_DUE_ROWS (1000000),
BENCH_PEOPLE (5000), BENCH_IMPORT_ROWS (10000), BENCH_WEB_SECONDS (20), BENCH_WEB_CLIENTS (4),
BENCH_DB (candidly_bench), BENCH_PG_URL.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

import common
import import_bench
import webload
from common import figure, say
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

E2E_ROWS = int(os.environ.get("BENCH_E2E_ROWS", "3000"))
E2E_ROUNDS = int(os.environ.get("BENCH_E2E_ROUNDS", "3"))
BATCH = int(os.environ.get("BENCH_BATCH", "20"))
DUE_ROWS = int(os.environ.get("BENCH_DUE_ROWS", "1000000"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "5000"))
TERMINAL = ("done", "failed", "ambiguous", "skipped")


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def reset_rows(tag: str) -> None:
    """Put the same rows back to "planned and due" so the raw and the engine loops work on identical data."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE followups_touchpoint SET status = 'planned', claimed_by = '', lease_expires_at = NULL, "
            "attempts = 0, handoff_at = NULL, done_at = NULL, message_id = '', "
            "due_at = now() - interval '1 minute' WHERE idempotency_key LIKE %s",
            [common.tag_pattern(tag)],
        )
        # Dead tuples from the previous loop would otherwise slow whichever loop runs second.
        cursor.execute("VACUUM ANALYZE followups_touchpoint")


# The same claim the engine makes (candidly/followups/claims.py), written against psycopg directly.
RAW_CLAIM = """
UPDATE followups_touchpoint
   SET status = 'in_progress', claimed_by = %(me)s, lease_expires_at = %(lease)s,
       attempts = attempts + 1, updated_at = %(now)s
 WHERE id = ANY(ARRAY(SELECT id FROM followups_touchpoint
                       WHERE status = 'planned' AND due_at <= %(now)s
                       ORDER BY due_at LIMIT %(batch)s FOR UPDATE SKIP LOCKED))
   AND status = 'planned'
RETURNING id
"""
# The hand-off marker, committed synchronously before each send (the engine makes one such commit too).
RAW_HANDOFF = """
UPDATE followups_touchpoint SET handoff_at = %(now)s, updated_at = %(now)s
 WHERE id = %(id)s AND status = 'in_progress' AND claimed_by = %(me)s
"""
RAW_DONE = """
UPDATE followups_touchpoint
   SET status = 'done', done_at = %(now)s, claimed_by = '', lease_expires_at = NULL, updated_at = %(now)s
 WHERE id = ANY(%(ids)s) AND status = 'in_progress' AND claimed_by = %(me)s
"""


def prerendered_message(tag: str) -> tuple[str, list[str], bytes]:
    """One of the rows' real email, rendered once by the engine's own pipeline: envelope sender, recipients
    and the bytes, with ``RAWID`` where each send puts its own Message-ID."""
    from django.utils import timezone

    from candidly.followups.models import Touchpoint
    from candidly.messaging.emails import render_email

    touchpoint = Touchpoint.objects.filter(idempotency_key=f"{common.KEY_PREFIX}-{tag}-1").get()
    message = render_email(touchpoint, now=timezone.now()).to_message(message_id="<RAWID@bench.invalid>")
    return message.from_email, list(message.recipients()), message.message().as_bytes(linesep="\r\n")


def raw_e2e_loop(sink: common.Sink, tag: str, expected: int) -> float:
    """The floor under the engine, with the same guarantee: psycopg and smtplib, no Django. Claim a batch
    (the engine's statement), then per row commit the hand-off marker and send the pre-rendered email over
    one SMTP connection; one statement marks the batch done. Emails/second."""
    import smtplib
    from datetime import UTC, datetime

    import psycopg

    sender, recipients, data = prerendered_message(tag)
    host, port = "127.0.0.1", sink.smtp_port
    sink.reset()
    done = 0
    with psycopg.connect(common.DATABASE_URL, autocommit=True) as conn, smtplib.SMTP(host, port) as smtp:
        smtp.ehlo()
        started = time.perf_counter()
        while True:
            now = datetime.now(UTC)
            params: dict[str, Any] = {
                "me": "raw",
                "now": now,
                "lease": now + timedelta(seconds=60),
                "batch": BATCH,
            }
            ids = [row[0] for row in conn.execute(RAW_CLAIM, params).fetchall()]
            if not ids:
                break
            for pk in ids:
                conn.execute(RAW_HANDOFF, {"now": datetime.now(UTC), "id": pk, "me": "raw"})
                smtp.mail(sender)
                for recipient in recipients:
                    smtp.rcpt(recipient)
                code, reply = smtp.data(data.replace(b"RAWID", f"raw-{pk}".encode()))
                if code != 250:
                    raise SystemExit(f"the sink refused a raw send: {code} {reply!r}")
            conn.execute(RAW_DONE, {"now": datetime.now(UTC), "ids": ids, "me": "raw"})
            done += len(ids)
        elapsed = time.perf_counter() - started
    stats = sink.stats()
    if done != expected or stats["distinct"] != expected:
        raise SystemExit(f"raw loop sent {done} rows, sink {stats}; expected {expected}")
    return done / elapsed


def park_rows(tag: str) -> None:
    """Back to "planned", due far in the future: the engine's run makes them due once its workers are up."""
    from django.db import connection

    reset_rows(tag)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE followups_touchpoint SET due_at = %s WHERE idempotency_key LIKE %s",
            [common.FAR_FUTURE, common.tag_pattern(tag)],
        )


def run_workers_on(sink: common.Sink, tag: str, rows: int, workers: int) -> float:
    """Start ``workers`` run_worker processes, wait until they idle, make ``rows`` touchpoints due at once
    and time until every one is done (or otherwise finished). Emails/second."""
    from django.db import connection

    pool = common.Workers(sink.email_url, batch_size=BATCH, poll_seconds=0.2)
    names = [f"bench-{tag}-{n}" for n in range(1, workers + 1)]
    try:
        for name in names:
            pool.start(name)
        # Started = its log says so (Django loaded, first pass next); process start-up is not measured.
        if not common.wait_until(lambda: all(map(common.worker_started, names)), timeout=60, interval=0.2):
            raise SystemExit(f"workers did not start; see {common.LOG_DIR}")
        time.sleep(1)
        sink.reset()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE followups_touchpoint SET due_at = now() - interval '1 minute' "
                "WHERE idempotency_key LIKE %s",
                [common.tag_pattern(tag)],
            )
        started = time.perf_counter()
        finished = 0
        with progress() as bar:
            task = bar.add_task(f"{workers} worker(s) sending", total=rows)
            while finished < rows:
                if pool.dead():
                    raise SystemExit(f"worker(s) {pool.dead()} died; see {common.LOG_DIR}")
                counts = common.status_counts(tag)
                finished = sum(counts.get(s, 0) for s in TERMINAL)
                bar.update(task, completed=finished)
                if time.perf_counter() - started > 900:
                    raise SystemExit(f"gave up after 900 s: {counts}")
                time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        codes = pool.stop_all()
    counts = common.status_counts(tag)
    stats = sink.stats()
    say(f"{workers} worker(s): {counts}, sink {stats['messages']} messages, exits {codes}")
    if counts != {"done": rows} or stats["distinct"] != rows or stats["duplicates"]:
        raise SystemExit(f"end-to-end run incomplete: rows {counts}, sink {stats}")
    return rows / elapsed


def measure_e2e(sink: common.Sink, people: common.People, *, one_worker: bool = True) -> None:
    """The raw loop and the engine in alternating rounds on the same rows: the load of this shared machine
    drifts by the minute, so each round's ratio compares two runs a few seconds apart. Then one worker alone
    (``one_worker``)."""
    rows = max(1, E2E_ROWS // E2E_ROUNDS)
    raw_seconds = engine_seconds = 0.0
    ratios: list[float] = []
    for n in range(1, E2E_ROUNDS + 1):
        tag = f"e2e2r{n}"
        common.create_touchpoints(people, rows, tag=tag, due_sql=f"'{common.FAR_FUTURE}'")
        reset_rows(tag)
        raw = raw_e2e_loop(sink, tag, rows)
        park_rows(tag)
        two = run_workers_on(sink, tag, rows, workers=2)
        raw_seconds, engine_seconds = raw_seconds + rows / raw, engine_seconds + rows / two
        ratios.append(two / raw)
        load = os.getloadavg()[0]
        say(f"e2e round {n}: raw {raw:.1f}/s, engine {two:.1f}/s, ratio {two / raw:.2f}, load {load:.1f}")
    figure("e2e_emails_per_s", rows * E2E_ROUNDS / engine_seconds)
    figure("raw_e2e_emails_per_s", rows * E2E_ROUNDS / raw_seconds)
    figure("e2e_ratio", statistics.median(ratios))
    figure("e2e_load_average", os.getloadavg()[0])
    if not one_worker:
        return
    common.create_touchpoints(people, rows, tag="e2e1", due_sql=f"'{common.FAR_FUTURE}'")
    one = run_workers_on(sink, "e2e1", rows, workers=1)
    figure("e2e_one_worker_emails_per_s", one)
    figure("two_worker_speedup", (rows * E2E_ROUNDS / engine_seconds) / one)


def measure_public_pages(sink: common.Sink, people: common.People) -> None:
    """The three questions page (GET, then POST the answers) against a hello-world view in the same
    gunicorn: the page's cost above Django's own floor."""
    tokens = webload.feedback_tokens(people, count=200)
    with webload.BenchWeb(sink.email_url) as web:
        page = webload.load(web.port, webload.three_questions(tokens))
        hello = webload.load(web.port, webload.hello())
    say(f"web: three questions {page}, hello {hello}")
    figure("public_page_per_s", page.per_second)
    figure("bare_django_per_s", hello.per_second)
    figure("public_page_ratio", page.per_second / hello.per_second)
    figure("public_page_queries", webload.queries_per_page(tokens[0]))
    figure("web_load_average", os.getloadavg()[0])


# The worker's due query: the SELECT inside claims.py's claim, as PostgreSQL runs it for one pass.
DUE_QUERY = (
    "SELECT id FROM followups_touchpoint WHERE status = 'planned' AND due_at <= now() "
    "ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED"
)


def time_due_query(runs: int = 40) -> tuple[float, str]:
    """Median milliseconds of the due query (each run in a rolled-back transaction) and the index used."""
    import psycopg

    timings: list[float] = []
    with psycopg.connect(common.DATABASE_URL) as conn:
        conn.execute("ANALYZE followups_touchpoint")
        conn.commit()
        plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + DUE_QUERY, [BATCH]).fetchall())
        conn.rollback()
        for n in range(runs + 5):
            started = time.perf_counter()
            rows = conn.execute(DUE_QUERY, [BATCH]).fetchall()
            elapsed = time.perf_counter() - started
            conn.rollback()
            if len(rows) != BATCH:
                raise SystemExit(f"due query returned {len(rows)} rows, expected {BATCH}")
            if n >= 5:  # the first runs warm the cache
                timings.append(elapsed * 1000)
    index = next((word for word in plan.split() if word.startswith("touchpoint_")), "none (sequential scan)")
    return statistics.median(timings), index


def measure_due_query(people: common.People) -> None:
    """10k planned rows, then 1M; 1% of them due (over the last day), the rest over the next 30 days."""
    due_sql = (
        "CASE WHEN g %% 100 = 0 THEN now() - (g %% 86400) * interval '1 second' "
        "ELSE now() + (g %% 2592000 + 60) * interval '1 second' END"
    )
    first = min(10_000, DUE_ROWS)
    common.create_touchpoints(people, first, tag="due", due_sql=due_sql)
    ms_10k, index_10k = time_due_query()
    figure("due_query_ms_10k", ms_10k)
    chunk = 50_000
    with progress() as bar:
        task = bar.add_task("planned rows for the due query", total=DUE_ROWS, completed=first)
        for start in range(first + 1, DUE_ROWS + 1, chunk):
            count = min(chunk, DUE_ROWS - start + 1)
            common.create_touchpoints(people, count, tag="due", due_sql=due_sql, start=start)
            bar.update(task, advance=count)
    ms_1m, index_1m = time_due_query()
    figure("due_query_ms_1m", ms_1m)
    figure("due_query_ratio_1m_10k", ms_1m / ms_10k)
    figure("due_query_index", index_1m if index_1m == index_10k else f"{index_10k} / {index_1m}")


def main() -> int:
    started = time.perf_counter()
    with common.harness("bench") as sink:
        people = common.create_people(PEOPLE)
        say(f"bench: {PEOPLE} candidates with an interview; batches of {BATCH}")
        measure_e2e(sink, people)
        measure_public_pages(sink, people)
        measure_due_query(people)
        import_bench.measure_import()
    say(f"bench: finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
