"""'Revoke all links' on a candidate's or a contact's page: POST only, every link they hold goes dead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from candidly.hiring.models import Interview
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_interview() -> Interview:
    now = timezone.now()
    return InterviewFactory(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))


@pytest.fixture
def upcoming_interview(past_interview) -> Interview:
    return InterviewFactory(submission=past_interview.submission, round=2)


def _status(url: str) -> int:
    return Client().get(url).status_code


def test_candidate_revoke_links_makes_their_feedback_and_confirm_links_gone(
    recruiter_client, recruiter, past_interview, upcoming_interview
):
    candidate = past_interview.submission.candidate
    feedback = (
        f"/l/feedback/{issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=past_interview)}/"
    )
    confirm = (
        f"/l/confirm/{issue_link(Link.Purpose.CONFIRM, candidate=candidate, interview=upcoming_interview)}/"
    )
    unsubscribe = f"/u/{issue_link(Link.Purpose.UNSUBSCRIBE, candidate=candidate)}/"
    assert [_status(feedback), _status(confirm), _status(unsubscribe)] == [200, 200, 200]

    response = recruiter_client.post(f"/candidates/{candidate.pk}/revoke-links/")

    assert (response.status_code, response["Location"]) == (302, f"/candidates/{candidate.pk}/")
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["2 links revoked."]
    gone = Client().get(feedback)
    assert (gone.status_code, gone.templates[0].name) == (410, "public/link_invalid.html")
    assert "This link has done its job" in gone.content.decode()
    assert _status(confirm) == 410
    # Unsubscribing keeps working from every email the candidate already has.
    assert _status(unsubscribe) == 200
    assert list(Event.objects.values_list("kind", "actor_user", "candidate", "contact", "data")) == [
        (
            EventKind.LINKS_REVOKED,
            recruiter.pk,
            candidate.pk,
            None,
            {"count": 2, "purposes": {"confirm": 1, "feedback": 1}},
        )
    ]


def test_candidate_revoke_links_leaves_other_peoples_links_alone(recruiter_client, past_interview):
    candidate = past_interview.submission.candidate
    other = InterviewFactory(starts_at=past_interview.starts_at, ends_at=past_interview.ends_at)
    token = issue_link(Link.Purpose.FEEDBACK, candidate=other.submission.candidate, interview=other)
    manager_token = issue_link(
        Link.Purpose.FEEDBACK, contact=past_interview.submission.role.hiring_manager, interview=past_interview
    )

    recruiter_client.post(f"/candidates/{candidate.pk}/revoke-links/")

    assert [_status(f"/l/feedback/{token}/"), _status(f"/l/feedback/{manager_token}/")] == [200, 200]


def test_candidate_revoke_links_get_does_nothing(recruiter_client, past_interview):
    candidate = past_interview.submission.candidate
    token = issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=past_interview)

    response = recruiter_client.get(f"/candidates/{candidate.pk}/revoke-links/")

    assert response.status_code == 405
    assert _status(f"/l/feedback/{token}/") == 200
    assert list(Link.objects.values_list("revoked_at", flat=True)) == [None]
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_candidate_revoke_links_sends_an_anonymous_visitor_to_log_in(client, past_interview):
    candidate = past_interview.submission.candidate
    token = issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=past_interview)
    url = f"/candidates/{candidate.pk}/revoke-links/"

    response = client.post(url)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    assert _status(f"/l/feedback/{token}/") == 200
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_candidate_revoke_links_with_nothing_live_says_so_and_records_nothing(
    recruiter_client, past_interview
):
    candidate = past_interview.submission.candidate

    response = recruiter_client.post(f"/candidates/{candidate.pk}/revoke-links/")

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["0 links revoked."]
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_candidate_page_offers_revoke_all_links_as_a_post_button(recruiter_client, past_interview):
    candidate = past_interview.submission.candidate

    response = recruiter_client.get(f"/candidates/{candidate.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<form method="post" action="/candidates/{candidate.pk}/revoke-links/">' in page
    assert ">Revoke all links</button>" in page


def test_contact_revoke_links_makes_the_managers_feedback_link_gone(
    admin_client_, admin_user, past_interview
):
    manager = past_interview.submission.role.hiring_manager
    token = issue_link(Link.Purpose.FEEDBACK, contact=manager, interview=past_interview)
    assert _status(f"/l/feedback/{token}/") == 200

    response = admin_client_.post(f"/contacts/{manager.pk}/revoke-links/")

    assert (response.status_code, response["Location"]) == (302, f"/contacts/{manager.pk}/")
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["1 link revoked."]
    assert _status(f"/l/feedback/{token}/") == 410
    assert list(Event.objects.values_list("kind", "actor_user", "contact", "company", "data")) == [
        (
            EventKind.LINKS_REVOKED,
            admin_user.pk,
            manager.pk,
            manager.company_id,
            {"count": 1, "purposes": {"feedback": 1}},
        )
    ]


def test_contact_revoke_links_get_does_nothing(recruiter_client, past_interview):
    manager = past_interview.submission.role.hiring_manager
    issue_link(Link.Purpose.FEEDBACK, contact=manager, interview=past_interview)

    response = recruiter_client.get(f"/contacts/{manager.pk}/revoke-links/")

    assert response.status_code == 405
    assert list(Link.objects.values_list("revoked_at", flat=True)) == [None]


def test_contact_page_offers_revoke_all_links_as_a_post_button(recruiter_client, past_interview):
    manager = past_interview.submission.role.hiring_manager

    response = recruiter_client.get(f"/contacts/{manager.pk}/")

    page = response.content.decode()
    assert f'<form method="post" action="/contacts/{manager.pk}/revoke-links/">' in page
    assert ">Revoke all links</button>" in page
