"""``manage.py run_worker``: PLACEHOLDER until the touchpoint worker lands (issue 3); the lead replaces it.

It only idles so that ``make run`` already starts and stops a second process the way the real worker will
be started and stopped: SIGTERM or Ctrl-C (SIGINT) ends it cleanly with exit status 0.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Placeholder worker: idles until SIGTERM or Ctrl-C (touchpoints are not performed yet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--poll-seconds", type=float, default=5.0, help="How long each idle pass sleeps.")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)
        self.stdout.write("worker: started (placeholder: no touchpoints are performed yet)")
        # Event.wait returns early when a signal handler sets the event, so stopping is immediate.
        while not stopping.wait(options["poll_seconds"]):
            pass
        self.stdout.write("worker: stopped")
