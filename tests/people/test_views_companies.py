from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from candidly.people.models import Company
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CompanyFactory, ContactFactory, RoleFactory

pytestmark = pytest.mark.django_db


def test_company_create_saves_and_records_event(recruiter_client, recruiter):
    response = recruiter_client.post(
        reverse("people:company-create"),
        {
            "name": "Northwind Traders",
            "website": "northwind.example",
            "country": "gb",
            "time_zone": "Europe/London",
            "notes": "Pays on time.",
        },
    )

    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:company-detail", args=[company.pk])
    assert (company.name, company.website, company.country, company.time_zone, company.notes) == (
        "Northwind Traders",
        "https://northwind.example",
        "GB",
        "Europe/London",
        "Pays on time.",
    )
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.company, event.summary) == (
        "company.created",
        recruiter,
        company,
        "Added company Northwind Traders.",
    )


def test_company_edit_records_changed_fields(recruiter_client, recruiter):
    company = CompanyFactory(name="Northwind", country="GB", time_zone="Europe/London")

    response = recruiter_client.post(
        reverse("people:company-edit", args=[company.pk]),
        {"name": "Northwind Ltd", "website": "", "country": "GB", "time_zone": "Europe/Berlin", "notes": ""},
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.time_zone) == ("Northwind Ltd", "Europe/Berlin")
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.company, event.summary, event.data) == (
        "company.updated",
        recruiter,
        company,
        "Updated company Northwind Ltd: name, time zone.",
        {"changed": ["name", "time_zone"]},
    )


def test_company_edit_without_changes_writes_no_event(recruiter_client):
    company = CompanyFactory(name="Northwind", website="", country="GB", time_zone="Europe/London")

    response = recruiter_client.post(
        reverse("people:company-edit", args=[company.pk]),
        {"name": "Northwind", "website": "", "country": "GB", "time_zone": "Europe/London", "notes": ""},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["Nothing changed for Northwind."]
    assert list(Event.objects.all()) == []


def test_company_edit_form_shows_stored_values(recruiter_client):
    company = CompanyFactory(name="Northwind", time_zone="Asia/Tokyo")

    response = recruiter_client.get(reverse("people:company-edit", args=[company.pk]))

    form = response.context["form"]
    assert (form["name"].value(), form["time_zone"].value()) == ("Northwind", "Asia/Tokyo")
    assert b'<option value="Asia/Tokyo" selected>' in response.content


def test_company_create_duplicate_name_is_a_field_error(recruiter_client):
    CompanyFactory(name="Northwind")

    response = recruiter_client.post(
        reverse("people:company-create"),
        {"name": "NORTHWIND", "website": "", "country": "", "time_zone": "Europe/London", "notes": "typed"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"name": ["A company with this name already exists."]}
    assert (form["name"].value(), form["notes"].value()) == ("NORTHWIND", "typed")
    assert Company.objects.count() == 1
    assert list(Event.objects.all()) == []


def test_company_create_unknown_time_zone_and_country(recruiter_client):
    response = recruiter_client.post(
        reverse("people:company-create"),
        {"name": "Northwind", "website": "", "country": "XX", "time_zone": "Mars/Olympus", "notes": ""},
    )

    form = response.context["form"]
    assert form.errors == {
        "country": ["Unknown country code “XX”."],
        "time_zone": ["Unknown time zone “Mars/Olympus”: pick one from the list."],
    }
    assert form["name"].value() == "Northwind"
    assert list(Company.objects.all()) == []


def test_company_detail_shows_contacts_roles_and_timeline(recruiter_client, recruiter):
    company = CompanyFactory(name="Northwind")
    manager = ContactFactory(company=company, name="Hana Lead")
    role = RoleFactory(company=company, hiring_manager=manager, title="Data Engineer")
    recruiter_client.post(
        reverse("people:company-edit", args=[company.pk]),
        {"name": "Northwind", "website": "", "country": "GB", "time_zone": "Asia/Tokyo", "notes": ""},
    )

    response = recruiter_client.get(reverse("people:company-detail", args=[company.pk]))

    assert response.context["contacts"] == [manager]
    assert response.context["roles"] == [role]
    assert [e.summary for e in response.context["events"]] == ["Updated company Northwind: time zone."]
    html = response.content.decode()
    assert f'href="/roles/{role.pk}/"' in html
    assert f'href="/contacts/new/?company={company.pk}"' in html
    assert "· Rita Recruiter</span>" in html


def test_company_list_search_by_name_and_contact_email(recruiter_client):
    northwind = CompanyFactory(name="Northwind")
    globex = CompanyFactory(name="Globex")
    ContactFactory(company=globex, email="hank@globex.test")

    by_name = recruiter_client.get(reverse("people:company-list"), {"q": "north"})
    by_email = recruiter_client.get(reverse("people:company-list"), {"q": "hank@globex"})

    assert list(by_name.context["page"].object_list) == [northwind]
    assert list(by_email.context["page"].object_list) == [globex]


@pytest.mark.parametrize("rows", [1, 30])
def test_company_list_query_count_is_constant(recruiter_client, django_assert_num_queries, rows):
    for _ in range(rows):
        company = CompanyFactory()
        ContactFactory.create_batch(2, company=company)
    # session, user, page
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = recruiter_client.get(reverse("people:company-list"))

    assert len(response.context["page"].object_list) == rows


def test_company_list_paginates_by_50(recruiter_client):
    CompanyFactory.create_batch(51)

    first = recruiter_client.get(reverse("people:company-list"))
    second = recruiter_client.get(reverse("people:company-list"), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert b'href="?after=' in first.content  # a cursor (lib.paging); old ?page=2 links still work


@pytest.mark.parametrize(
    "url",
    ["/companies/", "/companies/new/", "/companies/{pk}/", "/companies/{pk}/edit/"],
)
def test_company_pages_need_login(url):
    company = CompanyFactory()

    response = Client().get(url.format(pk=company.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
