"""Link tokens never reach the logs (issue 10, hardening): gunicorn started as ``bin/run`` starts it, on a
throwaway database, answers a few token URLs; its access log and Django's log show routes only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from candidly.access_log import redact_tokens
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[1]
LOGGER_FLAG = "--logger-class candidly.access_log.TokenFreeAccessLogger"
LINK_TOKEN = "k7q2m4x6p3w5n2b7c4d6f3g5h2"
RESET = "/accounts/reset/MQ/cz5j2a-4f3b1d2e0a9c8b7d6e5f4a3b2c1d/"


def _get(base: str, path: str, **headers: str) -> int:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture(scope="module")
def gunicorn_logs(tmp_path_factory) -> tuple[list[int], str]:
    """Start gunicorn with bin/run's logging flags, request token URLs, stop it; return statuses and logs."""
    var = tmp_path_factory.mktemp("var")
    unset = {"DATABASE_URL", "EMAIL_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env |= {"CANDIDLY_VAR_DIR": str(var), "LOG_LEVEL": "INFO"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "candidly.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    command += ["--access-logfile", "-", *LOGGER_FLAG.split(), "--log-level", "warning"]
    log_file = var / "gunicorn.log"
    with log_file.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            statuses = [
                _get(base, f"/l/feedback/{LINK_TOKEN}/?from=feedback"),
                _get(base, f"/u/{LINK_TOKEN.upper()}"),
                _get(base, RESET),
                _get(base, "/accounts/login/", Referer=f"{base}/l/withdraw/{LINK_TOKEN}/"),
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return statuses, log_file.read_text()


def test_gunicorn_access_log_shows_routes_without_tokens(gunicorn_logs):
    statuses, logs = gunicorn_logs
    requests = re.findall(r'"(GET [^"]+)" (\d{3})', logs)

    # urllib follows the redirect from /u/<token> to /u/<token>/; a wrong reset link is a 200 page.
    assert statuses == [404, 404, 200, 200]
    assert requests[-5:] == [
        ("GET /l/feedback/:token/?from=feedback HTTP/1.1", "404"),
        ("GET /u/:token HTTP/1.1", "301"),
        ("GET /u/:token/ HTTP/1.1", "404"),
        ("GET /accounts/reset/:token/:token/ HTTP/1.1", "200"),
        ("GET /accounts/login/ HTTP/1.1", "200"),
    ]
    assert '"http://127.0.0.1:' in logs and "/l/withdraw/:token/" in logs
    assert (LINK_TOKEN in logs.lower(), "cz5j2a" in logs) == (False, False)


def test_django_log_of_a_bad_link_shows_the_route_without_the_token(gunicorn_logs):
    _, logs = gunicorn_logs

    assert "WARNING django.request Not Found: /l/feedback/:token/" in logs


def test_bin_run_and_the_systemd_unit_start_gunicorn_with_the_token_free_logger():
    assert LOGGER_FLAG in (ROOT / "bin" / "run").read_text()
    assert LOGGER_FLAG in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /l/confirm/{LINK_TOKEN}/invite.ics HTTP/1.1", "GET /l/confirm/:token/invite.ics HTTP/1.1"),
        (f"https://candidly.example/l/role/{LINK_TOKEN}/", "https://candidly.example/l/role/:token/"),
        ("GET /candidates/12/edit/ HTTP/1.1", "GET /candidates/12/edit/ HTTP/1.1"),
    ],
)
def test_redact_tokens_keeps_the_route(line, expected):
    assert redact_tokens(line) == expected
