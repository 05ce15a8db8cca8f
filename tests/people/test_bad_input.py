"""Bad input on the people pages (issue 10, hole 3): an error next to the field, never a server error, and
nothing saved. Run on PostgreSQL too, where a huge integer or a NUL byte used to fail in the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidly.people.models import MAX_COMPENSATION, Candidate, Company, Contact
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory
from tests.people.test_views_candidates import candidate_data, form_data

pytestmark = pytest.mark.django_db

TOO_MUCH = "Enter an amount up to 100,000,000 a year."
ONE_LINE = "Use a single line: no line breaks."


@pytest.mark.parametrize("amount", [str(MAX_COMPENSATION + 1), str(2**31), "9" * 30])
def test_candidate_create_refuses_a_huge_minimum_compensation(recruiter_client, amount):
    response = recruiter_client.post(
        reverse("people:candidate-create"), candidate_data(min_compensation=amount)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"min_compensation": [TOO_MUCH]}
    assert list(Candidate.objects.all()) == []


def test_candidate_edit_refuses_a_huge_minimum_compensation(recruiter_client):
    candidate = CandidateFactory(min_compensation=50_000)

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, min_compensation=2**31)
    )

    candidate.refresh_from_db()
    assert response.context["form"].errors == {"min_compensation": [TOO_MUCH]}
    assert candidate.min_compensation == 50_000


def test_candidate_minimum_compensation_has_a_model_bound():
    candidate = CandidateFactory.build(min_compensation=MAX_COMPENSATION + 1)

    with pytest.raises(ValidationError) as raised:
        candidate.full_clean(exclude=["recruiter"])

    assert raised.value.message_dict == {
        "min_compensation": ["Ensure this value is less than or equal to 100000000."]
    }


@pytest.mark.parametrize("name", ["Cara\r\nBcc: eve@evil.test", "Cara\nDiaz", "Cara\u2028Diaz"])
def test_candidate_create_refuses_a_name_with_a_line_break(recruiter_client, name):
    response = recruiter_client.post(reverse("people:candidate-create"), candidate_data(name=name))

    assert response.context["form"].errors == {"name": [ONE_LINE]}
    assert list(Candidate.objects.all()) == []


def test_contact_create_refuses_line_breaks_in_name_and_title(recruiter_client):
    company = CompanyFactory()

    response = recruiter_client.post(
        reverse("people:contact-create"),
        {
            "company": company.pk,
            "name": "Hannah\r\nManager",
            "title": "CTO\nBcc: eve@evil.test",
            "email": "hannah@acme.test",
            "phone": "",
            "time_zone": "Europe/London",
        },
    )

    assert response.context["form"].errors == {"name": [ONE_LINE], "title": [ONE_LINE]}
    assert list(Contact.objects.all()) == []


def test_company_create_refuses_a_name_with_a_line_break(recruiter_client):
    response = recruiter_client.post(
        reverse("people:company-create"),
        {
            "name": "Acme\r\nRobotics",
            "website": "",
            "country": "GB",
            "time_zone": "Europe/London",
            "notes": "",
        },
    )

    assert response.context["form"].errors == {"name": [ONE_LINE]}
    assert list(Company.objects.all()) == []


def test_people_names_have_a_model_validator_against_line_breaks():
    contact = ContactFactory.build(name="Hannah\nManager", title="CTO\r\n", company=CompanyFactory())

    with pytest.raises(ValidationError) as raised:
        contact.full_clean()

    assert raised.value.message_dict == {"name": [ONE_LINE], "title": [ONE_LINE]}


@pytest.mark.parametrize("url_name", ["people:candidate-list", "people:company-list", "people:contact-list"])
def test_people_search_ignores_a_nul_byte(recruiter_client, url_name):
    company = CompanyFactory(name="Acme Robotics")
    ContactFactory(company=company, name="Hannah Acme")
    CandidateFactory(name="Cara Acme")

    response = recruiter_client.get(reverse(url_name), {"q": "Ac\x00me"})

    assert response.status_code == 200
    assert response.context["q"] == "Acme"
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize("url_name", ["people:candidate-list", "people:company-list", "people:contact-list"])
def test_people_search_of_a_huge_term_searches_its_first_200_characters(recruiter_client, url_name):
    # Found by tests/test_bad_input.py: SQLite refuses a LIKE pattern over 50,000 bytes (it was a 500).
    CompanyFactory(name="Acme Robotics")

    response = recruiter_client.get(reverse(url_name), {"q": "x" * 100_000})

    assert response.status_code == 200
    assert response.context["q"] == "x" * 200
    assert list(response.context["page"].object_list) == []
