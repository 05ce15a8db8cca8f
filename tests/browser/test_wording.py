"""An admin rewords the follow-up email in a real browser, previews it (live, and with the button), saves
it, and the next follow-up email the candidate receives from the worker carries the new words."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.messaging.models import MessageWording
from tests.factories import UserFactory
from tests.interviews import book, configure, make_rita, make_submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_BODY = (
    "Thanks for meeting {{ company.name }} today, {{ first_name }}. Three questions, one minute: "
    "{{ links.feedback }}\n\nIf it was not for you, just say so: no hard feelings."
)


@pytest.fixture
def ended_interview(settings, live_server):
    configure(settings)
    settings.CANDIDLY_BASE_URL = live_server.url
    # Business hours all day, every day: the follow-up goes as soon as it is due, whatever the real clock.
    agency = AgencySettings.load()
    agency.business_day_start, agency.business_day_end = time.min, time.max
    agency.business_weekdays = "0,1,2,3,4,5,6"
    agency.save()
    rita = make_rita()
    # Ended four hours ago: the follow-up email (3 hours after the end) is due once the cadence is planned.
    return rita, book(make_submission(rita), rita, timezone.now().replace(microsecond=0) - timedelta(hours=5))


def test_admin_rewords_the_follow_up_email_previews_it_and_the_candidate_gets_it(
    desktop_page, live_server, ended_interview, smtp_sink
):
    rita, interview = ended_interview
    UserFactory(username="ada", first_name="Ada", role="admin", password="a long enough passphrase")
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/settings/messages/")
    page.get_by_role("link", name="Follow-up after the interview").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Follow-up after the interview"
    page.get_by_label("Body").fill(NEW_BODY)
    # Live: htmx swaps the preview in as the admin types.
    page.locator("#preview pre").first.filter(
        has_text="Thanks for meeting Acme Robotics today, Cara."
    ).wait_for()
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview pre").first.inner_text()
    assert preview.startswith(
        "Hi Cara,\n\nThanks for meeting Acme Robotics today, Cara. Three questions, one minute: "
        f"{live_server.url}/l/feedback/preview/\n\nIf it was not for you, just say so: no hard feelings."
    )
    page.get_by_role("button", name="Save").click()
    assert (
        "Saved: “Follow-up after the interview” now says what you wrote."
        in page.get_by_role("status").inner_text()
    )
    assert MessageWording.objects.get().body == NEW_BODY

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=timezone.now(), actor=rita)
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()

    [mail] = [
        mail
        for mail in smtp_sink.received
        if mail.header("X-Candidly-Kind") == Touchpoint.Kind.FOLLOW_UP_EMAIL
    ]
    text = mail.body().replace("\r\n", "\n")
    assert mail.rcpt_tos == ["cara@mail.test"]
    assert re.search(
        r"Hi Cara,\n\nThanks for meeting Acme Robotics today, Cara\. Three questions, one minute: "
        r"http://\S+/l/feedback/[a-z2-7]{26}/\n\nIf it was not for you, just say so: no hard feelings\.",
        text,
    )
