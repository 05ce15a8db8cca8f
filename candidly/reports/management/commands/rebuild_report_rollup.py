"""``manage.py rebuild_report_rollup``: rebuild the reports' daily rollup from the records, from scratch.

The worker keeps the rollup up to date by itself; run this after restoring a backup, changing
``CANDIDLY_DEFAULT_TIME_ZONE`` (the worker also notices that and rebuilds), or to be sure nothing slipped by.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from candidly.reports.rollup import rebuild_rollup, reporting_zone


class Command(BaseCommand):
    help = "Rebuild the reports' daily rollup from the timeline and the process records."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        written = rebuild_rollup(now=timezone.now())
        self.stdout.write(
            f"Report rollup rebuilt in {reporting_zone().key}: {written} rows in "
            f"{time.perf_counter() - started:.1f} s."
        )
