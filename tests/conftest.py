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


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; Django's mail goes to it for the test."""
    from tests.smtp import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


pytest_plugins = ["tests.browser", "tests.api_client"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The production hasher takes about a second per user on a loaded machine; tests do not need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need the real thing (SKIP LOCKED, concurrent connections)."""
    from django.conf import settings as django_settings

    if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (.ci/run does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
