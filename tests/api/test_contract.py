"""Contract tests: schemathesis reads the live OpenAPI document (served by the app itself) and sends
generated requests to every operation: no 5xx, every answer documented and matching its schema, and auth
enforced (schemathesis' ``ignored_auth`` check sends each request without a valid key and expects 401).

Examples per operation: a few by default (CI); ``CANDIDLY_API_EXAMPLES=200`` explores longer.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from candidly.accounts.api_keys import create_api_key
from tests.factories import InterviewFactory, UserFactory

EXAMPLES = int(os.environ.get("CANDIDLY_API_EXAMPLES", "0")) or None
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the real WSGI handler, whose request_finished signal closes the database
    # connection (and with it the test's transaction); Django's own test client detaches it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def contract_key(db, settings) -> str:
    settings.CANDIDLY_API_RATE_LIMIT = 1_000_000
    # A little world for the generated requests to find (ids 1, 2, … exist for most resources).
    now = timezone.now()
    user = UserFactory(username="contract")
    InterviewFactory(starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1))
    InterviewFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2))
    return create_api_key(user=user, name="contract", scopes=["read", "write"], actor=None, now=now)[1]


# The document as the running app serves it (through WSGI, in this process).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES or 6,
    derandomize=EXAMPLES is None,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_contract(case, contract_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {contract_key}"}, checks=CHECKS)


def _call(client, method: str, path: str, key: str):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "get":
        return client.get(path, **auth)
    return getattr(client, method)(path, "{}", content_type="application/json", **auth)


def _operations(client) -> list[tuple[str, str]]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        (method, path.replace("{pk}", "1"))
        for path, operations in document["paths"].items()
        for method in operations
    ]


def test_every_write_operation_refuses_a_read_key_and_every_operation_a_revoked_key(
    reader, read_key, api_user
):
    operations = _operations(reader.client)
    writes = [(method, path) for method, path in operations if method in ("post", "patch", "put", "delete")]
    assert len(writes) >= 15 and len(operations) >= 35

    for method, path in writes:
        response = _call(reader.client, method, path, read_key)
        assert response.status_code == 403, (method, path, response.status_code)

    from candidly.accounts.api_keys import revoke_api_key
    from candidly.accounts.models import ApiKey

    revoke_api_key(ApiKey.objects.get(name="Reporting"), actor=None, now=timezone.now())
    for method, path in operations:
        response = _call(reader.client, method, path, read_key)
        assert response.status_code == 401, (method, path, response.status_code)
