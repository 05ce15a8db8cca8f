"""Upload → preview → confirm → summary over HTTP, with CSV and XLSX files."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.dataio.models import ImportBatch
from candidly.people.models import Candidate, Company, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.dataio.support import confirm, csv_bytes, latest_batch, row_counts, upload, xlsx_bytes
from tests.factories import CandidateFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

CANDIDATE_HEADER = [
    "Name",
    "Email",
    "Phone",
    "Time zone",
    "Preferred channel",
    "Recruiter",
    "Role tags",
    "Consent",
]


def test_import_candidates_csv_upload_preview_confirm_summary(admin_client_, admin_user, recruiter):
    existing = CandidateFactory(name="Old Name", email="old@mail.test", phone="+442079460958")
    other = CandidateFactory(name="Phone Owner", email="owner@mail.test", phone="+14155550199")
    rows = [
        [
            "Ann Lee",
            "ANN@mail.test",
            "+44 20 7946 0000",
            "Europe/London",
            "sms",
            "rita",
            "Python, Data",
            "yes",
        ],
        ["New Name", "old@mail.test", "+44 20 7946 0958", "", "", "", "", ""],
        ["Ann Again", "ann@mail.test", "", "", "", "", "", ""],
        ["Same Phone", "same@mail.test", "(415) 555-0199", "", "", "", "", ""],
        ["Bad Zone", "bad@mail.test", "", "Mars/Olympus", "", "nobody", "", "maybe"],
        ["Ben Ray", "ben@mail.test", "", "", "email", "rita@agency.test", "", "no"],
    ]
    rows[3][2] = "+1 415 555 0199"

    response = upload(admin_client_, "candidates", csv_bytes(CANDIDATE_HEADER, rows, bom=True))

    batch = latest_batch()
    assert response.status_code == 302
    assert response["Location"] == reverse("dataio:import-preview", args=[batch.pk])
    assert Candidate.objects.count() == 2  # the preview changes nobody
    assert batch.summary == {"create": 2, "update": 1, "skip": 2, "error": 1}
    by_row = {entry["row"]: entry for entry in batch.rows}
    assert (by_row[3]["action"], by_row[3]["target"], by_row[3]["changed"]) == (
        "update",
        existing.pk,
        ["name"],
    )
    assert by_row[4]["reason"] == "Same email address as row 2."
    assert by_row[5] == {**by_row[5], "action": "skip", "target": other.pk}
    assert by_row[5]["reason"] == "Phone Owner (owner@mail.test) has this phone number."
    assert by_row[6]["action"] == "error"
    assert "consent: “maybe” is not yes or no." in by_row[6]["reason"]
    assert "time zone: Unknown time zone “Mars/Olympus”" in by_row[6]["reason"]
    assert "No active user “nobody”" in by_row[6]["reason"]

    preview = admin_client_.get(response["Location"])
    html = preview.content.decode()
    assert "2 to add" in html and "1 to update" in html and "2 to skip" in html and "1 with errors" in html
    assert "Import 3 rows" in html

    done = confirm(admin_client_, batch)

    assert done["Location"] == reverse("dataio:import-done", args=[batch.pk])
    ann = Candidate.objects.get(email="ann@mail.test")
    assert (ann.name, ann.phone, ann.time_zone, ann.preferred_channel, ann.recruiter) == (
        "Ann Lee",
        "+442079460000",
        "Europe/London",
        "sms",
        recruiter,
    )
    assert sorted(ann.role_tags.values_list("name", flat=True)) == ["data", "python"]
    assert ann.consent_at is not None
    ben = Candidate.objects.get(email="ben@mail.test")
    assert (ben.time_zone, ben.recruiter, ben.consent_at, ben.remote) == (
        "Europe/London",
        recruiter,
        None,
        "any",
    )
    existing.refresh_from_db()
    assert existing.name == "New Name"
    created = Event.objects.filter(kind=EventKind.CANDIDATE_CREATED).order_by("candidate__name")
    assert [(e.candidate.name, e.actor_user, e.summary) for e in created] == [
        ("Ann Lee", admin_user, "Added candidate Ann Lee (imported from people.csv)."),
        ("Ben Ray", admin_user, "Added candidate Ben Ray (imported from people.csv)."),
    ]
    updated = Event.objects.get(kind=EventKind.CANDIDATE_UPDATED)
    assert (updated.candidate, updated.data) == (existing, {"changed": ["name"]})
    summary = admin_client_.get(done["Location"]).content.decode()
    assert "2 added" in summary and "1 updated" in summary and "2 skipped" in summary


def test_import_companies_then_contacts_from_xlsx(admin_client_):
    CompanyFactory(name="Globex", country="US", time_zone="America/Chicago", website="")
    companies = xlsx_bytes(
        ["name", "website", "country", "time_zone", "notes"],
        [
            ["Initech", "https://initech.test", "US", "America/New_York", "Printers"],
            ["GLOBEX", "https://globex.test", "US", "", ""],
        ],
    )

    upload(admin_client_, "companies", companies, name="companies.xlsx")
    batch = latest_batch()
    assert batch.summary == {"create": 1, "update": 1, "skip": 0, "error": 0}
    confirm(admin_client_, batch)

    assert list(Company.objects.order_by("name").values_list("name", "website", "time_zone")) == [
        ("GLOBEX", "https://globex.test", "America/Chicago"),
        ("Initech", "https://initech.test", "America/New_York"),
    ]
    contacts = xlsx_bytes(
        ["company", "name", "title", "email", "phone", "is_hiring_manager"],
        [
            ["Initech", "Bill Lumbergh", "VP", "Bill@Initech.test", "212 555 0100", "yes"],
            ["Initech", "Milton", "", "milton@initech.test", 2125550101, "no"],
            ["Nowhere Inc", "Ghost", "", "ghost@nowhere.test", "", ""],
        ],
    )
    upload(admin_client_, "contacts", contacts, name="contacts.xlsx")
    batch = latest_batch()
    assert batch.summary == {"create": 2, "update": 0, "skip": 0, "error": 1}
    assert batch.rows[2]["reason"] == "company: No company named “Nowhere Inc”: import the companies first."
    confirm(admin_client_, batch)

    bill = Contact.objects.get(name="Bill Lumbergh")
    assert (bill.email, bill.phone, bill.time_zone, bill.is_hiring_manager) == (
        "bill@initech.test",
        "+12125550100",
        "America/New_York",
        True,
    )
    assert Contact.objects.get(name="Milton").phone == "+12125550101"
    assert Event.objects.filter(kind=EventKind.CONTACT_CREATED).count() == 2
    assert Event.objects.filter(kind=EventKind.COMPANY_CREATED).count() == 1
    assert Event.objects.filter(kind=EventKind.COMPANY_UPDATED).count() == 1


def test_import_contact_same_email_at_company_updates_it(admin_client_):
    contact = ContactFactory(email="hm@acme.test", title="Lead")
    data = csv_bytes(
        ["company", "name", "email", "title"],
        [[contact.company.name, contact.name, "hm@acme.test", "Director"]],
    )

    upload(admin_client_, "contacts", data)
    confirm(admin_client_, latest_batch())

    contact.refresh_from_db()
    assert contact.title == "Director"


def test_import_is_for_admins_only(recruiter_client, admin_client_, admin_user):
    data = csv_bytes(["name", "email"], [["Ann", "ann@mail.test"]])
    assert recruiter_client.get(reverse("dataio:import-upload")).status_code == 403
    assert upload(recruiter_client, "candidates", data).status_code == 403
    upload(admin_client_, "candidates", data)
    batch = latest_batch()
    for name in ("dataio:import-preview", "dataio:import-done"):
        assert recruiter_client.get(reverse(name, args=[batch.pk])).status_code == 403
    assert confirm(recruiter_client, batch).status_code == 403
    assert Candidate.objects.count() == 0


def test_import_batch_of_another_admin_is_not_found(admin_client_, client):
    from tests.factories import UserFactory

    other = UserFactory(username="otto", role="admin", is_staff=True)
    client.force_login(other)
    upload(admin_client_, "candidates", csv_bytes(["name", "email"], [["Ann", "ann@mail.test"]]))
    batch = latest_batch()

    assert client.get(reverse("dataio:import-preview", args=[batch.pk])).status_code == 404
    assert confirm(client, batch).status_code == 404
    assert Candidate.objects.count() == 0


def test_import_confirm_twice_imports_once(admin_client_):
    upload(admin_client_, "candidates", csv_bytes(["name", "email"], [["Ann", "ann@mail.test"]]))
    batch = latest_batch()

    confirm(admin_client_, batch)
    second = confirm(admin_client_, batch)

    assert second["Location"] == reverse("dataio:import-done", args=[batch.pk])
    assert Candidate.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.CANDIDATE_CREATED).count() == 1


def test_import_confirm_after_expiry_imports_nothing(admin_client_, time_machine):
    upload(admin_client_, "candidates", csv_bytes(["name", "email"], [["Ann", "ann@mail.test"]]))
    batch = latest_batch()
    time_machine.move_to(batch.expires_at, tick=False)

    response = confirm(admin_client_, batch)

    assert response["Location"] == reverse("dataio:import-upload")
    assert Candidate.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_import_confirm_when_someone_added_the_person_since_imports_nothing(admin_client_):
    upload(
        admin_client_,
        "candidates",
        csv_bytes(["name", "email"], [["Ann", "ann@mail.test"], ["Bo", "bo@mail.test"]]),
    )
    batch = latest_batch()
    CandidateFactory(name="Ann Elsewhere", email="ann@mail.test")
    before = row_counts()

    response = confirm(admin_client_, batch)

    assert response["Location"] == reverse("dataio:import-preview", args=[batch.pk])
    assert list(Candidate.objects.values_list("email", flat=True)) == ["ann@mail.test"]
    batch.refresh_from_db()
    assert (batch.status, batch.summary) == (
        ImportBatch.Status.PREVIEWED,
        {"create": 1, "update": 1, "skip": 0, "error": 0},
    )
    assert row_counts() == before
    page = admin_client_.get(response["Location"]).content.decode()
    assert "Some people were added or changed since the preview" in page


def test_import_preview_deletes_expired_batches(admin_client_):
    upload(admin_client_, "candidates", csv_bytes(["name", "email"], [["Ann", "ann@mail.test"]]))
    old = latest_batch()
    ImportBatch.objects.filter(pk=old.pk).update(expires_at=timezone.now())

    upload(admin_client_, "candidates", csv_bytes(["name", "email"], [["Bo", "bo@mail.test"]]))

    assert list(ImportBatch.objects.values_list("filename", flat=True)) == ["people.csv"]
    assert not ImportBatch.objects.filter(pk=old.pk).exists()


def _import_counting_queries(client, rows: list[list[str]]) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = csv_bytes(["name", "email", "phone", "recruiter", "role_tags"], rows)
    with CaptureQueriesContext(connection) as preview:
        upload(client, "candidates", data)
    with CaptureQueriesContext(connection) as imported:
        confirm(client, latest_batch())
    return len(preview), len(imported)


def test_import_preview_and_confirm_queries_do_not_grow_with_rows(admin_client_, recruiter):
    def rows(start: int, count: int) -> list[list[str]]:
        return [
            [f"Person {n}", f"person{n}@mail.test", f"+44 20 {70000000 + n}", "rita", f"tag{n % 2}"]
            for n in range(start, start + count)
        ]

    small = _import_counting_queries(admin_client_, rows(0, 3))
    large = _import_counting_queries(admin_client_, rows(100, 60))

    assert Candidate.objects.count() == 63
    assert large[0] == small[0]  # the preview: lookups per 500 rows, never per row
    # The import: the same, but SQLite takes at most 999 values per INSERT, so 60 candidates (and their
    # Events) need one more INSERT each than 3 do.
    assert large[1] - small[1] <= 2
