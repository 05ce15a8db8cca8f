"""Read configuration from the environment, failing loudly on malformed values.

Every helper raises ``ImproperlyConfigured`` naming the variable, so a typo in a
deployment stops start-up instead of silently falling back to a default. An unset
variable (absent from the environment) takes the default; a set but empty one is a
value like any other and must be valid.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import tempfile
import zoneinfo
from collections.abc import Iterable
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# One DNS label; a host name is labels joined by dots (ALLOWED_HOSTS may add a leading dot or "*").
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_IPV6_RE = re.compile(r"^\[[0-9a-f:.]+\]$")


def env_is_set(name: str) -> bool:
    """True when ``name`` is in the environment (even empty): the operator chose a value."""
    return name in os.environ


def env_str(name: str, default: str, *, choices: Iterable[str] | None = None) -> str:
    """The raw value, or ``default``; with ``choices`` the value must be one of them."""
    value = os.environ.get(name, default)
    if choices is not None:
        allowed = list(choices)
        if value not in allowed:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP addresses or networks (``10.0.0.0/8``, ``127.0.0.1``, ``::1``), each
    returned in CIDR form. Host bits set in a network (``10.0.0.1/8``) are refused: they hint at a typo."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(str(ipaddress.ip_network(item)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} entries are IP addresses or networks such as 10.0.0.0/8, got {item!r}"
            ) from None
    return networks


def env_token(name: str, *, min_length: int = 20) -> str:
    """A shared secret such as a bearer token: empty (off) by default, else at least ``min_length``
    characters without spaces, so a placeholder like ``changeme`` does not guard anything."""
    value = os.environ.get(name, "")
    if value and (len(value) < min_length or any(char.isspace() for char in value)):
        raise ImproperlyConfigured(
            f"{name} must be at least {min_length} characters without spaces; generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return value


def _is_host(value: str) -> bool:
    return bool(_HOST_RE.match(value) or _IPV6_RE.match(value))


def env_hosts(name: str, default: list[str]) -> list[str]:
    """``ALLOWED_HOSTS``: bare host names (``example.com``, ``.example.com``, ``*``), never URLs.

    An empty list is refused: with DEBUG off Django would answer every request with 400.
    """
    hosts = [host.lower() for host in env_list(name, default)]
    if not hosts:
        raise ImproperlyConfigured(f"{name} must list at least one host name, e.g. candidly.example.com")
    for host in hosts:
        if host != "*" and not _is_host(host.removeprefix(".")):
            raise ImproperlyConfigured(
                f"{name} entries are host names without scheme, port or path "
                f"(e.g. candidly.example.com), got {host!r}"
            )
    return hosts


def env_domain(name: str, default: str) -> str:
    """A DNS name such as ``replies.example.com``."""
    value = os.environ.get(name, default).strip().lower()
    if not _HOST_RE.match(value):
        raise ImproperlyConfigured(f"{name} must be a domain name such as replies.example.com, got {value!r}")
    return value


def env_time_zone(name: str, default: str) -> str:
    raw = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as Europe/London, got {raw!r}"
        ) from None
    return raw


def _check_url(name: str, raw: str, schemes: set[str]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or (parts.scheme.startswith("http") and not parts.hostname):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}, got {raw!r}")
    try:
        parts.port  # noqa: B018 - parsing the port is the validation
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {raw!r}") from None
    return raw.rstrip("/")


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    """An absolute URL with one of ``schemes``, without a trailing slash."""
    return _check_url(name, os.environ.get(name, default), schemes)


def env_origins(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of origins (``https://candidly.example.com``), as CSRF_TRUSTED_ORIGINS wants."""
    return [_check_url(name, item, {"http", "https"}) for item in env_list(name, default)]


def env_email_address(name: str, default: str) -> str:
    """A sender such as ``Candidly <team@example.com>`` or a bare address."""
    raw = os.environ.get(name, default)
    _display, address = parseaddr(raw)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} must be an email address such as 'Agency <team@example.com>', got {raw!r}"
        ) from None
    return raw


def env_database(name: str, default: str) -> dict[str, Any]:
    """``DATABASE_URL`` (sqlite:///path or postgres://user:pass@host:port/name) as a DATABASES entry."""
    import dj_database_url

    raw = os.environ.get(name, default)
    scheme = urlsplit(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL, got {raw!r}")
    try:
        config = dict(dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/candidly")
    if str(config["ENGINE"]).endswith("postgresql"):
        # PostgreSQL's default random_page_cost (4) prices an index lookup for a spinning disk: on SSD or
        # cached storage it then hashes a million submissions to join a few hundred interviews (Today's
        # "outcome not recorded" at agency scale: 228 ms → 45 ms). 1.1 is the usual value for SSDs; an
        # operator's own setting in the URL (?options=…) wins.
        options: dict[str, Any] = config.setdefault("OPTIONS", {})  # type: ignore[assignment]
        options.setdefault("options", "-c random_page_cost=1.1")
    return config


# Email URLs: smtp://user:pass@host:587?tls=1, smtps://… (implicit TLS), console://, inbox://, locmem://
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "inbox": "candidly.messaging.backends.InboxBackend",
}
_SMTP = _EMAIL_BACKENDS["smtp"]
# The classic Django variables, honoured when EMAIL_URL is not set.
_EMAIL_PART_VARIABLES = (
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


def _email_from_url(name: str, raw: str) -> dict[str, Any]:
    parts = urlsplit(raw)
    if parts.scheme not in _EMAIL_BACKENDS:
        allowed = ", ".join(sorted(_EMAIL_BACKENDS))
        raise ImproperlyConfigured(f"{name} must use one of the schemes {allowed}, got {raw!r}")
    config: dict[str, Any] = {"EMAIL_BACKEND": _EMAIL_BACKENDS[parts.scheme]}
    if parts.scheme not in {"smtp", "smtps"}:
        return config
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {raw!r}") from None
    if not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} needs a host, e.g. smtp://mail.example.com:587?tls=1, got {raw!r}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"tls"}
    if unknown:
        raise ImproperlyConfigured(f"{name} has unknown options {sorted(unknown)}; only ?tls=1 is understood")
    tls_raw = query.get("tls", "0").lower()
    if tls_raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} option tls must be 1 or 0, got {tls_raw!r}")
    use_ssl = parts.scheme == "smtps"
    use_tls = tls_raw in _TRUE
    if use_ssl and use_tls:
        raise ImproperlyConfigured(f"{name}: smtps:// already encrypts; drop ?tls=1 (or use smtp://…?tls=1)")
    config.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or (465 if use_ssl else 587 if use_tls else 25),
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=use_ssl,
        EMAIL_USE_TLS=use_tls,
    )
    return config


def _email_from_parts(host: str) -> dict[str, Any]:
    if not _is_host(host.lower()):
        raise ImproperlyConfigured(f"EMAIL_HOST must be a host name such as mail.example.com, got {host!r}")
    use_tls = env_bool("EMAIL_USE_TLS", False)
    use_ssl = env_bool("EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive; set only one of them")
    return {
        "EMAIL_BACKEND": _SMTP,
        "EMAIL_HOST": host,
        "EMAIL_PORT": env_int(
            "EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25, minimum=1, maximum=65535
        ),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


def env_email(name: str, default: str) -> dict[str, Any]:
    """Django's ``EMAIL_*`` settings from ``EMAIL_URL``, else ``EMAIL_HOST`` and friends, else ``default``.

    ``EMAIL_URL`` wins when both are set, so one variable is enough to switch a deployment. The classic
    variables without ``EMAIL_HOST`` are refused: they would silently do nothing.
    """
    raw = os.environ.get(name)
    if raw is not None:
        return _email_from_url(name, raw)
    host = os.environ.get("EMAIL_HOST")
    if host is not None:
        return _email_from_parts(host.strip())
    stray = [variable for variable in _EMAIL_PART_VARIABLES if variable in os.environ]
    if stray:
        raise ImproperlyConfigured(
            f"{', '.join(stray)} set without EMAIL_HOST (or {name}); set EMAIL_HOST too"
        )
    return _email_from_url(name, default)


_SECRET_KEY_MIN_LENGTH = 50
_SECRET_KEY_MIN_UNIQUE = 5


def _secret_key_problem(value: str) -> str | None:
    # The same bar as Django's deploy check (security.W009), enforced instead of merely warned about.
    if len(value) < _SECRET_KEY_MIN_LENGTH or len(set(value)) < _SECRET_KEY_MIN_UNIQUE:
        return (
            f"must be at least {_SECRET_KEY_MIN_LENGTH} characters "
            f"with {_SECRET_KEY_MIN_UNIQUE} different ones"
        )
    if value.startswith("django-insecure"):
        return "must not be Django's insecure development key"
    return None


def secret_key(name: str, fallback_file: Path) -> str:
    """The secret key from the environment, or one generated once into ``fallback_file`` (the ignored var/).

    A weak key from the environment or the file is refused. Concurrent first starts (the web app and the
    worker) agree on one key: the file is created atomically and the loser of the race reads the winner's.
    """
    raw = os.environ.get(name)
    if raw is not None:
        problem = _secret_key_problem(raw)
        if problem:
            raise ImproperlyConfigured(
                f"{name} {problem}; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        return raw
    if not fallback_file.exists():
        _create_secret_key_file(fallback_file)
    value = fallback_file.read_text().strip()
    problem = _secret_key_problem(value)
    if problem:
        raise ImproperlyConfigured(
            f"{name} is unset and the key in {fallback_file} {problem}; delete the file to generate a new one"
        )
    return value


def _create_secret_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file readable by its owner only; link() refuses to replace an existing file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(secrets.token_urlsafe(50) + "\n")
        # When another process won the race, its key is the one everybody uses.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
