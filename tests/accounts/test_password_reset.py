"""Password reset by email, end to end through the pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from candidly.accounts.models import PasswordResetRequest
from candidly.timeline.models import Event
from tests.factories import UserFactory

OLD_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new Passw0rd for Rita"
LINK_RE = re.compile(r"https://candidly\.example\.com(/accounts/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def email_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CANDIDLY_BASE_URL = "https://candidly.example.com"
    settings.DEFAULT_FROM_EMAIL = "Northwind Talent <team@northwind.example>"
    return settings


def _log_in(password: str) -> int:
    return Client().post("/accounts/login/", {"username": "rita", "password": password}).status_code


def _request_reset(client: Client, email: str) -> str:
    response = client.post("/accounts/password-reset/", {"email": email})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    return client.get(response["Location"]).content.decode()


def test_password_reset_by_email_end_to_end(client, recruiter, email_settings):
    sent_page = _request_reset(client, "RITA@agency.test")

    assert "If an account uses that address, a reset link is on its way." in sent_page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.from_email, message.subject) == (
        ["rita@agency.test"],
        "Northwind Talent <team@northwind.example>",
        "Reset your Candidly password",
    )
    text_link = LINK_RE.search(message.body)[1]
    html_body, html_type = message.alternatives[0]
    assert html_type == "text/html"
    assert LINK_RE.search(html_body)[1] == text_link
    assert message.body.startswith("Hello Rita Recruiter,\n")

    # The emailed link moves the token into the session, then shows the form at a token-free address.
    landing = client.get(text_link)
    form_url = landing["Location"]
    assert form_url.endswith("/set-password/")
    assert client.get(form_url).context["validlink"] is True
    saved = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert (saved.status_code, saved["Location"]) == (302, "/accounts/reset/done/")
    assert (_log_in(NEW_PASSWORD), _log_in(OLD_PASSWORD)) == (302, 200)
    assert list(Event.objects.filter(kind="user.password_reset").values_list("actor_user", "data")) == [
        (recruiter.pk, {"user_id": recruiter.pk})
    ]
    # Used once, the link is dead.
    reused = Client().get(text_link, follow=True)
    assert reused.context["validlink"] is False
    assert "This link has expired" in reused.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db, email_settings):
    sent_page = _request_reset(client, "nobody@agency.test")

    assert "If an account uses that address, a reset link is on its way." in sent_page
    assert mail.outbox == []


def test_password_reset_sends_nothing_to_a_deactivated_account(client, db, email_settings):
    UserFactory(username="gone", email="gone@agency.test", is_active=False)

    _request_reset(client, "gone@agency.test")

    assert mail.outbox == []


def test_password_reset_mismatched_passwords_keep_the_old_one(client, recruiter, email_settings):
    _request_reset(client, "rita@agency.test")
    form_url = client.get(LINK_RE.search(mail.outbox[0].body)[1])["Location"]

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "!"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "new_password2": ["The two password fields didn\u2019t match."]
    }
    assert (_log_in(OLD_PASSWORD), Event.objects.filter(kind="user.password_reset").count()) == (302, 0)


def test_password_reset_with_a_tampered_token_shows_the_expired_page(client, recruiter, email_settings):
    _request_reset(client, "rita@agency.test")
    link = LINK_RE.search(mail.outbox[0].body)[1]
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]

    response = client.get(tampered)

    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "Ask for a new one" in response.content.decode()


def test_password_reset_lifts_a_lockout(client, recruiter, email_settings):
    for _ in range(email_settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "rita", "password": "wrong"})
    assert _log_in(OLD_PASSWORD) == 429

    _request_reset(client, "rita@agency.test")
    form_url = client.get(LINK_RE.search(mail.outbox[0].body)[1])["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert _log_in(NEW_PASSWORD) == 302


# --- throttling (issue 10, hole 1): per address and per client, the page never tells -------------------


def _reset_from(ip: str, email: str) -> tuple[int, str]:
    response = Client(REMOTE_ADDR=ip).post("/accounts/password-reset/", {"email": email}, follow=True)
    return response.status_code, response.redirect_chain[-1][0]


def test_password_reset_sends_at_most_three_links_an_hour_per_address(
    recruiter, email_settings, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)

    answers = [_reset_from(f"198.51.100.{n}", "rita@agency.test") for n in range(1, 5)]

    assert answers == [(200, "/accounts/password-reset/sent/")] * 4
    assert [message.to for message in mail.outbox] == [["rita@agency.test"]] * 3


def test_password_reset_refuses_a_client_asking_for_many_addresses(recruiter, email_settings, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    for n in range(10):
        _reset_from("203.0.113.9", f"nobody{n}@agency.test")

    from_the_prober = _reset_from("203.0.113.9", "rita@agency.test")
    from_rita = _reset_from("198.51.100.7", "rita@agency.test")

    assert (from_the_prober, from_rita) == ((200, "/accounts/password-reset/sent/"),) * 2
    assert [message.to for message in mail.outbox] == [["rita@agency.test"]]


def test_password_reset_limit_lifts_after_an_hour(recruiter, email_settings, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    for _ in range(4):
        _reset_from("198.51.100.1", "RITA@agency.test")
    time_machine.move_to("2026-03-02 10:00:01+00:00", tick=False)

    _reset_from("198.51.100.1", "rita@agency.test")

    assert len(mail.outbox) == 4
    assert PasswordResetRequest.objects.count() == 1
