"""`make bench`'s public-page figures alone, on a fresh bench database: the three-questions page (GET, then
POST) against a hello-world view in the same gunicorn. For working on the page without the engine's
minutes of figures; `BENCH_DB` and `BENCH_LOG_DIR` let it run beside `make bench` and `make chaos`.

    BENCH_DB=candidly_publicpage BENCH_LOG_DIR=var/bench-publicpage \
        .venv/bin/python bench/public_page_bench.py
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
    with common.harness("public pages") as sink:
        people = common.create_people(PEOPLE)
        bench.measure_public_pages(sink, people)
    say(f"public pages: finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
