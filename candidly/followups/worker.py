"""The worker: claim due touchpoints, perform each, record the outcome. ``manage.py run_worker`` runs it.

A pass (:meth:`Worker.run_batch`) reaps expired leases when they are due a look, claims a batch and performs
its rows one by one. Performing a message:

1. skip it if the candidate unsubscribed and it is not interview logistics; hold it back (re-plan it) while
   the recruiter paused the candidate's messages;
2. re-plan it if it is night (or a weekend) in the recipient's zone -- the zone may have changed since
   planning -- instead of sending;
3. commit ``handoff_at`` (the "maybe sent" marker) just before messaging hands it to SMTP -- only while the
   candidate and interview are still as the message was decided on -- then record ``done`` / ``skipped`` /
   a retry with back-off / ``failed``.

A sent message's ``done`` (and its Event) is kept back and written with the next message's marker, in the
same durable commit (``followups.handoffs``): one database round trip per email. What is still kept back
at the end of the batch is written then; a crash before that leaves rows the reaper makes ``ambiguous``.

A call or task step becomes a Task on the recruiter's list. Every outcome is conditional on still holding the
claim, so a worker that lost its lease changes nothing and sends nothing.

Every few seconds a pass also writes the worker's heartbeat (``followups.health``), which the recruiter pages'
banner, ``/healthz`` and ``/metrics`` read. When the database goes away (a restart, a dropped connection) the
loop logs the outage once, closes the broken connection, retries with a short back-off and logs when it is
back; the rows it held are given back (never started) or recovered by the reaper (the one in hand).
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups import cadences, claims, handoffs, health, interview_plan, services
from candidly.followups.models import Touchpoint
from candidly.followups.silence import silence_batches as check_silence_batches
from candidly.messaging import delivery, emails
from candidly.messaging.errors import PermanentDeliveryError, StateChanged, TemporaryDeliveryError
from candidly.messaging.links import prune_expired_links
from candidly.messaging.models import Link
from candidly.privacy.retention import apply_retention
from candidly.reports.rollup import refresh_rollup
from candidly.webhooks import delivery as webhooks

logger = logging.getLogger("candidly.worker")

Deliver = Callable[..., delivery.Receipt]

# The database is unreachable or the connection broke (a restart, a network cut, pg_terminate_backend): not
# a delivery failure and not a bug in the row. The pass stops; the loop reconnects and carries on.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
# Back-off while the database is away: from the poll interval (at least this), doubling, capped.
OUTAGE_FIRST_WAIT_SECONDS = 0.5
OUTAGE_MAX_WAIT_SECONDS = 5.0


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    TASK = "task"
    RETRY = "retry"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    REPLANNED = "replanned"
    LOST = "lost"  # the claim was lost (lease expired and reaped): nothing done, nothing sent


class LeaseLost(Exception):
    """Raised by ``before_handoff`` when this worker no longer holds the claim; delivery must not go on.

    Messaging lets it propagate: ``deliver`` calls ``before_handoff()`` outside its own error handling.
    """


class _HandOff(delivery.HandOff):
    """A worker's ``before_handoff`` for one message (:meth:`Worker._hand_off`); ``done`` once marked."""

    def __init__(self, worker: Worker, touchpoint: Touchpoint) -> None:
        self.worker = worker
        self.touchpoint = touchpoint
        self.done = False

    def __call__(self, links: Sequence[Link] = ()) -> None:
        self.worker._hand_off(self.touchpoint, links)
        self.done = True


def default_worker_id() -> str:
    """Unique per process and start: host, pid and a random suffix (a restarted pid gets a new id)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class BatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    released: int = 0
    reaped: claims.ReapCounts = field(default_factory=claims.ReapCounts)
    checks: Counter[str] = field(default_factory=Counter)
    webhooks: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        parts = [f"claimed={self.claimed}"]
        parts += [f"{outcome}={self.outcomes[outcome]}" for outcome in Outcome if self.outcomes[outcome]]
        if self.released:
            parts.append(f"released={self.released}")
        if self.reaped.total:
            reaped = self.reaped
            parts.append(
                f"reaped(retry={reaped.retried} ambiguous={reaped.ambiguous} failed={reaped.failed})"
            )
        parts += [f"{name}={count}" for name, count in sorted(self.checks.items()) if count]
        if self.webhooks:
            parts.append(f"webhooks={self.webhooks}")
        return " ".join(parts) + f" in {self.seconds:.3f}s"


StopRequested = Callable[[], bool]
# A periodic check: called with the pass's ``now`` and the worker's stop flag, it does its work in bounded
# batches (keyset over ids, set-based writes) and yields after each how many things it did. Between two
# batches the worker goes back to claiming due touchpoints, and stops when asked.
Check = Callable[[datetime, StopRequested], Iterator[int]]


def single(check: Callable[..., int]) -> Check:
    """A check that is one bounded step (``check(now=...) -> int``) as a :data:`Check`. Single steps run
    together at the start of a pass, with the first batch of the batched checks."""

    def batches(now: datetime, stop_requested: StopRequested) -> Iterator[int]:
        yield check(now=now)

    batches.single = True  # type: ignore[attr-defined]
    return batches


# Every worker runs these every ``checks_every_seconds``, in this order; each is idempotent and safe in
# several workers at once. Adding a check is one line here.
PERIODIC_CHECKS: list[tuple[str, Check]] = [
    # Cadences for interviews that passed as completed (nobody marked them; followups.cadences).
    ("cadences_planned", cadences.ended_interview_batches),
    # "Update" tasks for candidates about to be left in silence (followups.silence).
    ("update_tasks", check_silence_batches),
    # The retention rule (privacy.retention: at most once an hour across workers).
    ("retention_erased", single(apply_retention)),
    # The reports' daily rollup brought up to date (reports.rollup: bounded windows of new Events).
    ("report_cells", single(lambda now: refresh_rollup(now=now).cells)),
    # One bounded batch of long-expired signed links deleted (messaging.links).
    ("links_pruned", single(prune_expired_links)),
]


def _never() -> bool:
    return False


def periodic_check_batches(
    *, now: datetime, stop_requested: StopRequested = _never
) -> Iterator[Counter[str]]:
    """One pass of :data:`PERIODIC_CHECKS`, one batch per step: yields the counts of each step (the single
    steps ride with the first one) and ends early, between batches, once ``stop_requested()``."""
    step: Counter[str] = Counter()
    for name, check in PERIODIC_CHECKS:
        if getattr(check, "single", False):
            for count in check(now, stop_requested):
                step[name] += count
    for name, check in PERIODIC_CHECKS:
        if getattr(check, "single", False):
            continue
        for count in check(now, stop_requested):
            step[name] += count
            yield step
            step = Counter()
            if stop_requested():
                return
    if step:
        yield step


def run_periodic_checks(*, now: datetime, stop_requested: StopRequested = _never) -> Counter[str]:
    """A whole pass of the periodic checks at once (tests, ``run_worker --checks-once``): the count per
    check. A failure propagates (the worker's loop logs it and retries next pass)."""
    counts = Counter({name: 0 for name, _ in PERIODIC_CHECKS})
    for step in periodic_check_batches(now=now, stop_requested=stop_requested):
        counts.update(step)
    return counts


class Worker:
    """One worker process's loop. Build it, then call :meth:`run` (or :meth:`run_batch` from tests).

    ``deliver`` is the messaging seam (replaceable by a stub in the benchmark); each batch runs inside one
    :class:`delivery.Outbox` (one mail connection per batch). ``clock`` gives ``now``.
    ``checks_every_seconds`` turns on :func:`run_periodic_checks` (``run_worker`` does; off by default so
    a bare Worker only performs what is queued). ``heartbeat_every_seconds`` is how often a pass writes the
    heartbeat (well under ``health.HEARTBEAT_STALE_AFTER``).
    ``request_stop()`` (e.g. from a SIGTERM handler) lets the current item finish, gives the rest of the
    claimed batch back to the queue, and makes :meth:`run` return.
    ``housekeeping=False`` makes a sender that only claims and performs due touchpoints: no heartbeat, no
    reaper, no sweep, no periodic checks, no webhooks (another Worker of the process does those:
    ``followups.senders``).
    """

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        batch_size: int = 20,
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 1.0,
        reap_every_seconds: float = 2.0,
        checks_every_seconds: float | None = None,
        heartbeat_every_seconds: float = 5.0,
        max_attempts: int | None = None,
        deliver: Deliver = delivery.deliver,
        post_webhook: webhooks.Post = webhooks.http_post,
        clock: Callable[[], datetime] = timezone.now,
        housekeeping: bool = True,
    ) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.reap_every_seconds = reap_every_seconds
        self.checks_every_seconds = checks_every_seconds
        self.heartbeat_every_seconds = heartbeat_every_seconds
        self.max_attempts = max_attempts
        self.deliver = deliver
        self.post_webhook = post_webhook
        self.clock = clock
        self.housekeeping = housekeeping
        self._stop = threading.Event()
        self._next_reap = 0.0  # monotonic seconds; 0 → reap on the first pass
        self._next_checks = 0.0  # likewise for the periodic checks (ended interviews, silence)
        self._next_beat = 0.0  # likewise for the heartbeat
        self._started_at: datetime | None = None  # the first heartbeat's time
        self._agency: AgencySettings | None = None  # read once per batch: an admin's change applies next pass
        # Rows of a pass the database cut short that were claimed but never started: given back next pass.
        self._unstarted: list[int] = []
        # The pass of periodic checks under way (one batch per run_batch), and the unmarked-interview sweep's.
        self._checks: Iterator[Counter[str]] | None = None
        self._sweep: Iterator[int] | None = None
        # Messages sent whose outcome is not written yet: it rides on the next hand-off, or the batch's end.
        self._sent: list[handoffs.Sent] = []
        self._lost_outcomes = 0  # of those, how many found their claim gone when written

    def sender(self, number: int) -> Worker:
        """Another sender for this process (``followups.senders``): the same settings, the claim id
        ``<worker id>/<number>``, and no housekeeping."""
        return Worker(
            worker_id=f"{self.worker_id}/{number}",
            batch_size=self.batch_size,
            lease=self.lease,
            poll_seconds=self.poll_seconds,
            max_attempts=self.max_attempts,
            deliver=self.deliver,
            post_webhook=self.post_webhook,
            clock=self.clock,
            housekeeping=False,
        )

    # -- control ------------------------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, once: bool = False) -> int:
        """Loop until stopped (or, with ``once``, until nothing is due). Returns how many rows it claimed.

        A failing pass (a bug, a provider's surprise) is logged and retried after ``poll_seconds``: its
        claimed rows are not lost, the reaper recovers them when their lease ends. A database outage is
        logged once when it starts and once when it ends; in between the loop reconnects with a short
        back-off (:data:`OUTAGE_FIRST_WAIT_SECONDS` doubling to :data:`OUTAGE_MAX_WAIT_SECONDS`).
        """
        total = 0
        outage_since: float | None = None  # monotonic time of the first failed pass of an outage
        outage_passes = 0
        emails.prepare()
        logger.info(
            "worker %s started (batch %d, lease %ss, poll %ss)",
            self.worker_id,
            self.batch_size,
            int(self.lease.total_seconds()),
            self.poll_seconds,
        )
        while not self.stopping:
            try:
                report = self.run_batch()
            except DATABASE_OUTAGE as exc:
                # The connection is broken: drop it so the next pass opens a fresh one.
                connection.close()
                wait = min(
                    max(self.poll_seconds, OUTAGE_FIRST_WAIT_SECONDS) * 2**outage_passes,
                    OUTAGE_MAX_WAIT_SECONDS,
                )
                if outage_since is None:
                    outage_since = time.monotonic()
                    logger.warning(
                        "worker %s: database unavailable (%s: %s); reconnecting every %ss at most",
                        self.worker_id,
                        type(exc).__name__,
                        str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail",
                        OUTAGE_MAX_WAIT_SECONDS,
                    )
                outage_passes += 1
                self._stop.wait(wait)
                continue
            except Exception as exc:
                # Keep running: rows claimed by the failed pass are recovered by the reaper after their lease.
                logger.exception("worker %s: pass failed; retrying in %ss", self.worker_id, self.poll_seconds)
                if isinstance(exc, DatabaseError):
                    connection.close()
                self._stop.wait(self.poll_seconds)
                continue
            if outage_since is not None:
                logger.warning(
                    "worker %s: database reachable again after %.1fs (%d failed pass(es))",
                    self.worker_id,
                    time.monotonic() - outage_since,
                    outage_passes,
                )
                outage_since, outage_passes = None, 0
            total += report.claimed
            busy = report.claimed or report.webhooks
            if busy or report.released or report.reaped.total or any(report.checks.values()):
                logger.info("worker %s: %s", self.worker_id, report)
            if report.claimed < self.batch_size and not self.checking:
                if once:
                    break
                # Idle (or a short batch): wait, but wake at once on a stop request.
                self._stop.wait(self.poll_seconds)
        if self._sent:  # kept back by a pass the database cut short
            try:
                self._record_sent()
            except DATABASE_OUTAGE:
                logger.warning("worker %s: %d outcome(s) left to the reaper", self.worker_id, len(self._sent))
        logger.info("worker %s stopped after %d touchpoint(s)", self.worker_id, total)
        return total

    # -- one pass -----------------------------------------------------------------------------------------

    def run_batch(self) -> BatchReport:
        """Beat and reap if due, claim one batch and perform it; stop early (releasing the rest) on a stop
        request. A database outage in the middle raises (see :meth:`run`); the rows not started yet are
        given back by the next pass, the one in hand is left to the reaper (its attempt counts)."""
        started = time.monotonic()
        report = BatchReport()
        if self.housekeeping:
            self.beat_if_due()
        if self._sent:
            # Outcomes a database outage cut off last pass: their claims and leases still hold (written once).
            self._record_sent()
            self._settle(report)
        if self._unstarted:
            report.released = claims.release_claims(
                self._unstarted, now=self.clock(), worker_id=self.worker_id
            )
            self._unstarted = []
        if self.housekeeping and started >= self._next_reap:
            report.reaped = claims.reap_expired_leases(now=self.clock(), max_attempts=self.max_attempts)
            webhooks.reap_expired(now=self.clock())
            # Same cadence as the reaper: interviews nobody marked become a task the next business day.
            self.sweep_one_batch()
            self._next_reap = started + self.reap_every_seconds
        if self.housekeeping and self.checks_every_seconds is not None:
            # One batch of the periodic checks, then this pass's due touchpoints: a long check never holds
            # due messages back by more than one batch. What it plans is claimed below or next pass.
            if self._checks is None and started >= self._next_checks:
                self._checks = periodic_check_batches(now=self.clock(), stop_requested=lambda: self.stopping)
            if self._checks is not None:
                step = next(self._checks, None)
                if step is None:
                    self._checks = None
                    self._next_checks = started + self.checks_every_seconds
                else:
                    report.checks.update(step)
        batch = claims.claim_due(
            now=self.clock(), worker_id=self.worker_id, batch_size=self.batch_size, lease=self.lease
        )
        report.claimed = len(batch)
        if batch:
            # Until a row is started, an outage gives the batch back next pass (see _perform_batch).
            self._unstarted = [tp.pk for tp in batch]
            try:
                self._agency = AgencySettings.load()
                with delivery.Outbox():
                    self._perform_batch(batch, report)
            except DATABASE_OUTAGE:
                raise
            except Exception:
                self._unstarted = []  # a bug, not an outage: the reaper recovers the rows after their lease
                raise
            self._unstarted = []
        if self.housekeeping and not self.stopping:
            # Webhook deliveries ride the same loop, with their own claim (webhooks.delivery).
            report.webhooks = webhooks.deliver_due(
                now=self.clock(),
                worker_id=self.worker_id,
                batch_size=self.batch_size,
                lease=self.lease,
                clock=self.clock,
                post=self.post_webhook,
                should_stop=lambda: self.stopping,
            )
        report.seconds = time.monotonic() - started
        return report

    def _perform_batch(self, batch: list[Touchpoint], report: BatchReport) -> None:
        try:
            for index, touchpoint in enumerate(batch):
                if self.stopping:
                    report.released += claims.release_claims(
                        [tp.pk for tp in batch[index:]], now=self.clock(), worker_id=self.worker_id
                    )
                    break
                if self.housekeeping:
                    self.beat_if_due()
                # The row in hand is the reaper's if the database goes away now; the rest are given back.
                self._unstarted = [tp.pk for tp in batch[index + 1 :]]
                report.outcomes[self._perform(touchpoint)] += 1
                self._settle(report)
        except DATABASE_OUTAGE:
            raise  # the outcomes kept back are written next pass (their leases run on)
        except Exception:
            self._record_sent_quietly()
            raise
        self._record_sent()
        self._settle(report)

    def _record_sent(self) -> int:
        """Write the outcomes kept back (asynchronous commit); returns how many found their claim gone."""
        sent = self._sent
        lost = handoffs.record_sent(sent, worker_id=self.worker_id)
        self._sent = []
        self._lost_outcomes += lost
        return lost

    def _record_sent_quietly(self) -> None:
        try:
            self._record_sent()
        except Exception:
            logger.exception("worker %s: %d outcome(s) left to the reaper", self.worker_id, len(self._sent))
            self._sent = []

    def _settle(self, report: BatchReport) -> None:
        """Count outcomes kept back that turned out lost (their claim gone) as lost, not sent."""
        lost, self._lost_outcomes = self._lost_outcomes, 0
        if lost:
            report.outcomes[Outcome.LOST] += lost
            report.outcomes[Outcome.SENT] -= lost
            if report.outcomes[Outcome.SENT] <= 0:
                del report.outcomes[Outcome.SENT]

    def _hand_off(self, touchpoint: Touchpoint, links: Sequence[Link]) -> None:
        """The hand-off of one message (``followups.handoffs``): the outcomes kept back, the marker (only
        while this worker holds the row and the candidate and interview are as loaded) and the message's
        links, in one durable commit. Raises ``LeaseLost`` or ``StateChanged`` when there is no marker."""
        sent, self._sent = self._sent, []
        try:
            result = handoffs.hand_off(
                touchpoint,
                now=self.clock(),
                worker_id=self.worker_id,
                lease=self.lease,
                expected=handoffs.state_of(touchpoint),
                rows=links,
                sent=sent,
            )
        except DATABASE_OUTAGE:
            # Committed or not, we cannot tell: written again after reconnecting (conditional: never twice).
            self._sent = sent + self._sent
            raise
        self._lost_outcomes += result.lost
        if result.result is handoffs.Result.LEASE_LOST:
            raise LeaseLost(f"touchpoint {touchpoint.pk} is no longer claimed by {self.worker_id}")
        if result.result is handoffs.Result.STATE_CHANGED:
            raise StateChanged(f"touchpoint {touchpoint.pk}: its candidate or interview changed")

    @property
    def checking(self) -> bool:
        """A pass of the periodic checks is under way (its next batch comes with the next run_batch)."""
        return self._checks is not None

    def sweep_one_batch(self) -> int:
        """One batch of the sweep over unmarked interviews, going on from where the last batch ended; a new
        sweep (from the earliest, at the current time) once the last one went through them all."""
        step = next(self._sweep, None) if self._sweep is not None else None
        if step is None:
            self._sweep = interview_plan.unmarked_interview_batches(self.clock(), lambda: self.stopping)
            step = next(self._sweep, None)
        return step or 0

    def run_checks_once(self) -> Counter[str]:
        """One full pass of the periodic checks and of the unmarked-interview sweep, batch by batch, ending
        early between batches on a stop request; no touchpoint is claimed (``run_worker --checks-once``)."""
        counts: Counter[str] = Counter()
        now = self.clock()
        started = time.monotonic()
        logger.info("worker %s: checks pass started", self.worker_id)
        for step in periodic_check_batches(now=now, stop_requested=lambda: self.stopping):
            counts.update(step)
            counts["batches"] += 1
            self.beat_if_due()
        sweep = interview_plan.unmarked_interview_batches(now, lambda: self.stopping)
        for count in sweep if not self.stopping else ():
            counts["mark_tasks"] += count
            counts["batches"] += 1
            self.beat_if_due()
        logger.info(
            "worker %s: checks %s in %.1fs%s",
            self.worker_id,
            " ".join(f"{name}={count}" for name, count in sorted(counts.items())),
            time.monotonic() - started,
            " (stopped early)" if self.stopping else "",
        )
        return counts

    def beat_if_due(self) -> None:
        """Write this worker's heartbeat unless one was written less than ``heartbeat_every_seconds`` ago."""
        moment = time.monotonic()
        if moment < self._next_beat:
            return
        now = self.clock()
        if self._started_at is None:
            self._started_at = now
        health.record_heartbeat(worker_id=self.worker_id, started_at=self._started_at, now=now)
        self._next_beat = moment + self.heartbeat_every_seconds

    def perform(self, touchpoint: Touchpoint) -> Outcome:
        """Perform one claimed touchpoint and record its outcome at once (a batch keeps a sent message's
        outcome back for the next hand-off: :meth:`_perform`)."""
        outcome = self._perform(touchpoint)
        lost = self._record_sent()
        self._lost_outcomes = 0
        return Outcome.LOST if lost and outcome == Outcome.SENT else outcome

    def _perform(self, touchpoint: Touchpoint) -> Outcome:
        """Perform one claimed touchpoint and record its outcome. Never raises for a delivery problem.

        An unexpected error before the hand-off counts as a temporary failure (retried, then failed with a
        Task); after the hand-off it makes the row ``ambiguous`` at once rather than risk a second send.
        A database outage is neither: it propagates, and the row stays claimed until the reaper sees its
        lease end (no hand-off: retried; hand-off: ambiguous).
        """
        now = self.clock()
        worker_id = self.worker_id
        stop = cadences.reason_to_stop(touchpoint)
        if stop:
            skipped = services.mark_skipped(touchpoint, now=now, worker_id=worker_id, reason=stop)
            return Outcome.SKIPPED if skipped else Outcome.LOST
        if not touchpoint.is_message:
            task = services.hand_to_recruiter(touchpoint, now=now, worker_id=worker_id, agency=self._agency)
            return Outcome.TASK if task is not None else Outcome.LOST
        if (
            touchpoint.candidate is not None
            and touchpoint.candidate.is_unsubscribed
            and not touchpoint.is_essential
        ):
            skipped = services.mark_skipped(
                touchpoint, now=now, worker_id=worker_id, reason="The candidate unsubscribed."
            )
            return Outcome.SKIPPED if skipped else Outcome.LOST
        candidate = touchpoint.candidate
        if candidate is not None and candidate.is_paused(now) and not touchpoint.is_essential:
            # "No emails this week" (followups.steering.pause_messages): it waits for the pause to end.
            assert candidate.messages_paused_until is not None
            resume = services.business_moment(candidate.messages_paused_until, candidate, agency=self._agency)
            replanned = services.replan_claimed(touchpoint, now=now, worker_id=worker_id, due_at=resume)
            return Outcome.REPLANNED if replanned else Outcome.LOST
        if touchpoint.respects_business_hours:
            moment = services.business_moment(now, touchpoint.person, agency=self._agency)
            if moment > now:
                replanned = services.replan_claimed(touchpoint, now=now, worker_id=worker_id, due_at=moment)
                return Outcome.REPLANNED if replanned else Outcome.LOST

        before_handoff = _HandOff(self, touchpoint)

        def deliver() -> delivery.Receipt:
            try:
                return self.deliver(touchpoint, now=now, before_handoff=before_handoff)
            except TemporaryDeliveryError as exc:
                # An SMS that kept failing goes by email on its last try, like every other SMS that cannot
                # go: a temporary failure guarantees the provider accepted nothing, so it is no duplicate.
                last = services.is_last_attempt(touchpoint, max_attempts=self.max_attempts)
                if touchpoint.channel != Touchpoint.Channel.SMS or not last:
                    raise
                why = f"The SMS provider failed {touchpoint.attempts} times, the last with: {exc}"
                return delivery.instead_by_email(
                    touchpoint, now=self.clock(), before_handoff=before_handoff, why=why
                )

        try:
            receipt = deliver()
        except LeaseLost:
            logger.warning("worker %s lost the claim on touchpoint %s; not sending", worker_id, touchpoint.pk)
            return Outcome.LOST
        except TemporaryDeliveryError as exc:
            now = self.clock()
            if not services.retry_or_fail(
                touchpoint, now=now, worker_id=worker_id, error=str(exc), max_attempts=self.max_attempts
            ):
                return Outcome.LOST
            return Outcome.FAILED if touchpoint.status == Touchpoint.Status.FAILED else Outcome.RETRY
        except PermanentDeliveryError as exc:
            failed = services.mark_failed(
                touchpoint, now=self.clock(), owner=services.Owner(worker_id=worker_id), error=str(exc)
            )
            return Outcome.FAILED if failed else Outcome.LOST
        except DATABASE_OUTAGE:
            raise
        except Exception as exc:
            logger.exception("worker %s: touchpoint %s raised", worker_id, touchpoint.pk)
            error = f"{type(exc).__name__}: {exc}"
            if before_handoff.done:
                owner = services.Owner(worker_id=worker_id)
                done = services.mark_ambiguous(touchpoint, now=self.clock(), owner=owner, error=error)
                return Outcome.AMBIGUOUS if done else Outcome.LOST
            if not services.retry_or_fail(
                touchpoint, now=self.clock(), worker_id=worker_id, error=error, max_attempts=self.max_attempts
            ):
                return Outcome.LOST
            return Outcome.FAILED if touchpoint.status == Touchpoint.Status.FAILED else Outcome.RETRY

        now = self.clock()
        if receipt.sent:
            # Written with the next message's hand-off, or at the end of the batch.
            self._sent.append(
                handoffs.sent(touchpoint, now=now, message_id=receipt.message_id, fallback=receipt.fallback)
            )
            return Outcome.SENT
        skipped = services.mark_skipped(
            touchpoint, now=now, worker_id=worker_id, reason=receipt.note or "Not sent."
        )
        return Outcome.SKIPPED if skipped else Outcome.LOST
