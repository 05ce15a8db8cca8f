"""``manage.py run_worker``: perform due touchpoints until stopped. SIGTERM or Ctrl-C ends it cleanly."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candidly.followups.senders import Senders, usable_senders
from candidly.followups.worker import Worker


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(raw: str) -> int | float:
        value = kind(raw)
        if value <= 0:
            raise ValueError(raw)
        return value

    parse.__name__ = kind.__name__
    return parse


class Command(BaseCommand):
    help = "Claim and perform due touchpoints (messages, call tasks) until stopped with SIGTERM or Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Perform what is due now, then exit.")
        parser.add_argument("--batch-size", type=_positive(int), default=20, help="Rows claimed per pass.")
        parser.add_argument(
            "--lease-seconds",
            type=_positive(int),
            default=60,
            help="How long a claim lasts before the reaper may recover it (longer than EMAIL_TIMEOUT).",
        )
        parser.add_argument(
            "--poll-seconds", type=_positive(float), default=1.0, help="Sleep between passes when idle."
        )
        parser.add_argument(
            "--reap-seconds",
            type=_positive(float),
            default=2.0,
            help="How often expired leases are recovered.",
        )
        parser.add_argument(
            "--checks-seconds",
            type=_positive(float),
            default=30.0,
            help="How often ended interviews get their cadences and silent candidates an Update task.",
        )
        parser.add_argument(
            "--no-checks", action="store_true", help="Only perform queued touchpoints (no periodic checks)."
        )
        parser.add_argument(
            "--checks-once",
            action="store_true",
            help="Run one full pass of the periodic checks (and the unmarked-interview sweep), then exit; "
            "claims nothing. SIGTERM stops it between two batches.",
        )
        parser.add_argument("--worker-id", default="", help="Name in claimed_by (default: host:pid:random).")
        parser.add_argument(
            "--senders",
            type=_positive(int),
            default=None,
            help="Threads claiming and sending in this process, each with its own database and mail "
            "connection (default: CANDIDLY_WORKER_SENDERS, 3; SQLite: always 1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(
            worker_id=options["worker_id"] or None,
            batch_size=options["batch_size"],
            lease=timedelta(seconds=options["lease_seconds"]),
            poll_seconds=options["poll_seconds"],
            reap_every_seconds=options["reap_seconds"],
            checks_every_seconds=None if options["no_checks"] else options["checks_seconds"],
        )
        if worker.lease.total_seconds() < 2:
            raise CommandError("--lease-seconds must be at least 2.")
        senders = Senders(worker, usable_senders(options["senders"] or settings.CANDIDLY_WORKER_SENDERS))

        def stop(signum: int, frame: FrameType | None) -> None:
            # Only set a flag: the item being performed finishes and its outcome is recorded.
            senders.request_stop()

        previous: dict[signal.Signals, Any] = {}
        # Signal handlers can only be installed from the main thread (tests may call us from another).
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, stop)
        try:
            if options["checks_once"]:
                worker.run_checks_once()
            else:
                senders.run(once=options["once"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
