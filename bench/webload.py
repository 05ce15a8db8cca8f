"""`make bench`'s public pages under load: a gunicorn of the app (bench_settings: plus a hello-world view)
and a small threaded HTTP client that speaks just enough HTTP/1.1 to stay cheap next to the server it
measures on the same two cores."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import common

SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_WEB_CLIENTS", "4"))
# As the README's production example runs it.
GUNICORN_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))
# Off by default: writing the log costs each request a little.
ACCESS_LOG = os.environ.get("BENCH_WEB_ACCESS_LOG", "") == "1"

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(rb"csrftoken=([^;\r\n]+)")

# One client's step: given the port, do one page's requests; returns how many requests it made.
Step = Callable[[int], int]


class BadAnswer(Exception):
    pass


def request(port: int, raw: bytes) -> tuple[int, bytes, bytes]:
    """Send one request on a new connection (gunicorn's sync workers close it) and read the whole answer:
    status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def post(path: str, fields: dict[str, str], cookie: str) -> bytes:
    body = urlencode(fields).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: csrftoken={cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def hello() -> Step:
    def step(port: int) -> int:
        status, _, _ = request(port, get("/bench/hello/"))
        if status != 200:
            raise BadAnswer(f"hello answered {status}")
        return 1

    return step


def three_questions(tokens: list[str]) -> Step:
    """A candidate opens their feedback link (GET) and sends the three answers (POST), as a browser does:
    the CSRF cookie and field from the GET go with the POST."""

    def step(port: int) -> int:
        path = f"/l/feedback/{random.choice(tokens)}/"
        status, head, body = request(port, get(path))
        cookie, field = CSRF_COOKIE.search(head), CSRF_INPUT.search(body)
        if status != 200 or cookie is None or field is None:
            raise BadAnswer(f"GET {path} answered {status}")
        answers = {
            "csrfmiddlewaretoken": field.group(1).decode(),
            "enjoyment": str(random.randint(1, 5)),
            "difference": "a_little",
            "excitement": "yes",
            "notes": "Nice team.",
        }
        status, _, _ = request(port, post(path, answers, cookie.group(1).decode()))
        if status != 200:
            raise BadAnswer(f"POST {path} answered {status}")
        return 2

    return step


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def __str__(self) -> str:
        return f"{self.per_second:.1f}/s ({self.requests} requests, {self.errors} errors)"


# Steps each client makes before the clock starts: a gunicorn worker's first requests import modules,
# compile templates and connect to the database (3 to 4 s each on this loaded machine).
WARM_STEPS = int(os.environ.get("BENCH_WEB_WARM_STEPS", "5"))


def load(port: int, step: Step, *, seconds: float = SECONDS, clients: int = CLIENTS) -> Result:
    """``clients`` threads repeat ``step`` for ``seconds``. Raises on errors.

    The clock starts only once every client has made ``WARM_STEPS`` steps: a fixed second of warm-up let
    the gunicorn workers' cold first requests (seconds each) eat into the measured window, and since the
    page was measured first, the hello view that followed found the workers warm."""
    counts = [0] * clients
    errors: list[str] = []
    window: list[float] = []

    def start_clock() -> None:
        window.append(time.monotonic() + seconds)

    ready = threading.Barrier(clients, action=start_clock)

    def client(index: int) -> None:
        for _ in range(WARM_STEPS):
            try:
                step(port)
            except (OSError, BadAnswer) as exc:
                errors.append(str(exc))
        ready.wait()
        while time.monotonic() < window[0]:
            try:
                made = step(port)
            except (OSError, BadAnswer) as exc:
                errors.append(str(exc))
                continue
            # A step that ends after the window is not counted: only work done inside it.
            if time.monotonic() <= window[0]:
                counts[index] += made

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(
            f"{len(errors)} failed requests, e.g. {errors[:3]}; see {common.LOG_DIR / 'web.log'}"
        )
    return Result(sum(counts), seconds, len(errors))


def feedback_tokens(people: common.People, *, count: int) -> list[str]:
    """Real feedback links (the follow-up email's) for ``count`` of the bench's candidates."""
    from candidly.hiring.models import Interview
    from candidly.messaging.links import issue_link
    from candidly.messaging.models import Link

    interviews = Interview.objects.select_related("submission__candidate").filter(
        pk__in=people.interview_ids[:count]
    )
    return [
        issue_link(Link.Purpose.FEEDBACK, candidate=i.submission.candidate, interview=i) for i in interviews
    ]


def queries_per_page(token: str) -> str:
    """SQL statements the page runs, GET and POST (Django's test client, in this process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    path = f"/l/feedback/{token}/"
    with CaptureQueriesContext(connection) as on_get:
        client.get(path)
    answers = {"enjoyment": "4", "difference": "no", "excitement": "yes"}
    with CaptureQueriesContext(connection) as on_post:
        client.post(path, answers)
    return f"GET {len(on_get)} / POST {len(on_post)}"


class BenchWeb:
    """gunicorn (sync workers, as production runs it) with bench_settings, on a free loopback port."""

    def __init__(self, email_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.email_url = email_url

    def __enter__(self) -> BenchWeb:
        self.log = (common.LOG_DIR / "web.log").open("w")
        env = common.worker_environment(self.email_url)
        env.update(
            DJANGO_SETTINGS_MODULE="bench_settings",
            CANDIDLY_BASE_URL=f"http://127.0.0.1:{self.port}",
            LOG_LEVEL="WARNING",
        )
        gunicorn = str(Path(common.PYTHON).with_name("gunicorn"))
        command = [gunicorn, "candidly.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(GUNICORN_WORKERS), "--pythonpath", str(common.REPO / "bench")]
        if ACCESS_LOG:
            # Server-side time per request (%(D)s, microseconds), to tell the server's time from the client's.
            command += ["--access-logfile", str(common.LOG_DIR / "access.log")]
            command += ["--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
        self.process = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
            command, cwd=common.REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        if not common.wait_until(self._answers, timeout=60, interval=0.2):
            self.__exit__()
            raise SystemExit(f"the bench web app did not start; see {common.LOG_DIR / 'web.log'}")
        return self

    def _answers(self) -> bool:
        try:
            return request(self.port, get("/bench/hello/"))[0] == 200
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
