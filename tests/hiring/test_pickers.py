"""Choosing a candidate, role, contact or company: search-as-you-type (htmx), the no-JavaScript search, and
the id the form posts checked on the server."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from candidly.hiring.models import Role, Submission
from candidly.people.models import Contact
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory, RoleFactory, TagFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
RADIO_RE = re.compile(r'<input type="radio" name="([a-z_]+)" value="(\d+)"')


def radios(content: bytes) -> list[tuple[str, int]]:
    return [(name, int(pk)) for name, pk in RADIO_RE.findall(content.decode())]


def test_candidate_picker_returns_at_most_ten_matches_as_radios_for_htmx(recruiter_client):
    matching = [CandidateFactory(name=f"Mira Jones {i:02d}") for i in range(12)]
    CandidateFactory(name="Omar Haddad")

    response = recruiter_client.get("/pick/candidate/", {"candidate_q": "mira", "field": "candidate"}, **HX)

    assert radios(response.content) == [("candidate", c.pk) for c in matching[:10]]
    assert "<html" not in response.content.decode()
    assert "<legend>Choose a candidate</legend>" in response.content.decode()


def test_picker_says_when_nothing_matches(recruiter_client):
    response = recruiter_client.get("/pick/company/", {"q": "Nowhere Ltd", "field": "company"}, **HX)

    assert radios(response.content) == []
    assert "No company matches “Nowhere Ltd”." in response.content.decode()


def test_role_picker_offers_only_open_roles(recruiter_client):
    open_role = RoleFactory(title="Data Engineer")
    RoleFactory(title="Data Analyst", status=Role.Status.CLOSED)

    response = recruiter_client.get("/pick/open-role/", {"q": "data", "field": "role"}, **HX)

    assert radios(response.content) == [("role", open_role.pk)]


def test_contact_picker_narrows_to_the_chosen_company(recruiter_client):
    acme, other = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    hannah = ContactFactory(company=acme, name="Hannah Lee")
    ContactFactory(company=other, name="Hannah Smith")

    response = recruiter_client.get(
        "/pick/contact/", {"hiring_manager_q": "hannah", "field": "hiring_manager", "company": acme.pk}, **HX
    )

    assert radios(response.content) == [("hiring_manager", hannah.pk)]


def test_plain_search_page_links_back_to_the_form_with_the_choice(recruiter_client):
    cara = CandidateFactory(name="Cara Diaz")
    role = RoleFactory()

    response = recruiter_client.get(
        "/pick/candidate/", {"q": "cara", "field": "candidate", "next": f"/submissions/new/?role={role.pk}"}
    )

    page = response.content.decode()
    assert f'href="/submissions/new/?role={role.pk}&amp;candidate={cara.pk}">Choose</a>' in page
    assert "<h1>Search candidates</h1>" in page


def test_plain_search_page_never_links_off_the_site(recruiter_client):
    CandidateFactory(name="Cara Diaz")

    response = recruiter_client.get("/pick/candidate/", {"q": "cara", "next": "https://evil.test/x"})

    assert "evil.test" not in response.content.decode()


def test_unknown_picker_is_a_404(recruiter_client):
    assert recruiter_client.get("/pick/users/", {"q": "a"}).status_code == 404


def test_picker_needs_login(client):
    response = client.get("/pick/candidate/", {"q": "cara"})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_search_button_without_javascript_shows_matches_and_keeps_what_was_typed(recruiter_client):
    cara = CandidateFactory(name="Cara Diaz")
    CandidateFactory(name="Omar Haddad")
    role = RoleFactory()

    response = recruiter_client.post(
        "/submissions/new/",
        {"candidate_q": "cara", "_pick": "candidate", "role": role.pk, "note": "Strong on Go"},
    )

    assert response.status_code == 200
    assert Submission.objects.count() == 0
    assert response.context["form"].errors == {}
    assert radios(response.content) == [("candidate", cara.pk), ("role", role.pk)]
    page = response.content.decode()
    assert 'value="cara"' in page and "Strong on Go</textarea>" in page


def test_submitting_the_chosen_ids_creates_the_submission(recruiter_client):
    cara, role = CandidateFactory(name="Cara Diaz"), RoleFactory()

    response = recruiter_client.post(
        "/submissions/new/", {"candidate_q": "cara", "candidate": cara.pk, "role": role.pk, "note": ""}
    )

    submission = Submission.objects.get()
    assert response.status_code == 302 and (submission.candidate, submission.role) == (cara, role)


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "1e3", ""])
def test_a_bad_candidate_id_is_a_form_error(recruiter_client, bad):
    role = RoleFactory()

    response = recruiter_client.post("/submissions/new/", {"candidate": bad, "role": role.pk})

    assert Submission.objects.count() == 0
    expected = (
        "Choose a candidate: search for one, then pick it from the matches."
        if bad == ""
        else "That candidate is not one you can choose here: search again and pick one."
    )
    assert response.context["form"].errors == {"candidate": [expected]}


def test_a_closed_role_id_is_refused(recruiter_client):
    cara, closed = CandidateFactory(), RoleFactory(status=Role.Status.CLOSED)

    response = recruiter_client.post("/submissions/new/", {"candidate": cara.pk, "role": closed.pk})

    assert response.context["form"].errors == {"role": ["Choose an open role."]}


def test_role_form_hiring_manager_must_be_at_the_company(recruiter_client, recruiter):
    acme, other = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    outsider = ContactFactory(company=other, name="Sam Outsider")
    data = {
        "title": "Engineer",
        "company": acme.pk,
        "hiring_manager": outsider.pk,
        "recruiter": recruiter.pk,
        "status": "open",
        "workplace": "hybrid",
        "currency": "EUR",
    }

    response = recruiter_client.post("/roles/new/", data)

    assert Role.objects.count() == 0
    assert response.context["form"].errors == {"hiring_manager": ["Sam Outsider is not a contact at Acme."]}


def test_contact_form_company_is_a_search_not_a_list(recruiter_client):
    CompanyFactory(name="Acme")

    page = recruiter_client.get("/contacts/new/").content.decode()

    assert '<select name="company"' not in page
    assert 'name="company_q"' in page and 'placeholder="Search companies"' in page
    assert Contact.objects.count() == 0


# --- search: names, emails, phone numbers by digits, tags, notes (SQLite and PostgreSQL) -------------------


def test_candidate_search_matches_name_email_phone_digits_notes_tags_and_company(recruiter_client):
    by_name = CandidateFactory(name="Zelda Quinn", email="zq@mail.test", phone="+447700900111")
    by_email = CandidateFactory(name="Alan Brook", email="zelda.fan@post.test", phone="+447700900222")
    by_phone = CandidateFactory(name="Ben Cole", email="ben@mail.test", phone="+14155550199")
    by_notes = CandidateFactory(name="Cy Dunn", email="cy@mail.test", notes="Knows Kubernetes well")
    by_tag = CandidateFactory(name="Di Egan", email="di@mail.test")
    by_tag.role_tags.set([TagFactory(name="kubernetes")])
    CandidateFactory(name="Nobody Else", email="nobody@mail.test", phone="+447700900333")

    def names(q: str) -> list[str]:
        return [c.name for c in recruiter_client.get("/candidates/", {"q": q}).context["page"]]

    assert names("zelda") == [by_email.name, by_name.name]
    assert names("415 555-0199") == [by_phone.name]
    assert names("(0)7700 900 222") == [by_email.name]
    assert names("kubernetes") == [by_notes.name, by_tag.name]
    # Two letters: names and emails that start with them (a trigram needs three).
    assert names("ze") == [by_email.name, by_name.name]
    assert names("zq") == [by_name.name]


def test_company_and_contact_search_use_the_same_rules(recruiter_client):
    acme = CompanyFactory(name="Acme Robotics")
    CompanyFactory(name="Globex")
    hannah = ContactFactory(company=acme, name="Hannah Lee", phone="+442079460958")

    companies = recruiter_client.get("/companies/", {"q": "robot"}).context["page"]
    contacts = recruiter_client.get("/contacts/", {"q": "020 7946 0958"}).context["page"]

    assert list(companies) == [acme]
    assert list(contacts) == [hannah]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("zelda", "candidate_name_trgm"),
        ("zelda", "candidate_email_trgm"),
        ("415 555 0199", "candidate_phone_trgm"),
        ("kubernetes", "candidate_notes_trgm"),
    ],
)
def test_candidate_search_can_use_the_trigram_indexes_on_postgresql(term, index):
    from candidly.hiring.queries import SEARCH_CAP, _candidate_ids_matching

    # The query that reads the matching ids (the page then reads those rows by key).
    query = _candidate_ids_matching(term)[: SEARCH_CAP + 1]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # The table is tiny here; forbid the scan to learn whether the query's shape can use the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan
