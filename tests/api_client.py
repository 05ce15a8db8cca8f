"""An API client for tests (a key in the Authorization header) and the keys it uses, as fixtures."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from candidly.accounts.api_keys import create_api_key
from tests.factories import UserFactory


class ApiClient:
    """The Django test client with an API key: ``get``/``post``/``patch`` JSON, return the response."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.key = key

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.key}",
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.items()},
        }

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers(headers or {}))

    def post(self, path: str, body: dict | None = None, headers: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", **self._headers(headers or {})
        )

    def patch(self, path: str, body: dict, headers: dict | None = None):
        return self.client.patch(
            f"/api/v1{path}", body, content_type="application/json", **self._headers(headers or {})
        )


@pytest.fixture
def api_user(db):
    return UserFactory(username="sync", first_name="Sync", last_name="Bot")


@pytest.fixture
def write_key(api_user) -> str:
    return create_api_key(
        user=api_user, name="ATS sync", scopes=["read", "write"], actor=None, now=timezone.now()
    )[1]


@pytest.fixture
def read_key(api_user) -> str:
    return create_api_key(user=api_user, name="Reporting", scopes=["read"], actor=None, now=timezone.now())[1]


@pytest.fixture
def api(write_key) -> ApiClient:
    return ApiClient(write_key)


@pytest.fixture
def reader(read_key) -> ApiClient:
    return ApiClient(read_key)
