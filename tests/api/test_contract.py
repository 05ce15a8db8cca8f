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
from django.core.wsgi import get_wsgi_application
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
    max_examples=EXAMPLES or 8,
    derandomize=EXAMPLES is None,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_contract(case, contract_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {contract_key}"}, checks=CHECKS)
