"""The services' own guarantees, for callers that skip the forms (the API, commands) or race them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from candidly.people import services
from candidly.people.models import Candidate, Company, Contact
from candidly.timeline.models import Event
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_create_candidate_duplicate_email_raises_field_error_and_saves_nothing(recruiter):
    existing = CandidateFactory(email="cara@mail.test")

    with pytest.raises(ValidationError) as caught:
        services.create_candidate(
            actor=recruiter, name="Cara Again", email="cara@mail.test", role_tags=["go"]
        )

    assert caught.value.message_dict == {"email": ["A candidate with this email address already exists."]}
    assert list(Candidate.objects.all()) == [existing]
    assert list(Event.objects.all()) == []


def test_create_candidate_other_integrity_errors_are_not_disguised(recruiter):
    # SMS without a phone is refused by the database; the form catches it, so reaching it here is a bug.
    with pytest.raises(IntegrityError):
        services.create_candidate(
            actor=recruiter, name="Cara", email="cara@mail.test", preferred_channel="sms"
        )

    assert list(Candidate.objects.all()) == []


def test_update_candidate_duplicate_email_leaves_row_as_it_was(recruiter):
    CandidateFactory(email="taken@mail.test")
    candidate = CandidateFactory(name="Cara", email="cara@mail.test")

    with pytest.raises(ValidationError) as caught:
        services.update_candidate(candidate, actor=recruiter, name="Cara D", email="taken@mail.test")

    assert caught.value.message_dict == {"email": ["A candidate with this email address already exists."]}
    assert (candidate.name, candidate.email) == ("Cara", "cara@mail.test")
    candidate.refresh_from_db()
    assert (candidate.name, candidate.email) == ("Cara", "cara@mail.test")
    assert list(Event.objects.all()) == []


def test_update_candidate_returns_changed_fields(recruiter):
    candidate = CandidateFactory(name="Cara", locations="")

    changed = services.update_candidate(candidate, actor=recruiter, name="Cara", locations="Lisbon")

    assert changed == ["locations"]
    assert Candidate.objects.get().locations == "Lisbon"


def test_create_company_duplicate_name_any_case_raises_field_error(recruiter):
    CompanyFactory(name="Northwind")

    with pytest.raises(ValidationError) as caught:
        services.create_company(actor=recruiter, name="NorthWind")

    assert caught.value.message_dict == {"name": ["A company with this name already exists."]}
    assert Company.objects.count() == 1


def test_update_contact_duplicate_email_at_company_raises_field_error(recruiter):
    company = CompanyFactory()
    ContactFactory(company=company, email="taken@client.test")
    contact = ContactFactory(company=company, email="hana@client.test")

    with pytest.raises(ValidationError) as caught:
        services.update_contact(contact, actor=recruiter, email="taken@client.test")

    assert caught.value.message_dict == {"email": ["Someone at this company already has this email address."]}
    contact.refresh_from_db()
    assert contact.email == "hana@client.test"
    assert list(Event.objects.all()) == []


def test_create_contact_defaults_to_company_time_zone(recruiter):
    company = CompanyFactory(time_zone="Asia/Tokyo")

    contact = services.create_contact(
        actor=recruiter, company=company, name="Kenji", email="kenji@client.test"
    )

    assert Contact.objects.get(pk=contact.pk).time_zone == "Asia/Tokyo"
    assert [(e.kind, e.contact, e.company) for e in Event.objects.all()] == [
        ("contact.created", contact, company)
    ]
