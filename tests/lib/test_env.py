"""The environment helpers: defaults when unset, parsed values when valid, a named error when malformed."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from candidly.lib.env import (
    env_bool,
    env_database,
    env_domain,
    env_email,
    env_email_address,
    env_hosts,
    env_int,
    env_list,
    env_networks,
    env_origins,
    env_str,
    env_time_zone,
    env_token,
    env_url,
    secret_key,
)

SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_VARIABLES = [
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
]


@pytest.fixture
def clean_email_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), (" on ", True), ("false", False), ("0", False), ("", False)],
)
def test_env_bool_parses_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("CANDIDLY_FLAG", raw)

    assert env_bool("CANDIDLY_FLAG", not expected) is expected


def test_env_bool_unset_takes_the_default(monkeypatch):
    monkeypatch.delenv("CANDIDLY_FLAG", raising=False)

    assert env_bool("CANDIDLY_FLAG", True) is True


def test_env_bool_malformed_names_the_variable(monkeypatch):
    monkeypatch.setenv("CANDIDLY_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_FLAG must be a boolean .*'maybe'"):
        env_bool("CANDIDLY_FLAG", False)


def test_env_int_parses_and_checks_bounds(monkeypatch):
    monkeypatch.setenv("CANDIDLY_N", " 12 ")
    assert env_int("CANDIDLY_N", 3, minimum=1, maximum=12) == 12

    monkeypatch.setenv("CANDIDLY_N", "0")
    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_N must be at least 1, got 0$"):
        env_int("CANDIDLY_N", 3, minimum=1)

    monkeypatch.setenv("CANDIDLY_N", "13")
    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_N must be at most 12, got 13$"):
        env_int("CANDIDLY_N", 3, maximum=12)

    monkeypatch.setenv("CANDIDLY_N", "ten")
    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_N must be an integer, got 'ten'$"):
        env_int("CANDIDLY_N", 3)


def test_env_str_with_choices_refuses_others(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")

    with pytest.raises(ImproperlyConfigured, match=r"^LOG_LEVEL must be one of INFO, DEBUG, got 'LOUD'$"):
        env_str("LOG_LEVEL", "INFO", choices=["INFO", "DEBUG"])


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("CANDIDLY_ITEMS", " a, ,b ,")

    assert env_list("CANDIDLY_ITEMS", ["z"]) == ["a", "b"]


def test_env_hosts_accepts_names_addresses_and_wildcards(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "Candidly.Example.com, .agency.test,10.0.0.5,[::1],localhost")

    assert env_hosts("ALLOWED_HOSTS", []) == [
        "candidly.example.com",
        ".agency.test",
        "10.0.0.5",
        "[::1]",
        "localhost",
    ]


@pytest.mark.parametrize("raw", ["https://candidly.example.com", "candidly.example.com/app", "a b", " , "])
def test_env_hosts_refuses_urls_and_empty_lists(monkeypatch, raw):
    monkeypatch.setenv("ALLOWED_HOSTS", raw)

    with pytest.raises(ImproperlyConfigured, match=r"^ALLOWED_HOSTS "):
        env_hosts("ALLOWED_HOSTS", ["localhost"])


def test_env_time_zone_refuses_unknown_zones(monkeypatch):
    monkeypatch.setenv("CANDIDLY_DEFAULT_TIME_ZONE", "America/New_York")
    assert env_time_zone("CANDIDLY_DEFAULT_TIME_ZONE", "UTC") == "America/New_York"

    monkeypatch.setenv("CANDIDLY_DEFAULT_TIME_ZONE", "Mars/Base")
    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_DEFAULT_TIME_ZONE must be an IANA time zone"):
        env_time_zone("CANDIDLY_DEFAULT_TIME_ZONE", "UTC")


def test_env_url_strips_the_trailing_slash_and_checks_the_scheme(monkeypatch):
    monkeypatch.setenv("CANDIDLY_BASE_URL", "https://candidly.example.com/")
    assert env_url("CANDIDLY_BASE_URL", "", schemes={"http", "https"}) == "https://candidly.example.com"

    for bad in ["ftp://candidly.example.com", "https://", "candidly.example.com", "http://host:port"]:
        monkeypatch.setenv("CANDIDLY_BASE_URL", bad)
        with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_BASE_URL "):
            env_url("CANDIDLY_BASE_URL", "", schemes={"http", "https"})


def test_env_origins_checks_every_item(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://a.example.com,http://b.example.com:8080")
    assert env_origins("CSRF_TRUSTED_ORIGINS", []) == ["https://a.example.com", "http://b.example.com:8080"]

    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://a.example.com,b.example.com")
    with pytest.raises(ImproperlyConfigured, match=r"^CSRF_TRUSTED_ORIGINS must be a URL .*'b.example.com'"):
        env_origins("CSRF_TRUSTED_ORIGINS", [])


def test_env_networks_returns_cidr_and_refuses_junk(monkeypatch):
    monkeypatch.delenv("CANDIDLY_METRICS_ALLOW", raising=False)
    assert env_networks("CANDIDLY_METRICS_ALLOW", []) == []

    monkeypatch.setenv("CANDIDLY_METRICS_ALLOW", "10.0.0.0/8, 127.0.0.1,,::1")
    assert env_networks("CANDIDLY_METRICS_ALLOW", []) == ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]

    for raw in ["10.0.0.1/8", "prometheus.internal", "10.0.0.0/33"]:
        monkeypatch.setenv("CANDIDLY_METRICS_ALLOW", raw)
        with pytest.raises(
            ImproperlyConfigured, match=rf"^CANDIDLY_METRICS_ALLOW entries .*'{re.escape(raw)}'"
        ):
            env_networks("CANDIDLY_METRICS_ALLOW", [])


def test_env_token_is_off_by_default_and_refuses_weak_values(monkeypatch):
    monkeypatch.delenv("CANDIDLY_METRICS_TOKEN", raising=False)
    assert env_token("CANDIDLY_METRICS_TOKEN") == ""
    monkeypatch.setenv("CANDIDLY_METRICS_TOKEN", "x" * 20)
    assert env_token("CANDIDLY_METRICS_TOKEN") == "x" * 20

    for weak in ["changeme", "x" * 19, "a token with spaces in it"]:
        monkeypatch.setenv("CANDIDLY_METRICS_TOKEN", weak)
        with pytest.raises(
            ImproperlyConfigured, match=r"^CANDIDLY_METRICS_TOKEN must be at least 20 characters"
        ):
            env_token("CANDIDLY_METRICS_TOKEN")


def test_env_email_address_accepts_a_display_name(monkeypatch):
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "Northwind Talent <team@northwind.example>")
    assert env_email_address("DEFAULT_FROM_EMAIL", "") == "Northwind Talent <team@northwind.example>"

    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "Northwind Talent")
    with pytest.raises(ImproperlyConfigured, match=r"^DEFAULT_FROM_EMAIL must be an email address"):
        env_email_address("DEFAULT_FROM_EMAIL", "")


def test_env_domain_lowercases_and_refuses_junk(monkeypatch):
    monkeypatch.setenv("CANDIDLY_REPLY_DOMAIN", "Replies.Example.com")
    assert env_domain("CANDIDLY_REPLY_DOMAIN", "x") == "replies.example.com"

    monkeypatch.setenv("CANDIDLY_REPLY_DOMAIN", "@replies.example.com")
    with pytest.raises(ImproperlyConfigured, match=r"^CANDIDLY_REPLY_DOMAIN must be a domain name"):
        env_domain("CANDIDLY_REPLY_DOMAIN", "x")


def test_env_database_parses_postgres_and_sqlite(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:s%40cret@db.internal:5433/candidly")
    config = env_database("DATABASE_URL", "")
    assert (config["ENGINE"], config["NAME"], config["USER"], config["PASSWORD"], config["HOST"]) == (
        "django.db.backends.postgresql",
        "candidly",
        "app",
        "s@cret",
        "db.internal",
    )
    assert config["PORT"] == 5433

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    config = env_database("DATABASE_URL", "")
    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", f"{tmp_path}/c.sqlite3")


def test_env_database_prices_postgres_index_lookups_for_ssd_unless_the_url_says_otherwise(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal:5432/candidly")
    assert env_database("DATABASE_URL", "")["OPTIONS"]["options"] == "-c random_page_cost=1.1"

    monkeypatch.setenv(
        "DATABASE_URL", "postgres://app@db.internal:5432/candidly?options=-c%20work_mem%3D64MB"
    )
    assert env_database("DATABASE_URL", "")["OPTIONS"]["options"] == "-c work_mem=64MB"


@pytest.mark.django_db
def test_the_postgres_connection_runs_with_the_ssd_page_cost():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the embedded SQLite database has no planner costs")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mysql://x", r"^DATABASE_URL must be a sqlite:// or postgres:// URL"),
        ("postgres://db.internal:5432", r"^DATABASE_URL must name a database"),
        ("postgres://db.internal:port/candidly", r"^DATABASE_URL is not a valid database URL"),
    ],
)
def test_env_database_malformed_names_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("DATABASE_URL", raw)

    with pytest.raises(ImproperlyConfigured, match=message):
        env_database("DATABASE_URL", "sqlite:///x")


def test_env_email_default_is_the_demo_inbox(clean_email_env):
    assert env_email("EMAIL_URL", "inbox://") == {"EMAIL_BACKEND": "candidly.messaging.backends.InboxBackend"}


def test_env_email_smtp_url_with_starttls(clean_email_env):
    clean_email_env.setenv("EMAIL_URL", "smtp://mailer%40agency.test:p%2Fss@smtp.agency.test?tls=1")

    assert env_email("EMAIL_URL", "inbox://") == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "smtp.agency.test",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer@agency.test",
        "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }


def test_env_email_smtps_url_defaults_to_port_465(clean_email_env):
    clean_email_env.setenv("EMAIL_URL", "smtps://smtp.agency.test")

    config = env_email("EMAIL_URL", "inbox://")

    assert (config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]) == (465, True, False)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("smtp://", r"^EMAIL_URL needs a host"),
        ("smpt://smtp.agency.test", r"^EMAIL_URL must use one of the schemes"),
        ("smtp://smtp.agency.test:25x", r"^EMAIL_URL has an invalid port"),
        ("smtp://smtp.agency.test?tsl=1", r"^EMAIL_URL has unknown options \['tsl'\]"),
        ("smtp://smtp.agency.test?tls=maybe", r"^EMAIL_URL option tls must be 1 or 0"),
        ("smtps://smtp.agency.test?tls=1", r"^EMAIL_URL: smtps:// already encrypts"),
    ],
)
def test_env_email_malformed_url_names_the_variable(clean_email_env, raw, message):
    clean_email_env.setenv("EMAIL_URL", raw)

    with pytest.raises(ImproperlyConfigured, match=message):
        env_email("EMAIL_URL", "inbox://")


def test_env_email_classic_variables_build_smtp(clean_email_env):
    clean_email_env.setenv("EMAIL_HOST", "smtp.agency.test")
    clean_email_env.setenv("EMAIL_PORT", "2525")
    clean_email_env.setenv("EMAIL_HOST_USER", "mailer")
    clean_email_env.setenv("EMAIL_HOST_PASSWORD", "s3cret")
    clean_email_env.setenv("EMAIL_USE_TLS", "true")

    assert env_email("EMAIL_URL", "inbox://") == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "smtp.agency.test",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_env_email_url_wins_over_classic_variables(clean_email_env):
    clean_email_env.setenv("EMAIL_URL", "console://")
    clean_email_env.setenv("EMAIL_HOST", "smtp.agency.test")
    clean_email_env.setenv("EMAIL_PORT", "not-even-a-number")

    assert env_email("EMAIL_URL", "inbox://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"EMAIL_HOST": "smtp.agency.test", "EMAIL_PORT": "smtp"}, r"^EMAIL_PORT must be an integer"),
        ({"EMAIL_HOST": "smtp.agency.test", "EMAIL_USE_TLS": "sure"}, r"^EMAIL_USE_TLS must be a boolean"),
        (
            {"EMAIL_HOST": "smtp.agency.test", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            r"^EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive",
        ),
        ({"EMAIL_HOST": "smtp://smtp.agency.test"}, r"^EMAIL_HOST must be a host name"),
        ({"EMAIL_HOST_USER": "mailer"}, r"^EMAIL_HOST_USER set without EMAIL_HOST"),
    ],
)
def test_env_email_malformed_classic_variables_name_the_variable(clean_email_env, variables, message):
    for name, value in variables.items():
        clean_email_env.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        env_email("EMAIL_URL", "inbox://")


def test_secret_key_generated_once_into_a_private_file(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key_file = tmp_path / "var" / "secret_key"

    first = secret_key("SECRET_KEY", key_file)
    second = secret_key("SECRET_KEY", key_file)

    assert first == second == key_file.read_text().strip()
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(path.name for path in key_file.parent.iterdir()) == ["secret_key"]


def test_secret_key_concurrent_first_starts_agree(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key_file = tmp_path / "secret_key"
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(secret_key("SECRET_KEY", key_file))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert keys == [key_file.read_text().strip()] * 8


def test_secret_key_from_the_environment_is_used_and_no_file_written(monkeypatch, tmp_path):
    strong = "Vq8r-2Lw_ZpX0mN7tB4yK1sD9fH3jG6cE5aU8iO2lP0qR7wT4z"
    monkeypatch.setenv("SECRET_KEY", strong)

    assert secret_key("SECRET_KEY", tmp_path / "secret_key") == strong
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("weak", ["short-key", "a" * 60, "django-insecure-" + "x1y2z3" * 10])
def test_secret_key_weak_value_is_refused(monkeypatch, tmp_path, weak):
    monkeypatch.setenv("SECRET_KEY", weak)

    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY must .*generate one with"):
        secret_key("SECRET_KEY", tmp_path / "secret_key")


def test_secret_key_weak_file_is_refused(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key_file = tmp_path / "secret_key"
    key_file.write_text("tiny\n")

    with pytest.raises(ImproperlyConfigured, match=r"delete the file to generate a new one"):
        secret_key("SECRET_KEY", key_file)
    assert key_file.read_text() == "tiny\n"


def test_secret_key_file_is_ignored_by_git():
    root = Path(__file__).resolve().parents[2]

    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "var/secret_key"], cwd=root, capture_output=True, text=True
    )

    assert (result.returncode, result.stdout.strip()) == (0, "var/secret_key")


# --- The settings module as a deployment sees it: `manage.py check` in a fresh process. ---

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
VARIABLE_RE = re.compile(r"""(?:env_\w+|secret_key|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
EXAMPLE_LINE_RE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")


def _documented() -> dict[str, tuple[str, str, bool]]:
    """NAME -> (comment line above it, example value, whether the line is active)."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    documented = {}
    for index, line in enumerate(lines):
        match = EXAMPLE_LINE_RE.match(line)
        if match:
            comment = lines[index - 1] if index else ""
            documented[match[1]] = (comment, match[2], not line.startswith("#"))
    return documented


def _run_check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    # A clean environment, as on a fresh server: nothing leaks in from the test process.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    env.update(CANDIDLY_VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_env_example_documents_every_variable_settings_reads():
    read = set()
    for source in [ROOT / "candidly" / "settings.py", ROOT / "candidly" / "lib" / "env.py"]:
        read |= set(VARIABLE_RE.findall(source.read_text()))
    documented = _documented()

    assert sorted(read - set(documented)) == []
    assert sorted(set(documented) - read) == []
    undocumented = [name for name, (comment, _, _) in documented.items() if not comment.startswith("# ")]
    assert undocumented == []


def test_env_example_holds_no_secret():
    documented = _documented()

    assert documented["SECRET_KEY"] == (documented["SECRET_KEY"][0], "", False)
    assert documented["EMAIL_HOST_PASSWORD"][1] == ""


def test_settings_start_with_the_example_configuration(tmp_path):
    active = {name: value for name, (_, value, is_active) in _documented().items() if is_active}

    result = _run_check(tmp_path, **active)

    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL"),
        ({"CANDIDLY_DEFAULT_TIME_ZONE": "Mars/Base"}, "CANDIDLY_DEFAULT_TIME_ZONE"),
        ({"ALLOWED_HOSTS": "https://candidly.example.com"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"CANDIDLY_BASE_URL": "candidly.example.com"}, "CANDIDLY_BASE_URL"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT"),
        ({"EMAIL_TIMEOUT": "soon"}, "EMAIL_TIMEOUT"),
        ({"EMAIL_HOST": "smtp.agency.test", "EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
        ({"CANDIDLY_METRICS_TOKEN": "changeme"}, "CANDIDLY_METRICS_TOKEN"),
        ({"CANDIDLY_METRICS_ALLOW": "prometheus.internal"}, "CANDIDLY_METRICS_ALLOW"),
        ({"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/metrics"}, "PROMETHEUS_MULTIPROC_DIR"),
    ],
)
def test_settings_malformed_value_stops_start_up_naming_the_variable(tmp_path, variables, named):
    result = _run_check(tmp_path, **{"ALLOWED_HOSTS": "candidly.example.com", **variables})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"django.core.exceptions.ImproperlyConfigured: {named} ")
