"""Found by the bad-input sweep (tests/test_bad_input.py): a username longer than any can be."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

LOGIN = "/accounts/login/"


@pytest.mark.django_db
def test_login_with_a_username_longer_than_any_is_a_field_error_and_counts_nothing():
    # Django checked the length in the browser only; django-axes then stored the name (255 characters at
    # most) and PostgreSQL answered with a 500.
    response = Client().post(LOGIN, {"username": "x" * 300, "password": "whatever"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "username": ["Ensure this value has at most 150 characters (it has 300)."]
    }
    assert list(AccessAttempt.objects.all()) == []


@pytest.mark.django_db
def test_login_with_a_username_of_the_longest_length_is_checked_as_usual():
    response = Client().post(LOGIN, {"username": "x" * 150, "password": "whatever"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("x" * 150, 1)]
