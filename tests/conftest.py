from __future__ import annotations

import pytest
from django.test import Client

from candidly.accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def recruiter(db) -> User:
    return UserFactory(username="rita", first_name="Rita", last_name="Recruiter")


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(
        username="ada", first_name="Ada", last_name="Admin", role=User.Role.ADMIN, is_staff=True
    )


@pytest.fixture
def recruiter_client(recruiter: User) -> Client:
    client = Client()
    client.force_login(recruiter)
    return client


@pytest.fixture
def admin_client_(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client
