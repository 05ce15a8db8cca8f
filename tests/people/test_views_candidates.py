from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate, Tag
from candidly.timeline.models import Event
from candidly.timeline.services import record_event
from tests.banner import BANNER_QUERIES
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def candidate_data(**overrides):
    data = {
        "name": "Cara Diaz",
        "email": "cara@mail.test",
        "phone": "+1 415 555 0123",
        "time_zone": "America/New_York",
        "preferred_channel": "phone",
        "recruiter": "",
        "role_tags": "",
        "locations": "",
        "remote": "any",
        "min_compensation": "",
        "currency": "EUR",
        "notes": "",
    }
    return {**data, **overrides}


def form_data(candidate, **overrides):
    """What the edit page would post back unchanged for ``candidate``."""
    data = {
        "name": candidate.name,
        "email": candidate.email,
        "phone": candidate.phone,
        "time_zone": candidate.time_zone,
        "preferred_channel": candidate.preferred_channel,
        "recruiter": candidate.recruiter_id or "",
        "role_tags": ", ".join(candidate.role_tags.values_list("name", flat=True)),
        "locations": candidate.locations,
        "remote": candidate.remote,
        "min_compensation": candidate.min_compensation if candidate.min_compensation is not None else "",
        "currency": candidate.currency,
        "notes": candidate.notes,
    }
    if candidate.consent_at:
        data["consent"] = "on"
    if candidate.unsubscribed_at:
        data["unsubscribed"] = "on"
    return {**data, **overrides}


# --- create and edit ---------------------------------------------------------------------------------------


def test_candidate_create_normalises_and_records_event(recruiter_client, recruiter):
    TagFactory(name="python")

    response = recruiter_client.post(
        reverse("people:candidate-create"),
        candidate_data(
            email="  Cara@Mail.TEST ",
            phone="+1 (415) 555-0123",
            preferred_channel="sms",
            recruiter=recruiter.pk,
            role_tags="Python, Data Engineering, python, ",
            min_compensation="90000",
            consent="on",
        ),
    )

    candidate = Candidate.objects.get()
    assert response["Location"] == reverse("people:candidate-detail", args=[candidate.pk])
    assert (candidate.email, candidate.phone, candidate.preferred_channel, candidate.recruiter) == (
        "cara@mail.test",
        "+14155550123",
        "sms",
        recruiter,
    )
    assert sorted(candidate.role_tags.values_list("name", flat=True)) == ["data-engineering", "python"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["data-engineering", "python"]
    assert candidate.min_compensation == 90000
    assert candidate.consent_at is not None
    assert candidate.unsubscribed_at is None
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.candidate, event.summary) == (
        "candidate.created",
        recruiter,
        candidate,
        "Added candidate Cara Diaz.",
    )


def test_candidate_create_form_proposes_the_viewer_as_recruiter(recruiter_client, recruiter):
    response = recruiter_client.get(reverse("people:candidate-create"))

    form = response.context["form"]
    assert (form["recruiter"].value(), form["time_zone"].value()) == (recruiter.pk, "Europe/London")
    assert b'<select name="time_zone"' in response.content


def test_candidate_edit_records_changed_fields(recruiter_client, recruiter):
    candidate = CandidateFactory(name="Cara Diaz", time_zone="America/New_York", consent_at=None)
    candidate.role_tags.set([TagFactory(name="python")])

    with time_machine.travel(datetime(2025, 3, 3, 12, 0, tzinfo=UTC), tick=False):
        recruiter_client.post(
            reverse("people:candidate-edit", args=[candidate.pk]),
            form_data(candidate, time_zone="Europe/Berlin", role_tags="python, go", consent="on"),
        )

    candidate.refresh_from_db()
    assert candidate.time_zone == "Europe/Berlin"
    assert sorted(candidate.role_tags.values_list("name", flat=True)) == ["go", "python"]
    assert candidate.consent_at == datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.candidate, event.summary, event.data) == (
        "candidate.updated",
        recruiter,
        candidate,
        "Updated candidate Cara Diaz: time zone, role tags, consent.",
        {"changed": ["time_zone", "role_tags", "consent"]},
    )


def test_candidate_edit_unsubscribe_then_resubscribe(recruiter_client):
    candidate = CandidateFactory(name="Cara Diaz")

    recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, unsubscribed="on")
    )
    candidate.refresh_from_db()
    unsubscribed_at = candidate.unsubscribed_at
    recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, unsubscribed="")
    )
    candidate.refresh_from_db()

    assert unsubscribed_at is not None
    assert candidate.unsubscribed_at is None
    assert [e.summary for e in Event.objects.order_by("id")] == [
        "Updated candidate Cara Diaz: unsubscribe state.",
        "Updated candidate Cara Diaz: unsubscribe state.",
    ]


def test_candidate_edit_without_changes_writes_no_event(recruiter_client):
    candidate = CandidateFactory(name="Cara Diaz", min_compensation=70000)
    candidate.role_tags.set([TagFactory(name="python"), TagFactory(name="go")])

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate)
    )

    assert response.status_code == 302
    assert list(Event.objects.all()) == []


def test_candidate_edit_form_shows_tags_as_text(recruiter_client):
    candidate = CandidateFactory()
    candidate.role_tags.set([TagFactory(name="python"), TagFactory(name="go")])

    response = recruiter_client.get(reverse("people:candidate-edit", args=[candidate.pk]))

    assert response.context["form"]["role_tags"].value() == "go, python"


# --- bad input -------------------------------------------------------------------------------------------


def test_candidate_duplicate_email_is_a_field_error(recruiter_client):
    existing = CandidateFactory(email="cara@mail.test")

    response = recruiter_client.post(
        reverse("people:candidate-create"), candidate_data(email="CARA@mail.test", notes="met at a meetup")
    )

    form = response.context["form"]
    assert form.errors == {"email": ["A candidate with this email address already exists."]}
    assert (form["email"].value(), form["notes"].value()) == ("CARA@mail.test", "met at a meetup")
    assert list(Candidate.objects.all()) == [existing]
    assert list(Event.objects.all()) == []


def test_candidate_edit_to_taken_email_is_a_field_error(recruiter_client):
    CandidateFactory(email="taken@mail.test")
    candidate = CandidateFactory(email="cara@mail.test")

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, email="taken@mail.test")
    )

    assert response.context["form"].errors == {
        "email": ["A candidate with this email address already exists."]
    }
    candidate.refresh_from_db()
    assert candidate.email == "cara@mail.test"


def test_candidate_invalid_phone_is_a_field_error(recruiter_client):
    response = recruiter_client.post(reverse("people:candidate-create"), candidate_data(phone="+1 555 0000"))

    form = response.context["form"]
    assert form.errors == {"phone": ["“+1 555 0000” is not a valid phone number."]}
    assert 'value="+1 555 0000"' in response.content.decode()
    assert list(Candidate.objects.all()) == []


def test_candidate_unknown_time_zone_is_a_field_error(recruiter_client):
    response = recruiter_client.post(
        reverse("people:candidate-create"), candidate_data(time_zone="Moon/Base")
    )

    assert response.context["form"].errors == {
        "time_zone": ["Unknown time zone “Moon/Base”: pick one from the list."]
    }
    assert list(Candidate.objects.all()) == []


def test_candidate_sms_without_phone_is_a_field_error(recruiter_client):
    response = recruiter_client.post(
        reverse("people:candidate-create"),
        candidate_data(phone="", preferred_channel="sms", role_tags="go, rust"),
    )

    form = response.context["form"]
    assert form.errors == {
        "preferred_channel": ["SMS needs a phone number: add one or pick another channel."]
    }
    assert form["role_tags"].value() == "go, rust"
    assert list(Candidate.objects.all()) == []
    assert list(Tag.objects.all()) == []


def test_candidate_tag_without_letters_is_a_field_error(recruiter_client):
    response = recruiter_client.post(
        reverse("people:candidate-create"), candidate_data(role_tags="python, +++")
    )

    assert response.context["form"].errors == {"role_tags": ["“+++” cannot be used as a tag."]}
    assert list(Tag.objects.all()) == []


def test_candidate_edit_with_bad_input_changes_nothing(recruiter_client):
    candidate = CandidateFactory(name="Cara Diaz", phone="+14155550123")
    candidate.role_tags.set([TagFactory(name="python")])

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]),
        form_data(candidate, name="Cara D.", role_tags="python, go", phone="not a phone"),
    )

    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "Cara D."
    candidate.refresh_from_db()
    assert (candidate.name, candidate.phone) == ("Cara Diaz", "+14155550123")
    assert list(candidate.role_tags.values_list("name", flat=True)) == ["python"]
    assert list(Event.objects.all()) == []


# --- detail page -----------------------------------------------------------------------------------------


@time_machine.travel(datetime(2025, 1, 15, 15, 0, tzinfo=UTC), tick=False)
def test_candidate_detail_shows_profile_submissions_interviews_and_timeline(recruiter_client, recruiter):
    recruiter.time_zone = "Asia/Tokyo"
    recruiter.save()
    candidate = CandidateFactory(name="Cara Diaz", phone="+14155550123", time_zone="America/New_York")
    role = RoleFactory(title="Data Engineer", company=CompanyFactory(name="Northwind"))
    submission = SubmissionFactory(candidate=candidate, role=role)
    upcoming = InterviewFactory(
        submission=submission,
        round=2,
        starts_at=datetime(2025, 1, 17, 10, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 17, 11, 0, tzinfo=UTC),
    )
    past = InterviewFactory(
        submission=submission,
        round=1,
        starts_at=datetime(2025, 1, 10, 10, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 10, 11, 0, tzinfo=UTC),
        status=Interview.Status.COMPLETED,
    )
    older = record_event(kind="note", summary="First call.", actor=recruiter, candidate=candidate)
    with time_machine.travel(datetime(2025, 1, 15, 16, 0, tzinfo=UTC), tick=False):
        newer = record_event(kind="note", summary="Sent CV.", actor=None, candidate=candidate)

    response = recruiter_client.get(reverse("people:candidate-detail", args=[candidate.pk]))

    html = response.content.decode()
    assert '<a href="tel:+14155550123">+1 415-555-0123</a>' in html
    assert "Wed 15 Jan, 10:00" in html  # their local time now
    assert response.context["submissions"] == [submission]
    assert f'href="/submissions/{submission.pk}/"' in html
    assert response.context["upcoming_interviews"] == [upcoming]
    assert response.context["past_interviews"] == [past]
    assert "Fri 17 Jan 2025, 19:00\u201320:00" in html  # 10:00 UTC in the viewer's Tokyo
    assert response.context["events"] == [newer, older]
    assert "· Rita Recruiter</span>" in html
    assert "· Candidly</span>" in html


def test_candidate_detail_timeline_is_capped(recruiter_client, recruiter):
    candidate = CandidateFactory()
    for n in range(101):
        record_event(kind="note", summary=f"Note {n}", actor=recruiter, candidate=candidate)

    response = recruiter_client.get(reverse("people:candidate-detail", args=[candidate.pk]))

    assert len(response.context["events"]) == 100
    assert response.context["events"][0].summary == "Note 100"
    assert response.context["more_events"] is True


@pytest.mark.parametrize("n", [1, 5])
def test_candidate_detail_query_count_is_constant(recruiter_client, django_assert_num_queries, n):
    candidate = CandidateFactory()
    candidate.role_tags.set([TagFactory(name="python"), TagFactory(name="go")])
    actors = [UserFactory(), UserFactory()]
    for i in range(n):
        submission = SubmissionFactory(candidate=candidate, stage=Submission.Stage.INTERVIEWING)
        InterviewFactory(submission=submission)
        InterviewFactory(
            submission=submission,
            starts_at=datetime(2024, 5, 1, 9, tzinfo=UTC) + timedelta(days=i),
            ends_at=datetime(2024, 5, 1, 10, tzinfo=UTC) + timedelta(days=i),
            status=Interview.Status.COMPLETED,
        )
        record_event(kind="note", summary=f"Note {i}", actor=actors[i % 2], submission=submission)
    # session, user, candidate+recruiter, tags, submissions, interviews, reliability record, open roles to
    # suggest (none here, so no tags prefetch), feedback, planned messages, events
    with django_assert_num_queries(11 + BANNER_QUERIES):
        response = recruiter_client.get(reverse("people:candidate-detail", args=[candidate.pk]))

    assert len(response.context["submissions"]) == n
    assert len(response.context["events"]) == n


# --- list ------------------------------------------------------------------------------------------------


def test_candidate_list_search_by_name_email_and_company(recruiter_client):
    cara = CandidateFactory(name="Cara Diaz", email="cara@mail.test")
    omar = CandidateFactory(name="Omar Haddad", email="omar.h@post.test")
    SubmissionFactory(candidate=omar, role=RoleFactory(company=CompanyFactory(name="Globex")))
    SubmissionFactory(candidate=omar, role=RoleFactory(company=CompanyFactory(name="Globex Labs")))

    def found(q):
        return list(
            recruiter_client.get(reverse("people:candidate-list"), {"q": q}).context["page"].object_list
        )

    assert (found("cara"), found("omar.h@post"), found("globex"), found("zzz")) == (
        [cara],
        [omar],
        [omar],
        [],
    )


@pytest.mark.parametrize("rows", [1, 30])
def test_candidate_list_query_count_is_constant(recruiter_client, django_assert_num_queries, rows):
    # Two recruiters, not one per row: hashing a password per user would make the test slow, not better.
    recruiters = [UserFactory(), UserFactory()]
    for i in range(rows):
        candidate = CandidateFactory(recruiter=recruiters[i % 2])
        candidate.role_tags.set([TagFactory(name="python"), TagFactory()])
        SubmissionFactory(candidate=candidate)
    # session, user, page (recruiter joined), tags prefetch
    with django_assert_num_queries(4 + BANNER_QUERIES):
        response = recruiter_client.get(reverse("people:candidate-list"))

    rows_shown = list(response.context["page"].object_list)
    assert len(rows_shown) == rows
    assert [c.open_submission_count for c in rows_shown] == [1] * rows


@pytest.mark.parametrize(
    "url", ["/candidates/", "/candidates/new/", "/candidates/{pk}/", "/candidates/{pk}/edit/"]
)
def test_candidate_pages_need_login(url):
    candidate = CandidateFactory()

    response = Client().get(url.format(pk=candidate.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_candidate_create_post_needs_login():
    response = Client().post(reverse("people:candidate-create"), candidate_data())

    assert response.status_code == 302
    assert list(Candidate.objects.all()) == []


def test_candidate_edit_keeps_a_recruiter_who_left(recruiter_client):
    departed = UserFactory(is_active=False)
    candidate = CandidateFactory(name="Cara", recruiter=departed)

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, name="Cara Diaz")
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.recruiter) == ("Cara Diaz", departed)


def test_candidate_edit_keeps_a_legacy_time_zone(recruiter_client):
    candidate = CandidateFactory(name="Cara", time_zone="US/Eastern")

    response = recruiter_client.post(
        reverse("people:candidate-edit", args=[candidate.pk]), form_data(candidate, name="Cara Diaz")
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.time_zone) == ("Cara Diaz", "US/Eastern")
    assert Event.objects.get().summary == "Updated candidate Cara Diaz: name."
