"""Endings a recruiter records: withdrawn by phone, and the company's "no" with a reviewed message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.followups.models import Task
from candidly.hiring.models import Interview, Submission
from candidly.hiring.reliability import reliability_record
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.factories import CompanyFactory, RoleFactory, TagFactory
from tests.hiring.endings_support import (
    NOW,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    interview_in,
    make_world,
    open_tasks,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_end_page_withdrawn_by_phone_then_tasks_and_suggestions():
    world = make_world()
    interview_in(world.submission, timedelta(days=2))
    remote = RoleFactory(
        company=CompanyFactory(name="Globex"),
        title="Remote Python",
        workplace="remote",
        compensation_max=95000,
    )
    remote.tags.set([TagFactory(name="python")])
    client = logged_in(world.rita)

    response = client.post(
        reverse("hiring:submission-end", args=[world.submission.pk]),
        {
            "outcome": "withdrew",
            "reason": "location",
            "note": "Moving to Lisbon",
            "open_to_other_roles": "yes",
            "wants_remote": "on",
        },
    )
    page = client.get(response.url)

    assert (response.status_code, response.url) == (302, f"/submissions/{world.submission.pk}/ended/")
    submission = Submission.objects.get(pk=world.submission.pk)
    assert (submission.stage, submission.end_reason, submission.open_to_other_roles) == (
        "withdrawn",
        "location",
        True,
    )
    assert open_tasks(submission) == [
        ("cancel-with-company", "Cancel with Acme Robotics: Cara Candidate, interview round 1", False),
        ("tell-company", "Tell Acme Robotics: Cara Candidate withdrew from Backend Engineer", False),
    ]
    assert Event.objects.get(kind="submission.withdrawn").actor_user == world.rita
    html = page.content.decode()
    assert "Tell Acme Robotics: Cara Candidate withdrew from Backend Engineer" in html
    assert "Dear Hannah," in html
    assert [s.role.title for s in page.context["suggestions"].items] == ["Remote Python"]
    assert "+3 Remote: location was why they left Backend Engineer" in html
    assert Candidate.objects.get(pk=world.cara.pk).remote == "remote"


def test_end_page_bad_input_keeps_what_was_typed_and_changes_nothing():
    world = make_world()

    response = logged_in(world.rita).post(
        reverse("hiring:submission-end", args=[world.submission.pk]),
        {"outcome": "withdrew", "note": "Typed note", "wants_tags": "good, ??"},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["wants_tags"]
    assert "Typed note" in response.content.decode()
    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert Event.objects.count() == 0


def test_rejection_is_reviewed_then_sent_once_to_the_candidate(smtp_sink):
    world = make_world()
    future = interview_in(world.submission, timedelta(days=3), round=2)
    client = logged_in(world.rita)

    ended = client.post(
        reverse("hiring:submission-end", args=[world.submission.pk]),
        {"outcome": "rejected", "note": "They hired internally"},
    )
    review = client.get(ended.url)

    assert ended.url == f"/submissions/{world.submission.pk}/tell-candidate/"
    submission = Submission.objects.get(pk=world.submission.pk)
    assert (submission.stage, submission.end_reason, submission.end_note) == (
        "rejected",
        "company_declined",
        "They hired internally",
    )
    future.refresh_from_db()
    assert (future.status, future.sequence) == (Interview.Status.CANCELLED_BY_COMPANY, 1)
    assert smtp_sink.received == []  # nothing goes out before the recruiter has read it
    form = review.context["form"]
    assert form.initial == {
        "subject": "An update on Backend Engineer at Acme Robotics",
        "message": (
            "I'm sorry to tell you that Acme Robotics has decided not to move forward with your "
            "application for the Backend Engineer role. This means the interview planned for Friday "
            "13 March 2026 at 11:00 (America/New_York) will not go ahead.\n\n"
            "Thank you for the time and care you put into the process. Decisions like this often come "
            "down to one team's needs at one moment, and it is not the last word on what you can do.\n\n"
            "I'd like to keep looking for a role that suits you better. If you'd like to talk it through, "
            "call me or reply to this email."
        ),
    }
    assert "internally" not in review.content.decode().split("<form")[1]

    sent = client.post(
        ended.url,
        {"subject": "Backend Engineer at Acme", "message": "Sorry, Acme said no.\n\nLet's talk soon."},
    )
    twice = client.post(ended.url, {"subject": "Again", "message": "Again"}, follow=True)

    assert (sent.status_code, sent.url) == (302, f"/submissions/{world.submission.pk}/ended/")
    [mail] = smtp_sink.received
    assert (mail.rcpt_tos, mail.subject) == (["cara@mail.test"], "Backend Engineer at Acme")
    text = mail.body("plain").replace("\r\n", "\n")
    assert text.startswith("Hi Cara,\n\nSorry, Acme said no.\n\nLet's talk soon.\n\nRita Recruiter\n")
    assert "<p>Sorry, Acme said no.</p>\n\n<p>Let&#x27;s talk soon.</p>" in mail.body("html").replace(
        "\r\n", "\n"
    )
    assert [str(m) for m in twice.context["messages"]] == [
        "Sent to cara@mail.test.",
        "The outcome was already sent; nothing more went out.",
    ]
    assert list(Task.objects.filter(kind="update-candidate").values_list("status", "outcome", "done_by")) == [
        ("done", "Sent the outcome by email", world.rita.pk)
    ]
    assert list(
        Event.objects.filter(submission=submission).order_by("pk").values_list("kind", flat=True)
    ) == [
        "submission.stage_changed",
        "interview.cancelled_by_company",
        "task.created",
        "submission.rejected",
        "candidate.outcome_sent",
    ]
    # The company called it off: the candidate's reliability record does not count it as their cancellation.
    record = reliability_record(world.cara, now=NOW)
    assert (record.cancellations_with_notice, record.late_cancellations) == (0, 0)


def test_outcome_message_with_the_mail_server_down_keeps_the_task_open(smtp_sink):
    world = make_world()
    client = logged_in(world.rita)
    client.post(reverse("hiring:submission-end", args=[world.submission.pk]), {"outcome": "rejected"})
    smtp_sink.stop()

    response = client.post(
        reverse("hiring:submission-tell-candidate", args=[world.submission.pk]),
        {"subject": "Update", "message": "Kept text"},
    )

    assert response.status_code == 502
    assert "Nothing went out; try again." in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert list(Task.objects.filter(kind="update-candidate").values_list("status", flat=True)) == ["open"]
    assert Event.objects.filter(kind="candidate.outcome_failed").count() == 1


def test_outcome_message_refused_for_an_unsubscribed_candidate(smtp_sink):
    world = make_world()
    client = logged_in(world.rita)
    client.post(reverse("hiring:submission-end", args=[world.submission.pk]), {"outcome": "rejected"})
    Candidate.objects.filter(pk=world.cara.pk).update(unsubscribed_at=NOW)

    response = client.post(
        reverse("hiring:submission-tell-candidate", args=[world.submission.pk]),
        {"subject": "Update", "message": "Text"},
    )

    assert response.status_code == 400
    assert "Cara Candidate unsubscribed from our emails: call them instead." in response.content.decode()
    assert smtp_sink.received == []
    assert list(Task.objects.filter(kind="update-candidate").values_list("status", flat=True)) == ["open"]


def test_stage_form_endings_go_through_the_same_services():
    world = make_world()
    interview = interview_in(world.submission, timedelta(days=5))
    client = logged_in(world.rita)

    response = client.post(
        f"/submissions/{world.submission.pk}/stage/", {"stage": "withdrawn", "reason": "personal", "note": ""}
    )

    interview.refresh_from_db()
    assert response.url == f"/submissions/{world.submission.pk}/ended/"
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
    assert Task.objects.filter(kind="tell-company").count() == 1
    assert Event.objects.get(kind="submission.withdrawn").data["via"] == "phone"


def test_stage_form_withdrawal_with_a_companys_reason_is_refused():
    world = make_world()

    response = logged_in(world.rita).post(
        f"/submissions/{world.submission.pk}/stage/", {"stage": "withdrawn", "reason": "company_declined"}
    )

    assert response.status_code == 200
    assert response.context["stage_form"].errors == {
        "reason": ["Choose the candidate's reason for withdrawing."]
    }
    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "name", ["hiring:submission-end", "hiring:submission-ended", "hiring:submission-tell-candidate"]
)
def test_ending_pages_need_login(name):
    world = make_world()
    url = reverse(name, args=[world.submission.pk])

    get = Client().get(url)
    post = Client().post(url, {"outcome": "withdrew", "subject": "x", "message": "x"})

    assert [(r.status_code, r.url) for r in (get, post)] == [(302, f"/accounts/login/?next={url}")] * 2
    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert Event.objects.count() == 0


def test_send_suggestions_needs_login(smtp_sink):
    world = make_world()
    url = reverse("hiring:suggestions-send", args=[world.cara.pk])

    response = Client().post(url)

    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")
    assert smtp_sink.received == []
