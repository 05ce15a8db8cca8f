"""The public withdraw page, reached from a real email and from the feedback form: GET renders, POST acts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview, Submission
from candidly.hiring.public_withdrawal import withdraw_url
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.hiring.endings_support import (
    BASE,
    NOW,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    interview_in,
    link_in,
    make_world,
    withdraw_token,
)

pytestmark = pytest.mark.django_db


def test_withdraw_page_get_shows_the_form_and_changes_nothing():
    world = make_world()
    token = withdraw_token(world.submission)

    response = Client().get(f"/l/withdraw/{token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "public/withdraw.html"
    assert "You can step out of the Backend Engineer process at Acme Robotics here." in html
    for label in (
        "The compensation",
        "Open to other roles?",
        "Remote work",
        "A higher minimum salary (EUR a year)",
    ):
        assert label in html
    assert '<a href="tel:+442079460958">+44 20 7946 0958</a>' in html
    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert Event.objects.count() == 0
    assert Link.objects.get().used_at is None


def test_withdraw_from_a_received_email_link(smtp_sink):
    world = make_world()
    past = interview_in(world.submission, -timedelta(hours=4), status=Interview.Status.COMPLETED)
    plan_touchpoint(
        person=world.cara, kind=Touchpoint.Kind.FOLLOW_UP_EMAIL, channel="email", due_at=NOW, interview=past
    )
    nudge, _ = plan_touchpoint(
        person=world.cara,
        kind=Touchpoint.Kind.NUDGE,
        channel="email",
        due_at=NOW + timedelta(days=1),
        interview=past,
    )
    Worker(clock=lambda: NOW).run_batch()
    [mail] = smtp_sink.received
    url = link_in(mail.body("plain").replace("\r\n", "\n"), "/l/withdraw/")
    client = Client()

    page = client.get(url)
    response = client.post(
        url,
        {
            "reason": "location",
            "note": "Two hours each way is too much.",
            "open_to_other_roles": "yes",
            "wants_remote": "on",
            "wants_tags": "Data, Python",
        },
    )

    html = response.content.decode()
    assert (page.status_code, response.status_code) == (200, 200)
    assert "public/withdraw_done.html" in {template.name for template in response.templates}
    assert "No hard feelings at all." in html
    assert 'Call Rita Recruiter on <a href="tel:+442079460958">+44 20 7946 0958</a>' in html
    submission = Submission.objects.get(pk=world.submission.pk)
    assert (submission.stage, submission.end_reason, submission.end_note, submission.open_to_other_roles) == (
        "withdrawn",
        "location",
        "Two hours each way is too much.",
        True,
    )
    nudge.refresh_from_db()
    assert (nudge.status, nudge.skip_reason) == ("skipped", "The candidate withdrew.")
    assert list(Task.objects.filter(kind="tell-company").values_list("title", flat=True)) == [
        "Tell Acme Robotics: Cara Candidate withdrew from Backend Engineer"
    ]
    cara = Candidate.objects.get(pk=world.cara.pk)
    assert (cara.remote, sorted(cara.role_tags.values_list("name", flat=True))) == (
        "remote",
        ["data", "python"],
    )
    withdrawn = Event.objects.get(kind="submission.withdrawn")
    assert (withdrawn.actor_type, withdrawn.data["via"]) == ("candidate", "email")


def test_withdraw_from_the_feedback_page_link():
    world = make_world()
    url = withdraw_url(world.cara, world.submission, source="feedback").removeprefix(BASE)

    page = Client().get(url)
    response = Client().post(url, {"reason": "role_different"})

    assert url.endswith("/?from=feedback")
    assert (page.status_code, response.status_code) == (200, 200)
    assert Submission.objects.get(pk=world.submission.pk).end_reason == "role_different"
    withdrawn = Event.objects.get(kind="submission.withdrawn")
    assert withdrawn.data["via"] == "feedback"
    assert withdrawn.summary.endswith("(from the feedback form)")


def test_withdraw_with_nothing_but_the_click():
    world = make_world()
    token = withdraw_token(world.submission)

    response = Client().post(f"/l/withdraw/{token}/", {})

    submission = Submission.objects.get(pk=world.submission.pk)
    assert response.status_code == 200
    assert (submission.stage, submission.end_reason, submission.open_to_other_roles) == (
        "withdrawn",
        "other",
        None,
    )
    assert Event.objects.get(kind="submission.withdrawn").summary == (
        "Withdrew from Backend Engineer at Acme Robotics: no reason given (through their link)"
    )


def test_withdraw_page_bad_input_keeps_what_was_typed_and_changes_nothing():
    world = make_world()
    token = withdraw_token(world.submission)

    response = Client().post(
        f"/l/withdraw/{token}/",
        {
            "reason": "compensation",
            "note": "Keep this text",
            "wants_min_compensation": "-5",
            "wants_tags": "ok, !!!",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "wants_min_compensation": ["Ensure this value is greater than or equal to 0."],
        "wants_tags": ["“!!!” is not a usable tag: use letters, digits and hyphens, at most 40 characters."],
    }
    assert "Keep this text" in html
    assert re.search(r'<input type="radio" name="reason" value="compensation"[^>]* checked>', html)
    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert (Event.objects.count(), Task.objects.count()) == (0, 0)
    assert Link.objects.get().used_at is None


def test_withdraw_double_submit_acts_once():
    world = make_world()
    token = withdraw_token(world.submission)
    client = Client()

    first = client.post(f"/l/withdraw/{token}/", {"reason": "personal"})
    second = client.post(f"/l/withdraw/{token}/", {"reason": "compensation"})

    assert (first.status_code, second.status_code) == (200, 410)
    assert "This link has done its job" in second.content.decode()
    assert Submission.objects.get(pk=world.submission.pk).end_reason == "personal"
    assert Event.objects.filter(kind="submission.withdrawn").count() == 1
    assert Task.objects.filter(kind="tell-company").count() == 1


def test_withdraw_bad_expired_and_ended_links_show_nothing():
    world = make_world()
    expired = issue_link(
        Link.Purpose.WITHDRAW,
        candidate=world.cara,
        submission=world.submission,
        now=NOW - timedelta(days=40),
    )
    other_purpose = issue_link(Link.Purpose.UNSUBSCRIBE, candidate=world.cara, now=NOW)
    live = withdraw_token(world.submission)
    client = Client()

    unknown = client.get(f"/l/withdraw/{'a' * 26}/")
    wrong_purpose = client.get(f"/l/withdraw/{other_purpose}/")
    too_old = client.post(f"/l/withdraw/{expired}/", {"reason": "personal"})
    Submission.objects.filter(pk=world.submission.pk).update(
        stage="rejected", ended_at=NOW, end_reason="other"
    )
    ended = client.get(f"/l/withdraw/{live}/")

    assert [r.status_code for r in (unknown, wrong_purpose, too_old, ended)] == [404, 404, 410, 410]
    for response in (unknown, wrong_purpose, too_old, ended):
        assert "Acme" not in response.content.decode()
    assert Event.objects.count() == 0
