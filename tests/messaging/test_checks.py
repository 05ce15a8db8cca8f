"""``manage.py check --deploy`` refuses the demo inbox outside the demo (issue 10, hole 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]
INBOX = "candidly.messaging.backends.InboxBackend"
E001 = (
    "(candidly.E001) EMAIL_URL is inbox://, the demo's in-app inbox, outside the demo: "
    "no email leaves Candidly."
)


def _check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their process, which Django's own check refuses.
    unset = {"DATABASE_URL", "EMAIL_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env={**clean, "CANDIDLY_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_fails_with_the_inbox_and_a_production_database(tmp_path):
    result = _check_deploy({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}, tmp_path)

    assert result.returncode == 1
    assert E001 in result.stderr


def test_check_deploy_accepts_the_inbox_in_the_demo(tmp_path):
    result = _check_deploy({}, tmp_path)

    assert (result.returncode, E001 in result.stderr) == (0, False)


def test_check_deploy_accepts_smtp_outside_the_demo(settings):
    settings.CANDIDLY_DEMO = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    out, err = StringIO(), StringIO()

    call_command("check", "--deploy", "--tag", "security", stdout=out, stderr=err)

    assert "candidly.E001" not in out.getvalue() + err.getvalue()


def test_check_deploy_refuses_the_inbox_outside_the_demo(settings):
    settings.CANDIDLY_DEMO = False
    settings.EMAIL_BACKEND = INBOX

    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy", "--tag", "security", stdout=StringIO(), stderr=StringIO())

    assert E001 in str(raised.value)


def test_check_refuses_an_unknown_inbound_provider(settings):
    settings.CANDIDLY_INBOUND_PROVIDER = "postmarc"

    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--tag", "candidly", stdout=StringIO(), stderr=StringIO())

    assert (
        "(candidly.E002) CANDIDLY_INBOUND_PROVIDER is 'postmarc', not a provider with an inbound webhook."
        in (str(raised.value))
    )
