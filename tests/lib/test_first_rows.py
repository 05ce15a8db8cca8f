"""lib.db.first_rows: the first rows of an ordered query, their keys found first, then joined."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidly.lib.db import first_rows
from candidly.people.models import Contact
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_first_rows_keeps_the_order_and_the_limit_and_loads_the_related_rows_in_the_same_query() -> None:
    acme, zeta = CompanyFactory(name="Acme"), CompanyFactory(name="Zeta")
    for name, company in (("Cleo", acme), ("Abe", zeta), ("Bea", acme), ("Dan", zeta), ("Eli", acme)):
        ContactFactory(name=name, company=company)
    rows = Contact.objects.filter(company__in=[acme, zeta]).exclude(name="Bea").order_by("-name", "pk")

    with CaptureQueriesContext(connection) as captured:
        found = first_rows(rows, 3, related=("company",))
        companies = [contact.company.name for contact in found]

    assert [contact.name for contact in found] == ["Eli", "Dan", "Cleo"]
    assert companies == ["Acme", "Zeta", "Acme"]
    assert len(captured.captured_queries) == 1


def test_first_rows_needs_an_order() -> None:
    with pytest.raises(ValueError, match="ordered"):
        first_rows(Contact.objects.all().order_by(), 3)
