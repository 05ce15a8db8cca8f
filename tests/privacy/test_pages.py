"""The data protection pages: who may export and erase, the typed confirmation, what cannot be erased yet,
a hiring manager's erasure, the consent record, and the admin-only audit trail with its filters."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.accounts.models import User
from candidly.followups.models import Feedback
from candidly.hiring.models import Role, Submission
from candidly.people.models import Candidate, Contact
from candidly.privacy.audit import AUDITED_KINDS
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event
from tests.banner import BANNER_QUERIES
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def ada(db) -> User:
    return UserFactory(
        username="ada", first_name="Ada", last_name="Admin", role=User.Role.ADMIN, is_staff=True
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cara_of(recruiter: User, **fields) -> Candidate:
    return CandidateFactory(name="Cara Candidate", email="cara@mail.test", recruiter=recruiter, **fields)


# --- export -------------------------------------------------------------------------------------------------


def test_export_by_the_candidates_recruiter_is_a_zip_and_an_audited_event(recruiter, recruiter_client):
    cara = cara_of(recruiter, notes="Met at the meetup")

    response = recruiter_client.post(f"/candidates/{cara.pk}/export/")

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="candidate-{cara.pk}-data-2026-03-10.zip"'
    )
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert (data["candidate"]["name"], data["candidate"]["notes"]) == ("Cara Candidate", "Met at the meetup")
    [event] = Event.objects.filter(kind=EventKind.CANDIDATE_EXPORTED)
    assert (event.actor_user, event.candidate, event.summary) == (
        recruiter,
        cara,
        f"Exported the data of candidate #{cara.pk}",
    )


def test_export_refused_to_another_recruiter_and_to_a_get(recruiter):
    cara = cara_of(recruiter)
    other = client_for(UserFactory(username="omar"))

    refused = other.post(f"/candidates/{cara.pk}/export/")
    by_get = client_for(recruiter).get(f"/candidates/{cara.pk}/export/")

    assert (refused.status_code, by_get.status_code) == (403, 405)
    assert not Event.objects.filter(kind=EventKind.CANDIDATE_EXPORTED).exists()


def test_export_by_an_admin_of_anyones_candidate(recruiter, ada):
    cara = cara_of(recruiter)

    response = client_for(ada).post(f"/candidates/{cara.pk}/export/")

    assert response.status_code == 200
    assert Event.objects.get(kind=EventKind.CANDIDATE_EXPORTED).actor_user == ada


# --- erasure ------------------------------------------------------------------------------------------------


def test_erase_page_is_refused_to_recruiters(recruiter, recruiter_client):
    cara = cara_of(recruiter)

    page = recruiter_client.get(f"/candidates/{cara.pk}/erase/")
    post = recruiter_client.post(f"/candidates/{cara.pk}/erase/", {"confirm": "Cara Candidate"})

    assert (page.status_code, post.status_code) == (403, 403)
    assert Candidate.objects.get(pk=cara.pk).name == "Cara Candidate"


def test_erase_needs_the_name_typed_and_changes_nothing_without_it(recruiter, ada):
    cara = cara_of(recruiter)
    admin = client_for(ada)

    page = admin.get(f"/candidates/{cara.pk}/erase/")
    wrong = admin.post(f"/candidates/{cara.pk}/erase/", {"confirm": "Cara"})

    assert page.status_code == 200
    assert "What stays" in page.content.decode()
    assert wrong.status_code == 400
    assert "Type “Cara Candidate” exactly to confirm." in wrong.content.decode()
    assert Candidate.objects.get(pk=cara.pk).erased_at is None
    assert not Event.objects.filter(kind=EventKind.CANDIDATE_ERASED).exists()


def test_erase_is_refused_while_a_process_is_open(recruiter, ada):
    cara = cara_of(recruiter)
    SubmissionFactory(candidate=cara, stage=Submission.Stage.INTERVIEWING)

    response = client_for(ada).post(f"/candidates/{cara.pk}/erase/", {"confirm": "Cara Candidate"})

    assert response.status_code == 400
    assert "still in an open process" in response.content.decode()
    assert Candidate.objects.get(pk=cara.pk).erased_at is None


def test_erase_with_the_name_typed_anonymises_and_says_so(recruiter, ada):
    cara = cara_of(recruiter, phone="+14155550123", notes="Likes Rust")
    record_event(kind=EventKind.CANDIDATE_UPDATED, summary="Updated candidate Cara Candidate", candidate=cara)

    response = client_for(ada).post(
        f"/candidates/{cara.pk}/erase/", {"confirm": "  cara   candidate "}, follow=True
    )

    cara.refresh_from_db()
    assert response.status_code == 200
    assert (
        f"Personal data erased: the record is now “Erased candidate #{cara.pk}”." in response.content.decode()
    )
    assert (cara.name, cara.phone, cara.notes, cara.erased_at) == (
        f"Erased candidate #{cara.pk}",
        "",
        "",
        NOW,
    )
    assert list(Event.objects.filter(candidate=cara).order_by("id").values_list("summary", flat=True)) == [
        f"Erased candidate #{cara.pk}: candidate updated",
        f"Erased candidate #{cara.pk}: personal data erased on request",
    ]
    again = client_for(ada).post(f"/candidates/{cara.pk}/erase/", {"confirm": cara.name})
    assert again.status_code == 400
    assert Event.objects.filter(kind=EventKind.CANDIDATE_ERASED).count() == 1


def test_erase_a_hiring_manager_keeps_their_feedback_counts_without_their_words(recruiter, ada):
    acme = CompanyFactory(name="Acme Robotics")
    hannah = ContactFactory(
        company=acme, name="Hannah Manager", email="hannah@acme.test", phone="+442079460000"
    )
    role = RoleFactory(company=acme, hiring_manager=hannah, status=Role.Status.FILLED)
    interview = InterviewFactory(submission__role=role)
    Feedback.objects.create(
        interview=interview,
        contact=hannah,
        channel=Feedback.Channel.FORM,
        verdict=Feedback.Verdict.ADVANCE,
        notes="Strong on systems design",
        created_at=NOW,
        updated_at=NOW,
    )

    response = client_for(ada).post(f"/contacts/{hannah.pk}/erase/", {"confirm": "Hannah Manager"})

    hannah.refresh_from_db()
    assert response.status_code == 302
    assert (hannah.name, hannah.email, hannah.phone) == (
        f"Erased contact #{hannah.pk}",
        f"erased-contact-{hannah.pk}@erased.invalid",
        "",
    )
    assert list(Feedback.objects.values_list("verdict", "notes")) == [("advance", "")]
    assert Event.objects.get(kind=EventKind.CONTACT_ERASED).actor_user == ada


def test_erase_a_hiring_manager_of_an_open_role_is_refused(ada):
    hannah = ContactFactory(name="Hannah Manager")
    RoleFactory(company=hannah.company, hiring_manager=hannah, status=Role.Status.OPEN)

    response = client_for(ada).post(f"/contacts/{hannah.pk}/erase/", {"confirm": "Hannah Manager"})

    assert response.status_code == 400
    assert "They manage an open role" in response.content.decode()
    assert Contact.objects.get(pk=hannah.pk).erased_at is None


# --- consent ------------------------------------------------------------------------------------------------


def test_consent_given_then_withdrawn_is_shown_recorded_and_exported(recruiter, recruiter_client):
    cara = cara_of(recruiter)

    given = recruiter_client.post(f"/candidates/{cara.pk}/consent/", {"given": "yes", "how": "email"})
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        withdrawn = recruiter_client.post(f"/candidates/{cara.pk}/consent/", {"given": "no", "how": "phone"})
        page = recruiter_client.get(f"/candidates/{cara.pk}/").content.decode()
        export = recruiter_client.post(f"/candidates/{cara.pk}/export/")

    assert (given.status_code, withdrawn.status_code) == (302, 302)
    assert "Given 10 Mar 2026 (by email)" in page
    assert "<dt>Withdrawn</dt><dd>20 Mar 2026 (on the phone)</dd>" in page
    consent = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("data.json"))["consent"]
    assert (consent["given_how"], consent["withdrawn_how"]) == ("By email", "On the phone")
    assert [entry["what"] for entry in consent["history"]] == [
        "Consent given (by email)",
        "Consent withdrawn (on the phone)",
    ]


def test_consent_with_an_unknown_way_is_refused(recruiter, recruiter_client):
    cara = cara_of(recruiter)

    response = recruiter_client.post(f"/candidates/{cara.pk}/consent/", {"given": "yes", "how": "telepathy"})

    assert response.status_code == 400
    assert Candidate.objects.get(pk=cara.pk).consent_at is None


# --- audit trail --------------------------------------------------------------------------------------------


def test_audit_trail_is_for_admins_only(recruiter_client):
    assert recruiter_client.get("/audit/").status_code == 403


def test_audit_trail_lists_exports_erasures_and_settings_changes_filtered_by_user_and_date(recruiter, ada):
    cara = cara_of(recruiter)
    dan = CandidateFactory(name="Dan Declined", email="dan@mail.test", recruiter=recruiter)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        client_for(recruiter).post(f"/candidates/{cara.pk}/export/")
    client_for(ada).post("/settings/retention/", {"retention_months": "36"})
    client_for(ada).post(f"/candidates/{dan.pk}/erase/", {"confirm": "Dan Declined"})
    record_event(kind=EventKind.CANDIDATE_UPDATED, summary="Not audited", candidate=cara, actor=ada)
    admin = client_for(ada)

    everything = admin.get("/audit/")
    by_ada = admin.get("/audit/", {"user": "ada"})
    early_march = admin.get("/audit/", {"start": "2026-03-01", "end": "2026-03-05"})
    unknown = admin.get("/audit/", {"user": "nobody"})

    def rows(response):
        return [(event.kind, event.actor_user.username) for event in response.context["page"].object_list]

    assert rows(everything) == [
        (EventKind.CANDIDATE_ERASED, "ada"),
        (EventKind.AGENCY_SETTINGS_CHANGED, "ada"),
        (EventKind.CANDIDATE_EXPORTED, recruiter.username),
    ]
    assert rows(by_ada) == rows(everything)[:2]
    assert rows(early_march) == [(EventKind.CANDIDATE_EXPORTED, recruiter.username)]
    assert unknown.status_code == 400
    assert "No user has this username." in unknown.content.decode()


def test_audited_kinds_are_event_kinds():
    assert AUDITED_KINDS - set(EventKind) == set()


@pytest.mark.parametrize("n", [1, 3])
def test_audit_trail_query_count_is_constant(ada, django_assert_num_queries, n):
    for i in range(n):
        record_event(kind=EventKind.CANDIDATE_EXPORTED, summary=f"Exported #{i}", actor=ada)
    admin = client_for(ada)

    # Session, viewer, the filter's user, the page's count and rows, plus the banner.
    with django_assert_num_queries(5 + BANNER_QUERIES):
        response = admin.get("/audit/", {"user": "ada"})

    assert len(response.context["page"].object_list) == n
