"""Security headers on every kind of page, and cookies that follow the deployment's scheme."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
EXPECTED_HEADERS = {
    "Content-Security-Policy": EXPECTED_CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _csp(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _security_headers(response) -> dict[str, object]:
    headers: dict[str, object] = {name: response.headers.get(name) for name in EXPECTED_HEADERS}
    headers["Content-Security-Policy"] = _csp(response.headers.get("Content-Security-Policy", ""))
    return headers


@pytest.mark.django_db
def test_security_headers_on_the_login_page():
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert _security_headers(response) == EXPECTED_HEADERS


def test_security_headers_on_a_recruiter_page(recruiter_client):
    response = recruiter_client.get("/")

    assert response.status_code == 200
    assert _security_headers(response) == EXPECTED_HEADERS


def test_security_headers_on_a_missing_page(recruiter_client):
    response = recruiter_client.get("/no-such-page/")

    assert response.status_code == 404
    assert _security_headers(response) == EXPECTED_HEADERS


def test_security_headers_on_the_lockout_page(settings, recruiter):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "rita", "password": "wrong"})

    assert response.status_code == 429
    assert _security_headers(response) == EXPECTED_HEADERS


@pytest.mark.django_db
def test_csp_allows_no_inline_code_nor_eval():
    header = Client().get("/accounts/login/")["Content-Security-Policy"]

    assert "unsafe" not in header
    assert (_csp(header)["script-src"], _csp(header)["style-src"]) == (["'self'"], ["'self'"])


def test_session_cookie_is_httponly_and_not_readable_by_scripts(client, recruiter):
    response = client.post(
        "/accounts/login/", {"username": "rita", "password": "correct horse battery staple"}
    )

    session = response.cookies["sessionid"]
    assert (session["httponly"], session["samesite"], session["secure"]) == (True, "Lax", "")
    assert response.cookies["csrftoken"]["httponly"] is True


def test_cookies_are_secure_when_the_settings_say_so(client, recruiter, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    login_page = client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/", {"username": "rita", "password": "correct horse battery staple"}, secure=True
    )

    assert login_page.cookies["csrftoken"]["secure"] is True
    assert (response.cookies["sessionid"]["secure"], response.cookies["sessionid"]["httponly"]) == (
        True,
        True,
    )


PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS",
    "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER",
]}))
"""


def _clean_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    # As on a fresh server: nothing leaks in from the test process (pytest plugins set variables too).
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    env.update(CANDIDLY_VAR_DIR=str(tmp_path), **variables)
    return env


def _settings_in_a_fresh_process(tmp_path: Path, **variables: str) -> dict:
    env = _clean_environment(tmp_path, DJANGO_SETTINGS_MODULE="candidly.settings", **variables)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_base_url_makes_cookies_secure(tmp_path):
    production = _settings_in_a_fresh_process(
        tmp_path, CANDIDLY_BASE_URL="https://candidly.example.com", BEHIND_HTTPS_PROXY="true"
    )

    assert production == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "CSRF_TRUSTED_ORIGINS": ["https://candidly.example.com"],
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_plain_http_demo_keeps_cookies_usable(tmp_path):
    demo = _settings_in_a_fresh_process(tmp_path, CANDIDLY_BASE_URL="http://127.0.0.1:8000")

    assert (demo["SESSION_COOKIE_SECURE"], demo["CSRF_COOKIE_SECURE"], demo["SECURE_HSTS_SECONDS"]) == (
        False,
        False,
        0,
    )
    assert demo["SESSION_COOKIE_HTTPONLY"] is True


def test_production_configuration_passes_the_deploy_check(tmp_path):
    env = _clean_environment(
        tmp_path,
        SECRET_KEY="Vq8r-2Lw_ZpX0mN7tB4yK1sD9fH3jG6cE5aU8iO2lP0qR7wT4zQ",
        ALLOWED_HOSTS="candidly.example.com",
        CANDIDLY_BASE_URL="https://candidly.example.com",
        BEHIND_HTTPS_PROXY="true",
        DEBUG="false",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Left to the operator on purpose: HSTS for subdomains and preload, and the http->https redirect (the
    # proxy's job). Anything else Django's deploy check finds is a regression in our settings.
    assert result.returncode == 0, result.stderr
    found = sorted(set(re.findall(r"\(([a-z_]+\.[WE]\d+)\)", result.stderr + result.stdout)))
    assert found == ["security.W005", "security.W008", "security.W021"]
