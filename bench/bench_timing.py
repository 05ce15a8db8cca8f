"""A middleware for `make bench`'s gunicorn only (BENCH_WEB_TIMING=1): one line per request on stderr with
its wall time, this process's CPU time and the time spent waiting on SQL, to tell where a slow page's time
goes (CPU, the database, or waiting for the scheduler)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


class RequestTiming:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sql = [0.0, 0]

        def timed(execute: Any, query: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(query, params, many, context)
            finally:
                sql[0] += time.perf_counter() - started
                sql[1] += 1

        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"timing {request.method} {request.path[:12]} wall_ms={wall * 1000:.1f} cpu_ms={cpu * 1000:.1f} "
            f"sql_ms={sql[0] * 1000:.1f} queries={sql[1]}",
            file=sys.stderr,
            flush=True,
        )
        return response
