"""Logging in and out through the pages, and the lockout after repeated failures (django-axes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.accounts.models import User
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"


def _logged_in_user(client: Client) -> User | None:
    user = client.get("/accounts/password-reset/").wsgi_request.user
    return user if user.is_authenticated else None


def test_login_with_the_right_password_lands_on_today(client, recruiter):
    response = client.post(LOGIN, {"username": "rita", "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in_user(client) == recruiter
    assert client.get("/").status_code == 200


def test_login_follows_a_local_next_and_ignores_a_foreign_one(recruiter):
    local, foreign = Client(), Client()

    to_local = local.post(f"{LOGIN}?next=/accounts/reset/done/", {"username": "rita", "password": PASSWORD})
    to_foreign = foreign.post(
        LOGIN, {"username": "rita", "password": PASSWORD, "next": "https://evil.example/phish"}
    )

    assert (to_local["Location"], to_foreign["Location"]) == ("/accounts/reset/done/", "/")


def test_login_with_a_wrong_password_says_so_and_keeps_the_username(client, recruiter):
    response = client.post(LOGIN, {"username": "rita", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]
    assert 'value="rita"' in response.content.decode()
    assert _logged_in_user(client) is None


@pytest.mark.django_db
def test_login_refuses_a_deactivated_account(client):
    UserFactory(username="gone", is_active=False)

    response = client.post(LOGIN, {"username": "gone", "password": PASSWORD})

    assert response.status_code == 200
    assert _logged_in_user(client) is None


def test_login_page_sends_a_logged_in_recruiter_to_today(recruiter_client):
    response = recruiter_client.get(LOGIN)

    assert (response.status_code, response["Location"]) == (302, "/")


def test_logout_needs_a_post(recruiter_client, recruiter):
    refused = recruiter_client.get("/accounts/logout/")
    assert refused.status_code == 405
    assert _logged_in_user(recruiter_client) == recruiter

    response = recruiter_client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert _logged_in_user(recruiter_client) is None
    assert recruiter_client.get("/")["Location"] == "/accounts/login/?next=/"


def _fail(client: Client, username: str = "rita", **extra: str):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)


def _succeed(client: Client, **extra: str):
    return client.post(LOGIN, {"username": "rita", "password": PASSWORD}, **extra)


@pytest.mark.django_db
def test_lockout_after_the_failure_limit_lifts_after_the_cool_off(settings, recruiter):
    client = Client()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        before_limit = [_fail(client).status_code for _ in range(settings.AXES_FAILURE_LIMIT - 1)]
        locked = _fail(client)
        right_password_while_locked = _succeed(client)
        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
        just_before_cool_off = _succeed(client)
        clock.shift(timedelta(seconds=2))
        after_cool_off = _succeed(client)
        logged_in = _logged_in_user(client)

    assert before_limit == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    page = locked.content.decode()
    assert "too many failed log-ins" in page
    assert f"try again in {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert (right_password_while_locked.status_code, just_before_cool_off.status_code) == (429, 429)
    assert (after_cool_off.status_code, after_cool_off["Location"]) == (302, "/")
    assert logged_in == recruiter


@pytest.mark.django_db
def test_lockout_is_per_username_and_address(settings, recruiter):
    UserFactory(username="sam")
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(attacker)

    same_address_other_user = Client().post(LOGIN, {"username": "sam", "password": PASSWORD})
    other_address_same_user = _succeed(Client(), REMOTE_ADDR="10.0.0.2")
    same_address_same_user = _succeed(Client())

    assert same_address_other_user.status_code == 302
    assert other_address_same_user.status_code == 302
    assert same_address_same_user.status_code == 429


@pytest.mark.django_db
def test_lockout_behind_the_proxy_counts_the_address_the_proxy_saw(settings, recruiter):
    settings.CANDIDLY_BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The left-most entry is the attacker's own claim; the proxy appended the real address last.
        _fail(attacker, HTTP_X_FORWARDED_FOR=f"192.0.2.{_}, 203.0.113.5")

    colleague_behind_same_proxy = _succeed(
        Client(REMOTE_ADDR="10.0.0.1"), HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    attacker_again = _succeed(attacker, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5")

    assert (colleague_behind_same_proxy.status_code, attacker_again.status_code) == (302, 429)


@pytest.mark.django_db
def test_lockout_without_the_proxy_ignores_a_forged_forwarded_header(settings, recruiter):
    settings.CANDIDLY_BEHIND_PROXY = False
    attacker = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail(attacker, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")

    response = _succeed(attacker, HTTP_X_FORWARDED_FOR="192.0.2.200")

    assert response.status_code == 429


# --- password spraying (issue 10, hardening): many usernames from one client ----------------------------


@pytest.mark.django_db
def test_lockout_stops_one_client_spraying_many_usernames(settings, recruiter):
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        # One guess per username: the per-username lockout never triggers.
        sprayed = [
            _fail(sprayer, username=f"user{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT * 4)
        ]
        sprayer_with_ritas_password = _succeed(sprayer)
        rita_elsewhere = _succeed(Client(REMOTE_ADDR="198.51.100.7"))
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        after_cool_off = _succeed(sprayer)

    limit = settings.CANDIDLY_LOGIN_CLIENT_FAILURE_LIMIT
    assert limit == 20
    assert sprayed == [200] * (limit - 1) + [429]
    assert (sprayer_with_ritas_password.status_code, rita_elsewhere.status_code) == (429, 302)
    assert after_cool_off.status_code == 302


@pytest.mark.django_db
def test_a_successful_log_in_does_not_clear_the_clients_other_failures(settings, recruiter):
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(settings.CANDIDLY_LOGIN_CLIENT_FAILURE_LIMIT - 1):
        _fail(sprayer, username=f"user{n}")

    own_account = _succeed(sprayer)
    next_guess = _fail(Client(REMOTE_ADDR="203.0.113.9"), username="user99")

    assert (own_account.status_code, next_guess.status_code) == (302, 429)
