import re

import pytest

from candidly.hiring.models import Role
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CompanyFactory, ContactFactory, RoleFactory, SubmissionFactory, TagFactory


def role_form(company, manager, **overrides):
    data = {
        "title": "Data Engineer",
        "company": company.pk,
        "hiring_manager": manager.pk,
        "recruiter": "",
        "status": Role.Status.OPEN,
        "location": "Berlin",
        "workplace": Role.Workplace.HYBRID,
        "compensation_min": "70000",
        "compensation_max": "90000",
        "currency": "EUR",
        "tags": "Python, data , python",
        "description": "Pipelines.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_role_create_page_saves_role_tags_and_event(recruiter, recruiter_client):
    company = CompanyFactory(name="Globex")
    manager = ContactFactory(company=company, name="Hank Scorpio")

    response = recruiter_client.post("/roles/new/", role_form(company, manager))

    role = Role.objects.get()
    assert response.status_code == 302
    assert response.url == f"/roles/{role.pk}/"
    assert (role.title, role.company, role.hiring_manager, role.compensation_min, role.compensation_max) == (
        "Data Engineer",
        company,
        manager,
        70000,
        90000,
    )
    assert list(role.tags.values_list("name", flat=True)) == ["data", "python"]
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.company, event.contact) == (
        "role.created",
        recruiter,
        company,
        manager,
    )
    assert event.data["role"] == role.pk


@pytest.mark.django_db
def test_role_create_rejects_manager_from_another_company(recruiter_client):
    company = CompanyFactory(name="Globex")
    stranger = ContactFactory(name="Wile E. Coyote", company=CompanyFactory(name="Acme"))

    response = recruiter_client.post("/roles/new/", role_form(company, stranger, title="Typed title"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "hiring_manager": ["Wile E. Coyote is not a contact at Globex."]
    }
    assert 'value="Typed title"' in response.content.decode()
    assert Role.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_role_create_rejects_compensation_band_upside_down(recruiter_client):
    company = CompanyFactory()
    manager = ContactFactory(company=company)

    response = recruiter_client.post(
        "/roles/new/", role_form(company, manager, compensation_min="90000", compensation_max="70000")
    )

    assert response.context["form"].errors == {
        "compensation_max": ["The maximum must be at least the minimum."]
    }
    assert Role.objects.count() == 0


@pytest.mark.django_db
def test_role_create_rejects_unusable_tag(recruiter_client):
    company = CompanyFactory()
    manager = ContactFactory(company=company)

    response = recruiter_client.post("/roles/new/", role_form(company, manager, tags="python, ???"))

    assert list(response.context["form"].errors) == ["tags"]
    assert Role.objects.count() == 0


@pytest.mark.django_db
def test_role_edit_saves_changes_and_names_them_on_the_timeline(recruiter, recruiter_client):
    role = RoleFactory(title="Backend Engineer")
    role.tags.set([TagFactory(name="go")])

    response = recruiter_client.post(
        f"/roles/{role.pk}/edit/",
        role_form(
            role.company,
            role.hiring_manager,
            title="Staff Backend Engineer",
            tags="go, rust",
            location=role.location,
            compensation_min="60000",
            compensation_max="80000",
            currency="EUR",
            description="",
            workplace=role.workplace,
        ),
    )

    assert response.status_code == 302
    role.refresh_from_db()
    assert role.title == "Staff Backend Engineer"
    assert list(role.tags.values_list("name", flat=True)) == ["go", "rust"]
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.data["changed"]) == (
        "role.updated",
        recruiter,
        ["title", "tags"],
    )


@pytest.mark.django_db
def test_role_edit_with_bad_manager_changes_nothing(recruiter_client):
    role = RoleFactory(title="Backend Engineer")
    stranger = ContactFactory()

    response = recruiter_client.post(
        f"/roles/{role.pk}/edit/", role_form(role.company, stranger, title="Renamed")
    )

    assert list(response.context["form"].errors) == ["hiring_manager"]
    role.refresh_from_db()
    assert role.title == "Backend Engineer"
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_role_list_searches_and_filters_by_status(recruiter_client):
    python = RoleFactory(title="Python Developer", company=CompanyFactory(name="Zeta"))
    RoleFactory(title="Python Lead", status=Role.Status.CLOSED)
    tagged = RoleFactory(title="Platform Engineer", company=CompanyFactory(name="Alpha"))
    tagged.tags.set([TagFactory(name="python")])
    RoleFactory(title="Sales Manager")

    response = recruiter_client.get("/roles/", {"q": "python", "status": "open"})

    assert list(response.context["page"].object_list) == [tagged, python]


@pytest.mark.django_db
def test_role_list_ignores_unknown_status(recruiter_client):
    role = RoleFactory()

    response = recruiter_client.get("/roles/", {"status": "bogus"})

    assert list(response.context["page"].object_list) == [role]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_role_list_runs_constant_queries(recruiter_client, django_assert_num_queries, rows):
    for role in RoleFactory.create_batch(rows):
        SubmissionFactory(role=role)

    # session, user, one page of roles with their submission counts
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = recruiter_client.get("/roles/")

    assert len(response.context["page"].object_list) == rows
    assert [role.open_submissions for role in response.context["page"].object_list] == [1] * rows


@pytest.mark.django_db
def test_role_detail_lists_its_submissions(recruiter_client):
    role = RoleFactory()
    first = SubmissionFactory(role=role)
    second = SubmissionFactory(role=role)
    SubmissionFactory()

    response = recruiter_client.get(f"/roles/{role.pk}/")

    assert list(response.context["page"].object_list) == [second, first]
    assert f'href="/candidates/{first.candidate_id}/"' in response.content.decode()


@pytest.mark.django_db
def test_role_list_pages_by_fifty_and_keeps_the_filters(recruiter_client):
    company = CompanyFactory(name="Initech")
    roles = [RoleFactory(company=company, title=f"Analyst {n:02d}") for n in range(51)]
    RoleFactory(title="Cook")

    first = recruiter_client.get("/roles/", {"q": "analyst"})
    second = recruiter_client.get("/roles/", {"q": "analyst", "page": "2"})

    assert list(first.context["page"].object_list) == roles[:50]
    assert list(second.context["page"].object_list) == roles[50:]
    # "More" keeps the filter and carries a cursor (lib.paging) instead of a page number.
    assert re.search(r'href="\?q=analyst&amp;after=[\w-]+" rel="next"', first.content.decode())
