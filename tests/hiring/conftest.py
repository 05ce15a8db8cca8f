import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every candidate factory row creates a recruiter; PBKDF2 would make the 30-row list tests crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
