import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Factories hash a password per user; the production hasher costs ~1 s each on a busy machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
