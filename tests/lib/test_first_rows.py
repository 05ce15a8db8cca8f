"""lib.db.first_rows and first_across: the first rows of an ordered query, their keys found first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidly.lib.db import first_across, first_rows
from candidly.people.models import Company, Contact
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


@pytest.mark.postgres
def test_first_across_groups_is_the_plain_query_on_postgresql() -> None:
    # lib.db.first_across: the first rows of each group, merged in PostgreSQL (unnest, sort, limit), then
    # read: the same rows in the same order as the one ordered query over every group, ties broken by pk.
    acme, zeta, other = CompanyFactory(name="Acme"), CompanyFactory(name="Zeta"), CompanyFactory(name="Other")
    base = timezone.now()
    minutes = [5, 1, 9, 3, 3, 7, 0, 8, 2, 6, 4, 3]
    for index, minute in enumerate(minutes):
        company = (acme, zeta, other)[index % 3]
        contact = ContactFactory(name=f"Person {index}", company=company)
        Contact.objects.filter(pk=contact.pk).update(created_at=base - timedelta(minutes=minute))
    rows = Contact.objects.select_related("company").order_by("-created_at", "-pk")
    groups = Company.objects.filter(pk__in=[acme.pk, zeta.pk])
    expected = list(rows.filter(company__in=groups)[:5])

    with CaptureQueriesContext(connection) as captured:
        found = first_across(rows, field="company", groups=groups, limit=5)

    assert [contact.pk for contact in found] == [contact.pk for contact in expected]
    assert len(captured.captured_queries) == 2
    assert {contact.company_id for contact in found} <= {acme.pk, zeta.pk}
    ascending = first_across(rows.order_by("created_at", "pk"), field="company", groups=groups, limit=4)
    assert ascending == list(rows.order_by("created_at", "pk").filter(company__in=groups)[:4])
