"""Bad input on the hiring pages (issue 10, hole 3): a field error, never a server error, nothing saved.

Runs on PostgreSQL too, where a huge integer or a NUL byte used to fail in the database; an interview in
year 9999 broke its calendar invite and the worker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.admin.views.main import SEARCH_VAR

from candidly.hiring.models import Interview, Role
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory, RoleFactory, SubmissionFactory
from tests.hiring.test_interviews import interview_form
from tests.hiring.test_roles import role_form

pytestmark = pytest.mark.django_db

# The clock of these tests: 30 November 2026, so the window ends on 30 November 2031.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OUTSIDE = "Pick a date between 1 January 2000 and 30 November 2031."


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize("day", ["9999-12-31", "9998-06-01", "2031-12-01", "1999-12-31", "0001-01-01"])
def test_interview_create_refuses_a_date_outside_the_window(recruiter_client, day):
    submission = SubmissionFactory()

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/", interview_form(date=day)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"date": [OUTSIDE]}
    assert list(Interview.objects.all()) == []


@pytest.mark.parametrize("day", ["2000-01-01", "2031-11-30"])
def test_interview_create_accepts_the_window_edges(recruiter_client, day):
    submission = SubmissionFactory()

    recruiter_client.post(f"/submissions/{submission.pk}/interviews/new/", interview_form(date=day))

    assert Interview.objects.get().starts_at.date().isoformat() == day


def test_interview_form_says_which_dates_it_takes(recruiter_client):
    submission = SubmissionFactory()

    response = recruiter_client.get(f"/submissions/{submission.pk}/interviews/new/")

    assert response.context["form"].fields["date"].help_text == (
        "From 1 January 2000 to five years from today."
    )


def test_interview_edit_refuses_a_date_outside_the_window(recruiter_client):
    interview = SubmissionFactory().interviews.create(
        round=1, starts_at=NOW, ends_at=NOW.replace(hour=13), time_zone="UTC", video_url="https://m.test/x"
    )

    response = recruiter_client.post(f"/interviews/{interview.pk}/edit/", interview_form(date="9999-12-31"))

    interview.refresh_from_db()
    assert response.context["form"].errors == {"date": [OUTSIDE]}
    assert interview.starts_at == NOW


@pytest.mark.parametrize("amount", ["100000001", str(2**31)])
def test_role_create_refuses_a_huge_compensation(recruiter_client, amount):
    company = CompanyFactory()
    manager = ContactFactory(company=company)

    response = recruiter_client.post(
        "/roles/new/", role_form(company, manager, compensation_min=amount, compensation_max=amount)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "compensation_min": ["Ensure this value is less than or equal to 100000000."],
        "compensation_max": ["Ensure this value is less than or equal to 100000000."],
    }
    assert list(Role.objects.all()) == []


def test_role_create_refuses_a_title_with_a_line_break(recruiter_client):
    company = CompanyFactory()
    manager = ContactFactory(company=company)

    response = recruiter_client.post(
        "/roles/new/", role_form(company, manager, title="Engineer\r\nBcc: eve@evil.test")
    )

    assert response.context["form"].errors == {"title": ["Use a single line: no line breaks."]}
    assert list(Role.objects.all()) == []


def test_role_and_submission_searches_drop_a_nul_byte(recruiter_client):
    role = RoleFactory(title="Backend Engineer")
    submission = SubmissionFactory(role=role)
    RoleFactory(title="Designer")

    roles = recruiter_client.get("/roles/", {"q": "Back\x00end"})
    submissions = recruiter_client.get("/submissions/", {"q": "Back\x00end"})

    assert list(roles.context["page"].object_list) == [role]
    assert list(submissions.context["page"].object_list) == [submission]


def test_talent_pool_location_drops_a_nul_byte(recruiter_client):
    berlin = CandidateFactory(name="Bea Berlin", locations="Berlin")
    CandidateFactory(name="Paul Paris", locations="Paris")

    response = recruiter_client.get("/talent-pool/", {"location": "Ber\x00lin"})

    assert list(response.context["page"].object_list) == [berlin]


def test_talent_pool_refuses_a_huge_minimum_and_filters_nothing(recruiter_client):
    candidates = [CandidateFactory(name="Bea Berlin"), CandidateFactory(name="Paul Paris")]

    response = recruiter_client.get("/talent-pool/", {"max_minimum": str(2**31)})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "max_minimum": ["Ensure this value is less than or equal to 100000000."]
    }
    assert list(response.context["page"].object_list) == candidates


@pytest.mark.parametrize("model", ["people/candidate", "people/contact", "hiring/role", "accounts/user"])
def test_admin_search_ignores_a_nul_byte(admin_client_, model):
    # Django admin's own search form refuses the NUL byte; this keeps it so.
    response = admin_client_.get(f"/admin/{model}/", {SEARCH_VAR: "a\x00b"})

    assert response.status_code == 200
