"""In Chromium on a phone, without JavaScript: the three questions and the hiring manager's verdict, each
opened from the link in an email the worker really sent."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Feedback, Task, Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from tests.factories import InterviewFactory


def sent_interview(smtp_sink, live_server, settings) -> Interview:
    """An interview that ended four hours ago, its cadences planned and the due emails sent."""
    # Real time (the browser judges cookies by its own clock), and an agency open around the clock so the
    # emails go out whatever the hour the test runs at.
    settings.CANDIDLY_BASE_URL = live_server.url
    agency = AgencySettings.load()
    agency.business_day_start, agency.business_day_end = time(0, 0), time(23, 59, 59)
    agency.business_weekdays = "0,1,2,3,4,5,6"
    agency.save()
    ended = timezone.now() - timedelta(hours=4)
    interview = InterviewFactory(
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
        submission__candidate__name="Cara Candidate",
        submission__candidate__email="cara@mail.test",
        submission__role__title="Backend Engineer",
        submission__role__company__name="Acme Robotics",
        submission__role__hiring_manager__name="Hannah Manager",
        submission__role__hiring_manager__email="hannah@acme.test",
    )
    plan_follow_up_cadences(interview)
    Worker().run_batch()
    return interview


def link_in(smtp_sink, to: str, live_server) -> str:
    [mail] = [m for m in smtp_sink.received if m.rcpt_tos == [to]]
    match = re.search(rf"{re.escape(live_server.url)}/l/feedback/[a-z2-7]{{26}}/", mail.body("plain"))
    assert match is not None
    return match.group(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_candidate_answers_the_three_questions_from_the_email_on_a_phone(
    phone_page, live_server, smtp_sink, settings
):
    interview = sent_interview(smtp_sink, live_server, settings)
    page = phone_page

    page.goto(link_in(smtp_sink, "cara@mail.test", live_server))
    page.get_by_role("group", name="Did you enjoy the interview?").get_by_label("4").check()
    page.get_by_role("group", name="Was the role or team different").get_by_label("A little").check()
    page.get_by_label("How was it different? (optional)").fill("More on-call than I thought")
    page.get_by_role("group", name="Are you still excited").get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answers").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"
    feedback = Feedback.objects.get(candidate=interview.submission.candidate)
    assert (feedback.enjoyment, feedback.difference, feedback.difference_note, feedback.excitement) == (
        4,
        "a_little",
        "More on-call than I thought",
        "yes",
    )
    # The answers can be corrected while the link lives: the page shows them again.
    page.get_by_role("link", name="Change my answers").click()
    assert page.get_by_role("group", name="Are you still excited").get_by_label("Yes").is_checked()
    page.get_by_role("group", name="Are you still excited").get_by_label("Not sure").check()
    page.get_by_role("button", name="Save my answers").click()
    assert "Your answers are updated." in page.inner_text("main")
    feedback.refresh_from_db()
    assert feedback.excitement == "not_sure"
    skipped = Touchpoint.objects.filter(candidate__isnull=False, status=Touchpoint.Status.SKIPPED)
    # The call still with the recruiter is not needed any more either.
    assert sorted(skipped.values_list("kind", flat=True)) == [
        "follow-up-call",
        "gone-quiet",
        "last-call",
        "nudge",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_candidate_saying_no_is_led_into_the_withdrawal_page(phone_page, live_server, smtp_sink, settings):
    sent_interview(smtp_sink, live_server, settings)
    page = phone_page

    page.goto(link_in(smtp_sink, "cara@mail.test", live_server))
    page.get_by_role("group", name="Did you enjoy the interview?").get_by_label("2").check()
    page.get_by_role("group", name="Was the role or team different").get_by_label("A lot").check()
    page.get_by_role("group", name="Are you still excited").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("link", name="Step out of the Backend Engineer process").click()

    assert "/l/withdraw/" in page.url
    assert page.get_by_role("button", name="I'm no longer interested").is_visible()
    assert Task.objects.filter(title__contains="is not keen to go on").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hiring_manager_gives_a_verdict_from_the_email_and_cannot_see_the_candidates_answers(
    phone_page, live_server, smtp_sink, settings
):
    interview = sent_interview(smtp_sink, live_server, settings)
    Feedback.objects.create(
        interview=interview,
        candidate=interview.submission.candidate,
        channel="form",
        enjoyment=2,
        notes="Private: the salary is too low",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    page = phone_page

    page.goto(link_in(smtp_sink, "hannah@acme.test", live_server))
    assert "salary" not in page.inner_text("main")
    page.get_by_role("group", name="Your verdict").get_by_label("Move forward").check()
    page.get_by_label("Notes for the recruiter (optional)").fill("Strong on systems design.")
    page.get_by_role("button", name="Send my feedback").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"
    verdict = Feedback.objects.get(contact__isnull=False)
    assert (verdict.verdict, verdict.notes) == ("advance", "Strong on systems design.")
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    manager_rows = Touchpoint.objects.filter(contact__isnull=False).values_list("kind", "status")
    assert sorted(manager_rows) == [
        ("escalation", "skipped"),
        ("feedback-reminder", "skipped"),
        ("feedback-request", "done"),
    ]
