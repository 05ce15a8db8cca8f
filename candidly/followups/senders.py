"""Several senders in one worker process (``run_worker --senders N``): threads that each claim and perform
their own batches.

Sending one email is mostly waiting: for the hand-off's durable commit, then for the mail server's replies.
One loop leaves the CPU idle meanwhile; threads fill those waits (Python releases its lock while a thread
waits on a socket), so one process sends more per second without more memory or more processes.

Each sender is a :class:`~candidly.followups.worker.Worker` of its own and keeps every promise a separate
worker process keeps: its own database connection (Django's connections belong to a thread), its own mail
connection per batch (``delivery.Outbox`` is per thread), and its own claim id ``<worker id>/<n>``, so its
claims, leases, hand-off markers and outcomes are exactly another worker's. The first sender runs in the
main thread and keeps the process's housekeeping (heartbeat, reaper, periodic checks, webhooks); the
others only claim and send. A stop request reaches all of them; each finishes the message in hand.

SQLite allows one writer at a time: there the process keeps one sender.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection, connections

from candidly.followups.worker import Worker
from candidly.messaging import emails

logger = logging.getLogger("candidly.worker")


def usable_senders(asked: int) -> int:
    """How many senders this database allows: ``asked`` on PostgreSQL, one on SQLite."""
    if connection.vendor == "sqlite" and asked > 1:
        logger.info("SQLite takes one writer at a time: one sender instead of %d", asked)
        return 1
    return asked


class Senders:
    """``main`` (this thread, with the housekeeping) and ``count - 1`` more senders in threads."""

    def __init__(self, main: Worker, count: int) -> None:
        self.main = main
        self.others = [main.sender(number) for number in range(2, count + 1)]
        self._claimed: dict[str, int] = {}

    @property
    def workers(self) -> list[Worker]:
        return [self.main, *self.others]

    def request_stop(self) -> None:
        for worker in self.workers:
            worker.request_stop()

    def run(self, *, once: bool = False) -> int:
        """Run every sender until stopped (or, with ``once``, each until nothing is due); returns how many
        rows they claimed in all. The other senders are stopped and joined before it returns."""
        emails.prepare()  # loaded once, before the threads ask for it
        threads = [
            threading.Thread(target=self._run_sender, args=(worker, once), name=worker.worker_id)
            for worker in self.others
        ]
        for thread in threads:
            thread.start()
        try:
            claimed = self.main.run(once=once)
        finally:
            if not once:
                self.request_stop()
            for thread in threads:
                thread.join()
        return claimed + sum(self._claimed.values())

    def _run_sender(self, worker: Worker, once: bool) -> None:
        try:
            self._claimed[worker.worker_id] = worker.run(once=once)
        except BaseException:
            logger.exception("sender %s stopped on an error", worker.worker_id)
            # Its claims are the reaper's after their lease; the process goes on with the other senders.
        finally:
            connections.close_all()  # this thread's connections only
