"""`make bench`'s end-to-end figures alone (the raw loop and the engine, in alternating rounds), on a fresh
bench database: for working on the engine without the page, due-query and import figures. `BENCH_DB` and
`BENCH_LOG_DIR` let it run beside `make bench` and `make chaos`; `BENCH_E2E_ONE_WORKER=0` skips the
one-worker run.

    BENCH_DB=candidly_bench_engine BENCH_LOG_DIR=var/bench-engine BENCH_E2E_ROWS=600 \
        .venv/bin/python bench/e2e_bench.py
"""

from __future__ import annotations

import os
import sys
import time

import common
from common import say

import bench

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000"))


def main() -> int:
    started = time.perf_counter()
    with common.harness("end to end") as sink:
        people = common.create_people(PEOPLE)
        bench.measure_e2e(sink, people, one_worker=os.environ.get("BENCH_E2E_ONE_WORKER", "1") != "0")
    say(f"end to end: finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
