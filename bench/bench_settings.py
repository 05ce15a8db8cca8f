"""Settings for `make bench`'s gunicorn only: the app's own, with the bench's URLconf (a hello-world page
beside the app's). Never used outside bench/."""

import os

from candidly.settings import *  # noqa: F403 - the app's settings, unchanged but for the URLconf
from candidly.settings import MIDDLEWARE

ROOT_URLCONF = "bench_urls"

if os.environ.get("BENCH_WEB_TIMING") == "1":
    # Diagnosis only (bench/public_page_bench.py): a line per request with its wall, CPU and SQL time.
    MIDDLEWARE = ["bench_timing.RequestTiming", *MIDDLEWARE]
