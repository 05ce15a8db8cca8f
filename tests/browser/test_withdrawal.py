"""In Chromium: a candidate withdraws from an email's link on a phone; the recruiter sees what follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview, Role, Submission
from tests.factories import CompanyFactory, InterviewFactory, RoleFactory, TagFactory
from tests.hiring.endings_support import make_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_candidate_withdraws_from_an_email_and_the_recruiter_sees_task_and_suggestions(
    phone_page, desktop_page, live_server, smtp_sink, settings
):
    # Real time, not a frozen clock: the browser checks session cookies against its own clock.
    settings.CANDIDLY_BASE_URL = live_server.url
    settings.CANDIDLY_REPLY_DOMAIN = "replies.localhost"
    world = make_world()
    world.rita.set_password("a long enough passphrase")
    world.rita.save()
    ended = timezone.now() - timedelta(hours=3)
    interview = InterviewFactory(
        submission=world.submission,
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
        status=Interview.Status.COMPLETED,
    )
    remote = RoleFactory(
        company=CompanyFactory(name="Globex"),
        title="Remote Python Developer",
        workplace=Role.Workplace.REMOTE,
        location="",
        compensation_max=90000,
    )
    remote.tags.set([TagFactory(name="python")])
    plan_touchpoint(
        person=world.cara,
        kind=Touchpoint.Kind.FOLLOW_UP_EMAIL,
        channel=Touchpoint.Channel.EMAIL,
        due_at=timezone.now(),
        interview=interview,
        respects_business_hours=False,
    )
    Worker().run_batch()
    [mail] = smtp_sink.received
    withdraw_link = next(
        word for word in mail.body("plain").split() if word.startswith(f"{live_server.url}/l/withdraw/")
    )

    # The candidate, on a phone without JavaScript.
    phone_page.goto(withdraw_link)
    phone_page.get_by_label("The location, or remote work").check()
    phone_page.get_by_label("Anything you'd like to tell us?").fill("The commute would be too long.")
    phone_page.get_by_label("Yes, tell me about roles that might suit me").check()
    phone_page.get_by_role("checkbox", name="Remote work").check()
    phone_page.get_by_role("button", name="I'm no longer interested").click()

    assert phone_page.get_by_role("heading", level=1).inner_text() == "Thanks for telling us"
    assert (
        phone_page.get_by_role("link", name="+44 20 7946 0958").get_attribute("href") == "tel:+442079460958"
    )
    assert Submission.objects.get(pk=world.submission.pk).stage == Submission.Stage.WITHDRAWN

    # The recruiter logs in and finds the task and the suggestions.
    desktop_page.goto(f"{live_server.url}/accounts/login/")
    desktop_page.get_by_label("Username").fill("rita")
    desktop_page.get_by_label("Password").fill("a long enough passphrase")
    desktop_page.get_by_role("button", name="Log in").click()
    desktop_page.goto(f"{live_server.url}/candidates/{world.cara.pk}/")

    suggestions = desktop_page.locator("#suggestions")
    assert "Remote Python Developer" in suggestions.inner_text()
    assert "+3 Remote: location was why they left Backend Engineer" in suggestions.inner_text()
    desktop_page.get_by_role("link", name="Backend Engineer").first.click()
    desktop_page.get_by_role("link", name="After the end").click()
    task = desktop_page.get_by_role(
        "heading", name="Tell Acme Robotics: Cara Candidate withdrew from Backend Engineer"
    )
    assert task.is_visible()
    assert "Dear Hannah," in desktop_page.locator("pre.task-details").first.inner_text()
