"""Replies to review (issue 10, hole 2): a reply that did not come to a reply address stops nothing until a
recruiter accepts it. (Message-IDs are keyed, too: tests/followups/test_worker.py.)"""

from __future__ import annotations

from email.message import EmailMessage
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from candidly.followups.models import Touchpoint
from candidly.messaging.models import InboundEmail
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CandidateFactory, InterviewFactory, SubmissionFactory, UserFactory
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
PLANNED, SKIPPED, DONE = Touchpoint.Status.PLANNED, Touchpoint.Status.SKIPPED, Touchpoint.Status.DONE


def _forged_reply(*, sender: str, references: list[str], text: str = "I'm out, stop writing.") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "rita@agency.test"
    message["Subject"] = "Re: Quick check-in"
    message["Message-ID"] = f"<forged-{abs(hash((sender, text, *references)))}@evil.test>"
    message["References"] = " ".join(references)
    message.set_content(text)
    return message.as_bytes()


def _ingest(raw: bytes) -> None:
    call_command("ingest_email", stdin=BytesIO(raw), stdout=StringIO())


def _sent_nudge(interview) -> Touchpoint:
    nudge = make_touchpoint(interview, Kind.NUDGE, status=DONE)
    nudge.message_id = f"<tp-{nudge.pk}@replies.localhost>"
    nudge.save(update_fields=["message_id"])
    return nudge


@pytest.fixture
def held(interview) -> tuple[InboundEmail, Touchpoint]:
    """Cara's reply that came without the reply address (her client dropped Reply-To), and her last call."""
    nudge = _sent_nudge(interview)
    last_call = make_touchpoint(interview, Kind.LAST_CALL, status=PLANNED)
    _ingest(_forged_reply(sender="cara@mail.test", references=[nudge.message_id], text="Still keen, thanks!"))
    return InboundEmail.objects.get(), last_call


def test_one_forged_email_naming_many_threads_silences_nobody(interview):
    others = [
        InterviewFactory(submission=SubmissionFactory(candidate=CandidateFactory(email=f"c{n}@mail.test")))
        for n in range(3)
    ]
    nudges = [_sent_nudge(each) for each in [interview, *others]]
    planned = [make_touchpoint(each, Kind.LAST_CALL, status=PLANNED) for each in [interview, *others]]

    _ingest(_forged_reply(sender="cara@mail.test", references=[nudge.message_id for nudge in nudges]))

    assert [Touchpoint.objects.get(pk=tp.pk).status for tp in planned] == [PLANNED] * 4
    assert list(Event.objects.all()) == []
    assert list(InboundEmail.objects.values_list("status", "touchpoint")) == [
        (InboundEmail.Status.REVIEW, nudges[0].pk)
    ]


def test_reply_review_page_lists_the_waiting_reply(held, recruiter_client):
    inbound, _ = held

    response = recruiter_client.get("/replies/review/")

    body = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [inbound]
    assert "<h1>Replies to review</h1>" in body
    assert "Still keen, thanks!" in body
    assert f'action="/replies/{inbound.pk}/accept/"' in body


def test_reply_review_page_needs_login(held):
    response = Client().get("/replies/review/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/replies/review/")


@pytest.mark.parametrize("rows", [1, 3])
def test_reply_review_page_runs_a_constant_number_of_queries(
    interview, recruiter_client, django_assert_num_queries, rows
):
    nudge = _sent_nudge(interview)
    for n in range(rows):
        _ingest(_forged_reply(sender="cara@mail.test", references=[nudge.message_id], text=f"Reply {n}"))

    # session, user, the page of replies with their people and interviews
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = recruiter_client.get("/replies/review/")

    assert len(response.context["page"].object_list) == rows


def test_accepting_a_held_reply_records_it_as_the_persons_response(held, recruiter, recruiter_client):
    inbound, last_call = held

    response = recruiter_client.post(f"/replies/{inbound.pk}/accept/")

    inbound.refresh_from_db()
    last_call.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, "/replies/review/")
    assert (inbound.status, inbound.reviewed_by) == (InboundEmail.Status.MATCHED, recruiter)
    assert (last_call.status, last_call.skip_reason) == (SKIPPED, "responded by email")
    assert list(Event.objects.order_by("id").values_list("kind", "actor_user", "summary")) == [
        (
            "email.reply_accepted",
            recruiter.pk,
            "Rita Recruiter accepted an email from cara@mail.test as a reply",
        ),
        ("email.replied", None, "Replied by email: Still keen, thanks!"),
    ]


def test_dismissing_a_held_reply_stops_nothing(held, recruiter, recruiter_client):
    inbound, last_call = held

    recruiter_client.post(f"/replies/{inbound.pk}/dismiss/")

    inbound.refresh_from_db()
    last_call.refresh_from_db()
    assert (inbound.status, inbound.reviewed_by) == (InboundEmail.Status.DISMISSED, recruiter)
    assert last_call.status == PLANNED
    assert list(Event.objects.values_list("kind", "summary")) == [
        ("email.reply_dismissed", "Rita Recruiter dismissed an email from cara@mail.test held for review")
    ]


def test_a_held_reply_is_decided_once(held, recruiter_client):
    inbound, _ = held
    other = Client()
    other.force_login(UserFactory(username="omar"))

    recruiter_client.post(f"/replies/{inbound.pk}/dismiss/")
    late = other.post(f"/replies/{inbound.pk}/accept/", follow=True)

    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.DISMISSED
    assert [str(message) for message in late.context["messages"]] == [
        "Someone already decided about that email."
    ]
    assert list(Event.objects.values_list("kind", flat=True)) == ["email.reply_dismissed"]


def test_reply_decisions_are_post_only(held, recruiter_client):
    inbound, _ = held

    response = recruiter_client.get(f"/replies/{inbound.pk}/accept/")

    inbound.refresh_from_db()
    assert (response.status_code, inbound.status) == (405, InboundEmail.Status.REVIEW)
