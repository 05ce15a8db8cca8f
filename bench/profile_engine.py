"""Where a worker's CPU goes per message: one in-process Worker sends ``PROFILE_ROWS`` follow-up emails to the
SMTP sink under cProfile, counting SQL statements. Prints ``name: value`` lines and the top functions.

    .venv/bin/python bench/profile_engine.py   # uses (drops and recreates) the bench database

Knobs: PROFILE_ROWS (1000), BENCH_BATCH (20), PROFILE_TOP (35), PROFILE_CPROFILE (1; 0 times the worker
without the profiler, whose own cost roughly doubles the CPU figures).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from datetime import timedelta

import common
from common import figure, say

ROWS = int(os.environ.get("PROFILE_ROWS", "1000"))
BATCH = int(os.environ.get("BENCH_BATCH", "20"))
TOP = int(os.environ.get("PROFILE_TOP", "35"))
CPROFILE = os.environ.get("PROFILE_CPROFILE", "1") != "0"


def main() -> int:
    with common.harness("profile"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from candidly.followups.worker import Worker
        from candidly.messaging.emails import prepare

        people = common.create_people(min(ROWS, 2000))
        common.create_touchpoints(people, ROWS, tag="prof")
        say(f"profile: {ROWS} follow-up emails, batches of {BATCH}")
        worker = Worker(worker_id="profile", batch_size=BATCH, lease=timedelta(seconds=60))
        prepare()  # what run_worker loads before its first pass (URL patterns, templates): not timed
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            if CPROFILE:
                profiler.enable()
            claimed = worker.run(once=True)
            profiler.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        counts = common.status_counts("prof")
        if counts != {"done": ROWS}:
            raise SystemExit(f"rows now {counts}")
        figure("profile_emails_per_s", claimed / elapsed)
        figure("profile_ms_per_email", elapsed * 1000 / claimed)
        figure("profile_cpu_ms_per_email", cpu * 1000 / claimed)
        figure("profile_queries_per_email", len(queries.captured_queries) / claimed)
        figure("profile_load_average", os.getloadavg()[0])
        kinds: dict[str, int] = {}
        for query in queries.captured_queries:
            words = query["sql"].split()
            key = " ".join(words[:1] + [w for w in words if w.startswith('"') and w.endswith('"')][:1])
            kinds[key] = kinds.get(key, 0) + 1
        for key, n in sorted(kinds.items(), key=lambda item: -item[1]):
            say(f"  {n / claimed:6.2f}/email  {key}")
        if not CPROFILE:
            return 0
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
