"""The candidate's interview links in a real browser (Chromium, phone-sized, JavaScript off): the links are
taken from the confirmation email the worker delivered to the SMTP server.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.timeline.models import Event
from tests.interviews import book, configure, make_rita, make_submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def confirmation_email(settings, live_server, smtp_sink):
    """Book an interview three days ahead and let the worker send its confirmation; return the email."""
    configure(settings)
    settings.CANDIDLY_BASE_URL = live_server.url
    # Business hours all day, every day: the confirmation goes now whatever the real clock says.
    agency = AgencySettings.load()
    agency.business_day_start, agency.business_day_end = time.min, time.max
    agency.business_weekdays = "0,1,2,3,4,5,6"
    agency.save()
    rita = make_rita()
    interview = book(make_submission(rita), rita, timezone.now().replace(microsecond=0) + timedelta(days=3))
    Worker(worker_id="worker-a").run_batch()
    [mail] = smtp_sink.received
    return interview, mail


def link_in(mail, action: str) -> str:
    [url] = re.findall(rf"http://\S+/l/{action}/[a-z2-7]{{26}}/", mail.body())
    return url


def test_cant_make_it_link_from_the_email_cancels_and_shows_the_outcome(phone_page, confirmation_email):
    interview, mail = confirmation_email
    page = phone_page

    page.goto(link_in(mail, "cancel"))
    assert page.get_by_role("heading", level=1).inner_text() == "Can't make it?"
    page.get_by_label("Find another time for this interview").check()
    page.get_by_label("Anything you'd like us to know? (optional)").fill("A family matter, sorry")
    page.get_by_role("button", name="Cancel the interview").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Your interview is cancelled"
    assert "Thanks for the notice." in page.get_by_role("status").inner_text()
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
    event = Event.objects.get(kind="interview.cancelled_with_notice")
    assert (event.data["reason"], event.data["note"]) == ("reschedule", "A family matter, sorry")
    # The page fits a phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(link_in(mail, "cancel"))
    assert page.get_by_role("heading", level=1).inner_text() == "Already done"


def test_cant_make_it_without_a_choice_says_what_is_missing(phone_page, confirmation_email):
    interview, mail = confirmation_email
    page = phone_page

    page.goto(link_in(mail, "cancel"))
    page.get_by_role("button", name="Cancel the interview").click()

    assert "Choose one of the two, so we know what to tell the company." in page.content()
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED


def test_ill_be_there_link_from_the_email_confirms(phone_page, confirmation_email):
    interview, mail = confirmation_email
    page = phone_page

    page.goto(link_in(mail, "confirm"))
    page.get_by_role("button", name="Yes, I'll be there").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Thanks, you're confirmed"
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CONFIRMED
