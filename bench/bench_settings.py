"""Settings for `make bench`'s gunicorn only: the app's own, with the bench's URLconf (a hello-world page
beside the app's). Never used outside bench/."""

from candidly.settings import *  # noqa: F403 - the app's settings, unchanged but for the URLconf

ROOT_URLCONF = "bench_urls"
