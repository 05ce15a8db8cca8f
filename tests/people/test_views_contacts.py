from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from candidly.people.models import Contact
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def contact_data(company, **overrides):
    data = {
        "company": company.pk,
        "name": "Hana Lead",
        "title": "Head of Data",
        "email": "hana@northwind.test",
        "phone": "",
        "time_zone": "Europe/London",
        "is_hiring_manager": "on",
    }
    return {**data, **overrides}


def test_contact_create_from_company_page_preselects_company(recruiter_client):
    company = CompanyFactory(name="Northwind", time_zone="Asia/Tokyo")

    response = recruiter_client.get(reverse("people:contact-create"), {"company": company.pk})

    form = response.context["form"]
    assert (form["company"].value(), form["time_zone"].value()) == (company.pk, "Asia/Tokyo")
    assert (
        f'<input type="radio" name="company" value="{company.pk}" checked> Northwind'
        in response.content.decode()
    )


def test_contact_create_normalises_and_records_event(recruiter_client, recruiter):
    company = CompanyFactory(name="Northwind", country="GB")

    response = recruiter_client.post(
        reverse("people:contact-create"),
        contact_data(company, email="  Hana@Northwind.TEST ", phone="020 7946 0958"),
    )

    contact = Contact.objects.get()
    assert response["Location"] == reverse("people:contact-detail", args=[contact.pk])
    # The national number is read in the company's country.
    assert (contact.company, contact.email, contact.phone, contact.is_hiring_manager) == (
        company,
        "hana@northwind.test",
        "+442079460958",
        True,
    )
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.contact, event.company, event.summary) == (
        "contact.created",
        recruiter,
        contact,
        company,
        "Added contact Hana Lead at Northwind.",
    )


def test_contact_edit_records_changed_fields(recruiter_client, recruiter):
    contact = ContactFactory(name="Hana Lead", title="", email="hana@northwind.test", phone="")

    recruiter_client.post(
        reverse("people:contact-edit", args=[contact.pk]),
        contact_data(contact.company, title="CTO", phone="+1 415 555 0123", is_hiring_manager=""),
    )

    contact.refresh_from_db()
    assert (contact.title, contact.phone, contact.is_hiring_manager) == ("CTO", "+14155550123", False)
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.contact, event.summary) == (
        "contact.updated",
        recruiter,
        contact,
        "Updated contact Hana Lead: title, phone, hiring manager.",
    )


def test_contact_duplicate_email_at_same_company_is_a_field_error(recruiter_client):
    existing = ContactFactory(email="hana@northwind.test")

    response = recruiter_client.post(
        reverse("people:contact-create"), contact_data(existing.company, email="HANA@northwind.test")
    )

    form = response.context["form"]
    assert form.errors == {"email": ["Someone at this company already has this email address."]}
    assert form["email"].value() == "HANA@northwind.test"
    assert list(Contact.objects.all()) == [existing]
    assert list(Event.objects.all()) == []


def test_contact_same_email_at_another_company_is_allowed(recruiter_client):
    existing = ContactFactory(email="hana@northwind.test")
    other = CompanyFactory()

    recruiter_client.post(reverse("people:contact-create"), contact_data(other, email="hana@northwind.test"))

    assert sorted(Contact.objects.values_list("company_id", flat=True)) == sorted(
        [existing.company_id, other.pk]
    )


def test_contact_bad_phone_and_time_zone_keep_typed_values(recruiter_client):
    company = CompanyFactory(country="")

    response = recruiter_client.post(
        reverse("people:contact-create"),
        contact_data(company, phone="12345", time_zone="Europe/Atlantis"),
    )

    form = response.context["form"]
    assert form.errors == {
        "phone": ["Enter a phone number with its country code, e.g. +44 20 7946 0958."],
        "time_zone": ["Unknown time zone “Europe/Atlantis”: pick one from the list."],
    }
    assert (form["phone"].value(), form["name"].value()) == ("12345", "Hana Lead")
    assert 'value="12345"' in response.content.decode()
    assert list(Contact.objects.all()) == []


def test_contact_detail_shows_company_phone_link_and_timeline(recruiter_client):
    contact = ContactFactory(name="Hana Lead", phone="+442079460958")
    recruiter_client.post(
        reverse("people:contact-edit", args=[contact.pk]),
        contact_data(contact.company, email=contact.email, phone="+442079460958", title="CTO"),
    )

    response = recruiter_client.get(reverse("people:contact-detail", args=[contact.pk]))

    html = response.content.decode()
    assert '<a href="tel:+442079460958">+44 20 7946 0958</a>' in html
    assert f'href="/companies/{contact.company_id}/"' in html
    assert [e.summary for e in response.context["events"]] == ["Updated contact Hana Lead: title."]


def test_contact_list_search_by_name_email_and_company(recruiter_client):
    hana = ContactFactory(
        name="Hana Lead", email="hana@northwind.test", company=CompanyFactory(name="Northwind")
    )
    omar = ContactFactory(name="Omar Diaz", email="omar@globex.test", company=CompanyFactory(name="Globex"))

    def found(q):
        return list(
            recruiter_client.get(reverse("people:contact-list"), {"q": q}).context["page"].object_list
        )

    assert (found("hana"), found("omar@globex"), found("globex"), found("nobody")) == (
        [hana],
        [omar],
        [omar],
        [],
    )


@pytest.mark.parametrize("rows", [1, 30])
def test_contact_list_query_count_is_constant(recruiter_client, django_assert_num_queries, rows):
    ContactFactory.create_batch(rows)
    # session, user, page (company joined)
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = recruiter_client.get(reverse("people:contact-list"))

    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("url", ["/contacts/", "/contacts/new/", "/contacts/{pk}/", "/contacts/{pk}/edit/"])
def test_contact_pages_need_login(url):
    contact = ContactFactory()

    response = Client().get(url.format(pk=contact.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
