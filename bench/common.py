"""What `make bench` and `make chaos` share: PostgreSQL and its throw-away database, the SMTP sink process,
bulk rows (candidates, interviews, touchpoints) and `run_worker` processes.

Everything here is harness code: it creates its own database (``candidly_bench`` by default) and never touches
the demo's or the tests' databases.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PYTHON = sys.executable
PG_SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = os.environ.get("BENCH_DB", "candidly_bench")
DATABASE_URL = f"{PG_SERVER_URL}/{DB_NAME}"
# Separate folders let `make bench` and `make chaos` run side by side (with separate BENCH_DB too).
LOG_DIR = Path(os.environ.get("BENCH_LOG_DIR", str(REPO / "var" / "bench")))
# Rows the harness creates are recognisable (and never collide with anything else in the database).
KEY_PREFIX = "bench"
FAR_FUTURE = "2100-01-01 00:00:00+00"


def say(text: str) -> None:
    """Progress goes to stderr so stdout stays a clean list of ``name: value`` figures."""
    print(text, file=sys.stderr, flush=True)


def figure(name: str, value: object) -> None:
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {value}", flush=True)


# --- PostgreSQL --------------------------------------------------------------------------------------------


def _pg_answers() -> bool:
    import psycopg

    try:
        psycopg.connect(f"{PG_SERVER_URL}/postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def ensure_postgres() -> None:
    """Start the local cluster the way CI does when nothing answers; fail loudly after 30 s."""
    if _pg_answers():
        return
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or not shutil.which("pg_ctlcluster"):
        raise SystemExit(f"PostgreSQL does not answer at {PG_SERVER_URL} and no local cluster to start")
    say(f"starting PostgreSQL {versions[-1]}")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
    subprocess.run(command, check=False)  # noqa: S603 - the command CI runs, from PATH
    for _ in range(60):
        if _pg_answers():
            return
        time.sleep(0.5)
    raise SystemExit(f"PostgreSQL did not come up at {PG_SERVER_URL}")


def restart_postgres() -> float:
    """Restart the local cluster (``pg_ctlcluster … restart``: fast shutdown, every session is cut) and
    return the seconds it took. If the restart fails, start the cluster again: never leave it down."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or not shutil.which("pg_ctlcluster"):
        raise SystemExit("no local PostgreSQL cluster to restart (pg_ctlcluster, /etc/postgresql)")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]
    started = time.monotonic()
    try:
        subprocess.run([*command, "restart"], check=True, capture_output=True, timeout=120)  # noqa: S603
    finally:
        if not _pg_answers():
            subprocess.run([*command, "start"], check=False, capture_output=True, timeout=120)  # noqa: S603
            ensure_postgres()
    return time.monotonic() - started


def reset_database() -> None:
    """Drop and recreate the harness's own database (FORCE ends sessions a crashed run left behind)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def worker_environment(email_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        EMAIL_URL=email_url,
        EMAIL_TIMEOUT=env.get("EMAIL_TIMEOUT", "5"),
        DJANGO_SETTINGS_MODULE="candidly.settings",
        # INFO: a line per batch, and the "started" line the harness waits for.
        LOG_LEVEL=env.get("BENCH_WORKER_LOG_LEVEL", "INFO"),
        PYTHONUNBUFFERED="1",
    )
    return env


def setup_django(email_url: str) -> None:
    """Point this process's Django at the harness database and the sink, create the schema."""
    os.environ.update(worker_environment(email_url))
    os.environ["LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# --- SMTP sink ---------------------------------------------------------------------------------------------


class Sink:
    """The SMTP sink in its own process (bench/smtp_sink.py), queried over loopback HTTP."""

    def __init__(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self._stderr = (LOG_DIR / "smtp_sink.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [PYTHON, str(REPO / "bench" / "smtp_sink.py")],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the SMTP sink did not start; see {LOG_DIR / 'smtp_sink.log'}")
        ports = json.loads(line)
        self.smtp_port: int = ports["smtp_port"]
        self.http_port: int = ports["http_port"]

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.smtp_port}"

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback http only
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def ids(self) -> dict[str, int]:
        return self._call("GET", "/ids")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


# --- Bulk rows ---------------------------------------------------------------------------------------------


def insert_series(
    model: Any, count: int, overrides: dict[str, str], params: dict[str, Any], start: int = 1
) -> int:
    """``INSERT … SELECT … FROM generate_series(start, start+count-1) AS g`` for ``model``.

    ``overrides`` maps field names to SQL expressions over ``g`` (and ``%(name)s`` params); every other column
    gets its model default, so a column added by a later migration does not break the harness.
    """
    from django.db import connection, models

    columns: list[str] = []
    expressions: list[str] = []
    values = dict(params, g_start=start, g_end=start + count - 1)
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField | models.BigAutoField):
            continue
        if (
            f.name not in overrides
            and getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED
        ):
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.name in overrides:
            expressions.append(overrides[f.name])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expressions.append("now()")
        else:
            default = f.get_default()
            if default is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value in the harness")
            key = f"default_{f.column}"
            values[key] = f.get_db_prep_save(default, connection)
            expressions.append(f"%({key})s")
    table = connection.ops.quote_name(model._meta.db_table)
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names come from the model, values are params
        f"SELECT {', '.join(expressions)} FROM generate_series(%(g_start)s, %(g_end)s) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return int(cursor.rowcount)


@dataclass
class People:
    """Candidates each in one submission with one completed interview; touchpoints cycle through them."""

    candidate_ids: list[int] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)
    interview_ids: list[int] = field(default_factory=list)


def create_people(count: int) -> People:
    """A recruiter, a client with a role, and ``count`` candidates interviewed for it an hour ago."""
    from django.db import transaction

    from candidly.accounts.models import User
    from candidly.hiring.models import Interview, Role, Submission
    from candidly.people.models import Candidate, Company, Contact

    with transaction.atomic():
        recruiter = User.objects.create_user(
            username="bench-recruiter",
            first_name="Rita",
            last_name="Bench",
            email="rita@agency.test",
            phone="+442079460958",
            password=None,
        )
        company = Company.objects.create(name="Bench Client Ltd", country="GB", time_zone="Europe/London")
        manager = Contact.objects.create(
            company=company, name="Hannah Manager", email="hannah@client.test", is_hiring_manager=True
        )
        role = Role.objects.create(company=company, title="Backend Engineer", hiring_manager=manager)
        insert_series(
            Candidate,
            count,
            {
                "name": "'Bench Candidate ' || g",
                "email": "'bench-' || g || '@mail.test'",
                "phone": "'+14155550123'",
                "time_zone": "'Europe/London'",
                "preferred_channel": "'email'",
                "recruiter": "%(recruiter)s",
                "consent_at": "now()",
            },
            {"recruiter": recruiter.pk},
        )
        candidate_ids = list(
            Candidate.objects.filter(email__startswith="bench-").order_by("pk").values_list("pk", flat=True)
        )
        insert_series(
            Submission,
            count,
            {
                "candidate": "(%(ids)s::bigint[])[g]",
                "role": "%(role)s",
                "recruiter": "%(recruiter)s",
                "stage": "'interviewing'",
            },
            {"ids": candidate_ids, "role": role.pk, "recruiter": recruiter.pk},
        )
        submission_ids = list(
            Submission.objects.filter(role=role).order_by("candidate_id").values_list("pk", flat=True)
        )
        insert_series(
            Interview,
            count,
            {
                "submission": "(%(ids)s::bigint[])[g]",
                "starts_at": "now() - interval '2 hours'",
                "ends_at": "now() - interval '1 hour'",
                "time_zone": "'Europe/London'",
                "format": "'phone'",
                "status": "'completed'",
                "created_by": "%(recruiter)s",
            },
            {"ids": submission_ids, "recruiter": recruiter.pk},
        )
        interview_ids = list(
            Interview.objects.filter(submission__role=role)
            .order_by("submission__candidate_id")
            .values_list("pk", flat=True)
        )
    return People(candidate_ids, submission_ids, interview_ids)


def create_touchpoints(
    people: People,
    count: int,
    *,
    tag: str,
    due_sql: str = "now() - interval '1 minute'",
    start: int = 1,
) -> int:
    """``count`` follow-up emails (``idempotency_key`` = bench-<tag>-<n>, n from ``start``), due when
    ``due_sql`` says (an SQL expression over the row number ``g``).

    Business hours are off for these rows so the figures do not depend on the hour the harness runs at.
    """
    from candidly.followups.models import Touchpoint

    n = len(people.candidate_ids)
    pick = f"[1 + (g - 1) %% {n}]"  # %% : a literal modulo inside a parametrised statement
    return insert_series(
        Touchpoint,
        count,
        {
            "candidate": f"(%(candidates)s::bigint[]){pick}",
            "submission": f"(%(submissions)s::bigint[]){pick}",
            "interview": f"(%(interviews)s::bigint[]){pick}",
            "kind": "%(kind)s",
            "channel": "'email'",
            "step": "0",
            "idempotency_key": f"'{KEY_PREFIX}-{tag}-' || g",
            "due_at": due_sql,
            "respects_business_hours": "false",
            "status": "'planned'",
        },
        {
            "candidates": people.candidate_ids,
            "submissions": people.submission_ids,
            "interviews": people.interview_ids,
            "kind": Touchpoint.Kind.FOLLOW_UP_EMAIL.value,
        },
        start=start,
    )


def tag_pattern(tag: str) -> str:
    return f"{KEY_PREFIX}-{tag}-%"


def status_counts(tag: str) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM followups_touchpoint WHERE idempotency_key LIKE %s GROUP BY status",
            [tag_pattern(tag)],
        )
        return {status: int(n) for status, n in cursor.fetchall()}


# --- Workers -----------------------------------------------------------------------------------------------


@dataclass
class Worker:
    worker_id: str
    process: subprocess.Popen[bytes]
    log: TextIO


class Workers:
    """``manage.py run_worker`` processes, each logging to var/bench/<worker id>.log."""

    def __init__(
        self, email_url: str, *, batch_size: int, poll_seconds: float, extra: Sequence[str] = ()
    ) -> None:
        self.env = worker_environment(email_url)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.extra = list(extra)
        self.running: dict[str, Worker] = {}
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def start(self, worker_id: str) -> Worker:
        log = (LOG_DIR / f"{worker_id}.log").open("w")
        command = [
            PYTHON,
            str(REPO / "manage.py"),
            "run_worker",
            "--worker-id",
            worker_id,
            "--batch-size",
            str(self.batch_size),
            "--poll-seconds",
            _number(self.poll_seconds),
            *self.extra,
        ]
        process = subprocess.Popen(  # noqa: S603 - our own manage.py
            command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        worker = Worker(worker_id, process, log)
        self.running[worker_id] = worker
        return worker

    def kill(self, worker_id: str) -> None:
        """SIGKILL: the process gets no chance to finish anything (that is the point)."""
        worker = self.running.pop(worker_id)
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait()
        worker.log.close()

    def dead(self) -> list[str]:
        return [w.worker_id for w in self.running.values() if w.process.poll() is not None]

    def stop_all(self, timeout: float = 20) -> dict[str, int | None]:
        """SIGTERM everyone, wait for clean exits; return each worker's exit code (None: had to be killed)."""
        codes: dict[str, int | None] = {}
        for worker in self.running.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for worker in self.running.values():
            try:
                codes[worker.worker_id] = worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
                codes[worker.worker_id] = None
            worker.log.close()
        self.running.clear()
        return codes


class WebApp:
    """The web app as production runs it: one gunicorn process on a free loopback port (var/bench/web.log).

    ``health()`` asks its ``/healthz`` over HTTP and returns the JSON body (whatever the status), or None
    when it does not answer.
    """

    def __init__(self, email_url: str) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.log = (LOG_DIR / "web.log").open("w")
        env = worker_environment(email_url)
        env["CANDIDLY_BASE_URL"] = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(PYTHON).with_name("gunicorn"))
        self.process = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
            [gunicorn, "candidly.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_until(lambda: self.health() is not None, timeout=60, interval=0.2):
            self.stop()
            raise SystemExit(f"the web app did not start; see {LOG_DIR / 'web.log'}")

    def health(self) -> dict[str, Any] | None:
        import urllib.error

        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # 503 carries the same JSON
            try:
                return json.loads(error.read())
            except ValueError:
                return None
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def worker_started(worker_id: str) -> bool:
    """The worker logged its start line: Django is loaded and its first pass is next."""
    log = LOG_DIR / f"{worker_id}.log"
    return log.exists() and "started" in log.read_text()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def wait_until(predicate: Any, *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextmanager
def harness(name: str) -> Iterator[Sink]:
    """PostgreSQL up, a fresh database migrated, the sink running; the sink is stopped on the way out."""
    ensure_postgres()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):  # a previous run's logs would confuse the "worker started" check
        old.unlink()
    say(f"{name}: fresh database {DB_NAME}")
    reset_database()
    sink = Sink()
    try:
        setup_django(sink.email_url)
        random.seed(int(os.environ.get("BENCH_SEED", str(int(time.time())))))
        yield sink
    finally:
        sink.stop()
