"""`make chaos`: kill -9 workers while they send, then check that nothing was sent twice and nothing was lost.

4 ``run_worker`` processes (short leases), CHAOS_TOUCHPOINTS emails due at once, then CHAOS_KILLS cycles of
SIGKILL to a random worker at a random moment while work is flowing, each restarted at once under a new id.
Twice in the middle of those kills (CHAOS_PG_RESTARTS) PostgreSQL itself is restarted while rows are being
claimed and sent: the workers must log the outage and reconnect by themselves (a worker that exits is a
failure), and the web app's ``/healthz`` must see the database again within seconds.
At the end every touchpoint must be done, failed or ambiguous, and no Message-ID may reach the sink twice.
Prints ``name: value`` lines; exits 1 when ``duplicates`` or ``lost`` (or ``done_not_in_sink``) is above 0,
or when fewer restarts than asked for happened.

Knobs (environment): CHAOS_KILLS (100), CHAOS_TOUCHPOINTS (10000), CHAOS_WORKERS (4), CHAOS_BATCH (10),
CHAOS_LEASE_SECONDS (5), CHAOS_MAX_GAP_SECONDS (1.0), CHAOS_DEADLINE_SECONDS (300),
CHAOS_BUDGET_SECONDS (570), CHAOS_PG_RESTARTS (2; 0 skips the phase), BENCH_SEED.

CAUTION: a restart cuts every session of the whole PostgreSQL cluster, other databases' included.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import common
from common import figure, say
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

KILLS = int(os.environ.get("CHAOS_KILLS", "100"))
TOUCHPOINTS = int(os.environ.get("CHAOS_TOUCHPOINTS", "10000"))
WORKERS = int(os.environ.get("CHAOS_WORKERS", "4"))
BATCH = int(os.environ.get("CHAOS_BATCH", "10"))
LEASE_SECONDS = int(os.environ.get("CHAOS_LEASE_SECONDS", "5"))
MAX_GAP = float(os.environ.get("CHAOS_MAX_GAP_SECONDS", "1.0"))
DEADLINE = float(os.environ.get("CHAOS_DEADLINE_SECONDS", "300"))
# The whole run stays under 10 minutes: on a machine too slow to drain the queue it ends with "lost" rows
# (still queued, see lost_still_queued) rather than run on.
BUDGET = float(os.environ.get("CHAOS_BUDGET_SECONDS", "570"))
# Kept back and released in bursts whenever the queue runs dry before the last kill, so every kill lands
# while rows are being claimed and sent.
RESERVE = int(os.environ.get("CHAOS_RESERVE", str(max(TOUCHPOINTS // 2, 500))))
BURST = int(os.environ.get("CHAOS_BURST", "200"))
FINISHED = ("done", "failed", "ambiguous")
PG_RESTARTS = int(os.environ.get("CHAOS_PG_RESTARTS", "2"))
# The restarts fall evenly among the kills (10 kills, 2 restarts: before the 4th and the 8th kill).
RESTART_BEFORE_KILL = sorted(
    {min(KILLS - 1, round(KILLS * (n + 1) / (PG_RESTARTS + 1))) for n in range(PG_RESTARTS)}
    if KILLS
    else set()
)
# After a restart, the web app must answer /healthz with "database": "ok" within this long.
WEB_RECOVERY_LIMIT_SECONDS = 30.0


def query(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement for the harness; across a PostgreSQL restart, reconnect and try again (30 s)."""
    from django.db import InterfaceError, OperationalError, connection

    deadline = time.monotonic() + 30
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall()) if cursor.description else []
        except (OperationalError, InterfaceError):
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def due_now() -> int:
    rows = query(
        "SELECT count(*) FROM followups_touchpoint WHERE status = 'planned' AND due_at <= now() "
        "AND idempotency_key LIKE 'bench-chaos%%'"
    )
    return int(rows[0][0])


def release(tag: str, limit: int | None = None) -> int:
    """Make held-back rows due now. Returns how many were released."""
    rows = query(
        "UPDATE followups_touchpoint SET due_at = now() - interval '1 second' WHERE id IN ("
        "  SELECT id FROM followups_touchpoint WHERE idempotency_key LIKE %s AND due_at >= %s LIMIT %s"
        ") RETURNING id",
        [common.tag_pattern(tag), common.FAR_FUTURE, limit],  # LIMIT NULL: all of them
    )
    return len(rows)


# A worker process claims as "<id>" and, with several senders, as "<id>/2", "<id>/3"…: counted per process.
_HOLDERS = (
    "SELECT DISTINCT split_part(claimed_by, '/', 1) FROM followups_touchpoint "
    "WHERE status = 'in_progress' AND split_part(claimed_by, '/', 1) = ANY(%s)"
)
_LEFT_BEHIND = (
    "SELECT count(*), count(handoff_at) FROM followups_touchpoint "
    "WHERE status = 'in_progress' AND split_part(claimed_by, '/', 1) = %s"
)


def new_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@dataclass
class Run:
    """One chaos run: the worker slots (each restarted under a new id), the killed ids, the counts."""

    pool: common.Workers
    web: common.WebApp
    began: float
    slots: dict[int, str] = field(default_factory=dict)
    generation: dict[int, int] = field(default_factory=dict)
    dead_ids: list[str] = field(default_factory=list)
    released: int = 0
    idle_kills: int = 0
    last_kill: float = 0.0
    recovery_s: float | None = None
    # Victims that left claims behind → when they were killed; and how long each took to be recovered.
    pending: dict[str, float] = field(default_factory=dict)
    recoveries: list[float] = field(default_factory=list)
    orphaned_claims: int = 0
    orphaned_handoffs: int = 0
    # PostgreSQL restarts: how long each took, and how long /healthz then needed to see the database.
    pg_restart_seconds: list[float] = field(default_factory=list)
    web_recovery_seconds: list[float] = field(default_factory=list)

    def start_all(self) -> None:
        for slot in range(1, WORKERS + 1):
            self.generation[slot] = 0
            self.slots[slot] = f"chaos-{slot}-0"
            self.pool.start(self.slots[slot])
        if not common.wait_until(
            lambda: all(map(common.worker_started, self.slots.values())), timeout=90, interval=0.2
        ):
            raise SystemExit(f"workers did not start; see {common.LOG_DIR}")

    def kill_one(self) -> None:
        """SIGKILL a random worker holding claims right now (else one that is up), restart it at once.

        Killing a worker that holds nothing (still booting, or between batches) would test nothing. And at
        most one worker is down or booting at a time: kills faster than Django boots would leave no live
        worker to run the reaper or drain the queue, which measures the kill rate, not the engine.
        """
        started = common.worker_started
        common.wait_until(
            lambda: sum(map(started, self.slots.values())) >= max(1, WORKERS - 1), timeout=30, interval=0.05
        )
        holding = {row[0] for row in query(_HOLDERS, [list(self.slots.values())])}
        busy = [slot for slot, worker_id in self.slots.items() if worker_id in holding]
        up = [slot for slot, worker_id in self.slots.items() if started(worker_id)]
        slot = random.choice(busy or up or list(self.slots))
        victim = self.slots[slot]
        self.pool.kill(victim)
        self.dead_ids.append(victim)
        self.last_kill = time.monotonic()
        # What the dead worker left behind: claims for the reaper, and hand-offs that must become ambiguous.
        claims, handoffs = query(_LEFT_BEHIND, [victim])[0]
        self.orphaned_claims += int(claims)
        self.orphaned_handoffs += int(handoffs)
        if claims:
            self.pending[victim] = self.last_kill
        self.generation[slot] += 1
        self.slots[slot] = f"chaos-{slot}-{self.generation[slot]}"
        self.pool.start(self.slots[slot])

    def note_recoveries(self) -> None:
        """Time, per killed worker, until the reaper has taken back every claim it left."""
        if not self.pending:
            return
        still = {row[0] for row in query(_HOLDERS, [list(self.pending)])}
        now = time.monotonic()
        for victim in [v for v in self.pending if v not in still]:
            self.recoveries.append(now - self.pending.pop(victim))

    def pause(self, seconds: float) -> None:
        """Sleep, looking at recoveries every 0.25 s so their times are that precise."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            time.sleep(min(0.25, left))
            self.note_recoveries()

    def ensure_work(self) -> bool:
        """Release a burst of held-back rows when nothing is due, so the next blow lands on work in flight.
        Returns False when there was nothing left to release."""
        if due_now() > 0:
            return True
        burst = release("chaosr", BURST)
        self.released += burst
        self.pause(random.uniform(0.05, 0.5))
        return burst > 0

    def restart_database(self) -> None:
        """Restart PostgreSQL while the workers claim and send, then time the web app's way back."""
        self.ensure_work()
        self.pause(random.uniform(0.1, 0.5))
        say("chaos: restarting PostgreSQL")
        self.pg_restart_seconds.append(common.restart_postgres())
        back = time.monotonic()

        def web_sees_the_database() -> bool:
            health = self.web.health()
            return health is not None and health["database"] == "ok"

        if not common.wait_until(web_sees_the_database, timeout=WEB_RECOVERY_LIMIT_SECONDS, interval=0.1):
            raise SystemExit(
                f"/healthz did not see the database {WEB_RECOVERY_LIMIT_SECONDS:.0f} s after a restart"
            )
        self.web_recovery_seconds.append(time.monotonic() - back)

    def kill_phase(self, bar: Progress) -> None:
        task = bar.add_task("kill -9", total=KILLS)
        for index in range(KILLS):
            self.pause(random.uniform(0.05, MAX_GAP))
            if index in RESTART_BEFORE_KILL:
                self.restart_database()
            self.idle_kills += not self.ensure_work()
            self.kill_one()
            bar.advance(task)
            for crashed in self.pool.dead():  # a worker dying on its own is a finding, not noise
                raise SystemExit(f"worker {crashed} exited by itself; see {common.LOG_DIR}")

    def drain_phase(self, bar: Progress) -> None:
        """Wait until every released row is finished and no killed worker's claim is left, or the deadline."""
        # Rows never released would count as "lost" although no worker ever saw them.
        query(
            "DELETE FROM followups_touchpoint WHERE idempotency_key LIKE %s AND due_at >= %s",
            [common.tag_pattern("chaosr"), common.FAR_FUTURE],
        )
        deadline = min(self.last_kill + DEADLINE, self.began + BUDGET)
        task = bar.add_task("finishing", total=self.released)
        while time.monotonic() < deadline:
            self.note_recoveries()
            if self.recovery_s is None and not self.pending:
                self.recovery_s = time.monotonic() - self.last_kill
            rows = query(
                "SELECT count(*) FROM followups_touchpoint "
                "WHERE idempotency_key LIKE 'bench-chaos%%' AND status = ANY(%s)",
                [list(FINISHED)],
            )
            finished = int(rows[0][0])
            bar.update(task, completed=finished)
            if finished == self.released and self.recovery_s is not None:
                return
            time.sleep(0.25)
        say(f"chaos: deadline reached ({DEADLINE:.0f} s after the last kill or {BUDGET:.0f} s in all)")


def main() -> int:
    began = time.monotonic()
    with common.harness("chaos") as sink:
        people = common.create_people(min(TOUCHPOINTS, 5000))
        far = f"'{common.FAR_FUTURE}'"
        common.create_touchpoints(people, TOUCHPOINTS, tag="chaos", due_sql=far)
        common.create_touchpoints(people, RESERVE, tag="chaosr", due_sql=far)
        pool = common.Workers(
            sink.email_url,
            batch_size=BATCH,
            poll_seconds=0.2,
            extra=["--lease-seconds", str(LEASE_SECONDS), "--reap-seconds", "1"],
        )
        # The SMTP timeout must stay below the lease, or a slow send would look like a dead worker.
        pool.env["EMAIL_TIMEOUT"] = str(max(1, LEASE_SECONDS // 2))
        web = common.WebApp(sink.email_url)
        run = Run(pool=pool, web=web, began=began)
        try:
            run.start_all()
            say(f"chaos: {WORKERS} workers up; {TOUCHPOINTS} touchpoints due now; {KILLS} kills to come")
            run.released = release("chaos")
            with new_progress() as bar:
                run.kill_phase(bar)
                run.drain_phase(bar)
        finally:
            exit_codes = pool.stop_all()
            web.stop()
        return report(sink, run, exit_codes, time.monotonic() - began)


def report(sink: common.Sink, run: Run, exit_codes: dict[str, int | None], elapsed: float) -> int:
    from candidly.followups.models import Touchpoint
    from candidly.messaging.delivery import message_id_for

    rows = Touchpoint.objects.filter(idempotency_key__startswith="bench-chaos")
    counts: dict[str, int] = {}
    for status in rows.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    in_sink = sink.ids()
    stats = sink.stats()
    done_ids = set(rows.filter(status="done").values_list("message_id", flat=True))
    ambiguous = list(rows.filter(status="ambiguous"))
    failed = list(rows.filter(status="failed"))
    lost = sum(n for status, n in counts.items() if status not in FINISHED)
    done_not_in_sink = len(done_ids - in_sink.keys())
    figure("kills", len(run.dead_ids))
    figure("orphaned_claims", run.orphaned_claims)
    figure("orphaned_handoffs", run.orphaned_handoffs)
    figure("touchpoints", run.released)
    figure("delivered", stats["distinct"])
    figure("duplicates", stats["duplicates"])
    figure("lost", lost)
    figure("lost_still_queued", counts.get("planned", 0))
    figure("ambiguous", counts.get("ambiguous", 0))
    figure("ambiguous_in_sink", sum(1 for tp in ambiguous if message_id_for(tp) in in_sink))
    figure("failed", counts.get("failed", 0))
    figure("failed_in_sink", sum(1 for tp in failed if message_id_for(tp) in in_sink))
    figure("done_not_in_sink", done_not_in_sink)
    figure("recovery_s", run.recovery_s if run.recovery_s is not None else "never")
    if run.recoveries:
        figure("recovery_s_per_kill_max", max(run.recoveries))
        figure("recovery_s_per_kill_mean", sum(run.recoveries) / len(run.recoveries))
    figure("kills_while_idle", run.idle_kills)
    figure("pg_restarts", len(run.pg_restart_seconds))
    if run.pg_restart_seconds:
        figure("pg_restart_s_max", max(run.pg_restart_seconds))
        figure("web_answers_after_restart_s_max", max(run.web_recovery_seconds))
    logs = [path.read_text() for path in common.LOG_DIR.glob("chaos-*.log")]
    figure("worker_outages_logged", sum(log.count("database unavailable") for log in logs))
    figure("worker_reconnects_logged", sum(log.count("database reachable again") for log in logs))
    clean = sum(1 for code in exit_codes.values() if code == 0)
    figure("clean_sigterm_exits", f"{clean}/{len(exit_codes)}")
    figure("elapsed_s", elapsed)
    if stats["duplicates"]:
        by_message_id = {message_id_for(tp): tp for tp in rows}
        say(f"chaos: DUPLICATES {stats['duplicate_ids']}")
        for message_id, times in stats["duplicate_ids"].items():
            tp = by_message_id.get(message_id)
            found = (
                f"touchpoint {tp.pk} {tp.status} attempts={tp.attempts} {tp.last_error!r}" if tp else "no row"
            )
            say(f"  {message_id} x{times}: {found}")
    if lost:
        stuck = rows.exclude(status__in=FINISHED)[:10]
        say(
            "chaos: LOST "
            + "; ".join(f"{tp.pk} {tp.status} by {tp.claimed_by!r} due {tp.due_at}" for tp in stuck)
        )
    ok = (
        stats["duplicates"] == 0
        and lost == 0
        and done_not_in_sink == 0
        and len(run.pg_restart_seconds) == len(RESTART_BEFORE_KILL)
    )
    say(f"chaos: {'OK' if ok else 'FAILED'}; worker logs in {common.LOG_DIR}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
