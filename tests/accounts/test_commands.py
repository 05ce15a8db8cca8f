"""``manage.py create_user``: production set-up of agency accounts."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from candidly.accounts.models import User
from candidly.timeline.models import Event

PASSWORD = "a long and unusual passphrase 42"


def _create(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    options = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("create_user", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_create_user_admin_with_password_from_stdin():
    output = _create(
        "ada", "Ada@Agency.Example", "admin", "--password-stdin", "--first-name", "Ada", stdin=PASSWORD
    )

    user = User.objects.get()
    assert (user.username, user.email, user.first_name, user.role, user.is_staff) == (
        "ada",
        "ada@agency.example",
        "Ada",
        "admin",
        True,
    )
    assert user.check_password(PASSWORD)
    assert output == "Created admin ada <ada@agency.example>.\n"
    assert list(Event.objects.values_list("kind", "actor_type", "actor_user", "data")) == [
        ("user.created", "system", None, {"user_id": user.pk, "role": "admin"})
    ]


@pytest.mark.django_db
def test_create_user_recruiter_without_password_must_reset_it():
    output = _create("rita", "rita@agency.example", "recruiter")

    user = User.objects.get()
    assert (user.role, user.is_staff, user.has_usable_password()) == ("recruiter", False, False)
    assert output.splitlines()[-1] == (
        "No password yet: use 'Forgot your password?' on the login page to choose one."
    )


@pytest.mark.parametrize(
    ("args", "stdin", "problem"),
    [
        (["rita", "not-an-email", "recruiter"], None, "email: Enter a valid email address."),
        (
            ["rita", "rita@agency.example", "recruiter", "--password-stdin"],
            "rita1",
            "password: This password is too short",
        ),
        (
            ["rita", "rita@agency.example", "recruiter", "--password-stdin"],
            "",
            "--password-stdin was given but",
        ),
    ],
)
@pytest.mark.django_db
def test_create_user_bad_input_creates_nothing(args, stdin, problem):
    with pytest.raises(CommandError) as error:
        _create(*args, stdin=stdin)

    assert problem in str(error.value)
    assert (User.objects.count(), Event.objects.count()) == (0, 0)


def test_create_user_refuses_a_taken_username(recruiter):
    with pytest.raises(CommandError) as error:
        _create("RITA", "other@agency.example", "admin")

    assert str(error.value) == "Nothing was created.\nusername: A user with that username already exists."
    assert list(User.objects.values_list("username", flat=True)) == ["rita"]


def test_create_user_refuses_an_unknown_role(db):
    with pytest.raises(CommandError, match="invalid choice: 'owner'"):
        _create("rita", "rita@agency.example", "owner")


@pytest.mark.django_db
def test_create_user_without_password_chooses_one_through_the_reset_email(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _create("rita", "rita@agency.example", "recruiter")

    client.post("/accounts/password-reset/", {"email": "rita@agency.example"})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    login = Client().post("/accounts/login/", {"username": "rita", "password": PASSWORD})

    assert mail.outbox[0].to == ["rita@agency.example"]
    assert (login.status_code, login["Location"]) == (302, "/")
