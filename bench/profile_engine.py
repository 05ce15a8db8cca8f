"""Where a worker's CPU goes per message: one in-process Worker sends ``PROFILE_ROWS`` follow-up emails to the
SMTP sink under cProfile, counting SQL statements. Prints ``name: value`` lines and the top functions.

    .venv/bin/python bench/profile_engine.py   # uses (drops and recreates) the bench database

Knobs: PROFILE_ROWS (1000), BENCH_BATCH (20), PROFILE_TOP (35), PROFILE_DUMP (a file for the profile's
raw stats), PROFILE_CPROFILE (1; 0 times the worker
without the profiler, whose own cost roughly doubles the CPU figures), PROFILE_SQL (run before the timing,
for experiments: e.g. ``DROP INDEX …`` to see what an index costs the hand-off).

With ``PROFILE_CPROFILE=0`` it also prints the worker's CPU (``process_time``) per email in each step of a
message, each step's own time without the steps it calls (a few timed wrappers, ~1 µs each, instead of a
profiler), and the CPU the worker's PostgreSQL backend and the SMTP sink used per email (from /proc).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from datetime import timedelta
from typing import Any

import common
from common import figure, say

ROWS = int(os.environ.get("PROFILE_ROWS", "1000"))
BATCH = int(os.environ.get("BENCH_BATCH", "20"))
TOP = int(os.environ.get("PROFILE_TOP", "35"))
CPROFILE = os.environ.get("PROFILE_CPROFILE", "1") != "0"


class Phases:
    """Own CPU time per phase: wraps functions so that each call's ``process_time`` goes to its phase, minus
    what the phases it calls took (so the phases add up to the timed total)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = {}
        self._stack: list[list[float]] = []

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [time.process_time(), 0.0]
            self._stack.append(frame)
            try:
                return original(*args, **kwargs)
            finally:
                self._stack.pop()
                spent = time.process_time() - frame[0]
                self.own[phase] = self.own.get(phase, 0.0) + spent - frame[1]
                if self._stack:
                    self._stack[-1][1] += spent

        setattr(owner, name, timed)


def process_cpu(pid: int) -> float:
    """Seconds of CPU ``pid`` has used (user + system, from /proc; 0 where there is no /proc)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_phases() -> Phases:
    from candidly.followups import claims, handoffs, queries
    from candidly.messaging import delivery, emails

    phases = Phases()
    phases.wrap(claims, "claim_due", "claim (SQL)")
    phases.wrap(queries, "touchpoints_to_perform", "claim: rows as models (ORM)")
    phases.wrap(delivery, "render_email", "render: the rest (kind's function, RenderedEmail)")
    phases.wrap(emails, "issue_link", "render: link tokens and rows")
    phases.wrap(emails, "link_url", "render: link URLs")
    phases.wrap(emails, "build_context", "render: context (dates, names)")
    phases.wrap(emails, "render_text", "render: templates")
    phases.wrap(emails, "render_to_string", "render: templates")
    phases.wrap(emails.RenderedEmail, "to_message", "MIME: message object")
    phases.wrap(delivery, "_serialised", "MIME: serialisation")
    phases.wrap(delivery, "_send_smtp", "SMTP commands")
    phases.wrap(handoffs, "hand_off", "hand-off: SQL and parameters")
    phases.wrap(handoffs, "sent", "outcome kept back")
    phases.wrap(handoffs, "record_sent", "outcome kept back")
    return phases


def main() -> int:
    with common.harness("profile") as sink:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from candidly.followups.worker import Worker
        from candidly.messaging.emails import prepare

        people = common.create_people(min(ROWS, 2000))
        common.create_touchpoints(people, ROWS, tag="prof")
        say(f"profile: {ROWS} follow-up emails, batches of {BATCH}")
        worker = Worker(worker_id="profile", batch_size=BATCH, lease=timedelta(seconds=60))
        prepare()  # what run_worker loads before its first pass (URL patterns, templates): not timed
        phases = None if CPROFILE else timed_phases()
        profiler = cProfile.Profile()
        with connection.cursor() as cursor:
            if os.environ.get("PROFILE_SQL"):
                cursor.execute(os.environ["PROFILE_SQL"])
            cursor.execute("SELECT pg_backend_pid()")
            [(backend,)] = cursor.fetchall()
        server_cpu, sink_cpu = process_cpu(backend), process_cpu(sink.process.pid)
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            if CPROFILE:
                profiler.enable()
            claimed = worker.run(once=True)
            profiler.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_cpu = process_cpu(backend) - server_cpu
        sink_cpu = process_cpu(sink.process.pid) - sink_cpu
        counts = common.status_counts("prof")
        if counts != {"done": ROWS}:
            raise SystemExit(f"rows now {counts}")
        figure("profile_emails_per_s", claimed / elapsed)
        figure("profile_ms_per_email", elapsed * 1000 / claimed)
        figure("profile_cpu_ms_per_email", cpu * 1000 / claimed)
        # The worker's PostgreSQL backend and the SMTP sink, on the same cores (10 ms ticks: rough).
        figure("profile_server_cpu_ms_per_email", server_cpu * 1000 / claimed)
        figure("profile_sink_cpu_ms_per_email", sink_cpu * 1000 / claimed)
        figure("profile_queries_per_email", len(queries.captured_queries) / claimed)
        figure("profile_load_average", os.getloadavg()[0])
        kinds: dict[str, int] = {}
        for query in queries.captured_queries:
            words = query["sql"].split()
            key = " ".join(words[:1] + [w for w in words if w.startswith('"') and w.endswith('"')][:1])
            kinds[key] = kinds.get(key, 0) + 1
        for key, n in sorted(kinds.items(), key=lambda item: -item[1]):
            say(f"  {n / claimed:6.2f}/email  {key}")
        if phases is not None:
            rest = cpu - sum(phases.own.values())
            say("CPU per email by phase (ms, own time):")
            for phase, seconds in sorted(
                [*phases.own.items(), ("the rest (worker loop, decisions, Outbox)", rest)],
                key=lambda item: -item[1],
            ):
                say(f"  {seconds * 1000 / claimed:6.3f}  {phase}")
        if not CPROFILE:
            return 0
        if os.environ.get("PROFILE_DUMP"):  # for pstats, e.g. the callers of one function
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(TOP)
        say(out.getvalue())
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(TOP)
        say(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
