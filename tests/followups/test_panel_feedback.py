"""Every interviewer on the panel can be asked for feedback, not only the hiring manager (whose cadence
asks them): from the interview page, through the worker, to the verdict page their link opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.followups.models import CadenceRun, Feedback, Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.timeline.models import Event
from tests.factories import ContactFactory
from tests.interviews import book, configure, make_rita, make_submission

Kind = Touchpoint.Kind
# Tuesday 10 March 2026, 11:00 in New York; the round was 09:00-10:00 New York.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def panel(clock, rita):
    """The round, with the hiring manager and Ian from the platform team on the panel; it has ended."""
    clock.set(NOW - timedelta(days=1))
    submission = make_submission(rita)
    interview = book(submission, rita, NOW - timedelta(hours=2))
    ian = ContactFactory(
        company=submission.role.company,
        name="Ian Interviewer",
        email="ian@acme.test",
        is_hiring_manager=False,
    )
    interview.interviewers.set([submission.role.hiring_manager, ian])
    clock.set(NOW)
    return interview, ian


@pytest.fixture
def client(rita) -> Client:
    client = Client()
    client.force_login(rita)
    return client


def test_panel_interviewer_is_asked_for_feedback_and_answers_on_their_own_page(
    panel, client, rita, smtp_sink
):
    interview, ian = panel
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=NOW, actor=rita)
    page = client.get(f"/interviews/{interview.pk}/").content.decode()

    response = client.post(f"/interviews/{interview.pk}/ask-feedback/{ian.pk}/")
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()

    assert f'action="/interviews/{interview.pk}/ask-feedback/{ian.pk}/"' in page
    manager = interview.submission.role.hiring_manager
    assert f'action="/interviews/{interview.pk}/ask-feedback/{manager.pk}/"' not in page
    assert (response.status_code, response.url) == (302, f"/interviews/{interview.pk}/")
    [event] = Event.objects.filter(kind="followup.feedback_requested")
    assert (event.summary, event.contact) == (
        "Rita Recruiter asked Ian Interviewer for feedback on round 1",
        ian,
    )
    [mail] = [mail for mail in smtp_sink.received if mail.rcpt_tos == ["ian@acme.test"]]
    assert mail.subject == "How did Cara Candidate do? (one minute)"
    [url] = re.findall(r"http://\S+/l/feedback/[a-z2-7]{26}/", mail.body())

    answered = Client().post(
        url.replace("http://127.0.0.1:8000", ""), {"verdict": "advance", "notes": "Solid systems design"}
    )

    assert answered.status_code == 200
    feedback = Feedback.objects.get(contact=ian)
    assert (feedback.interview, feedback.verdict, feedback.notes) == (
        interview,
        "advance",
        "Solid systems design",
    )
    # The hiring manager's own record is untouched by a colleague's answer.
    assert CadenceRun.objects.get(interview=interview, audience="hiring_manager").responded_at is None


def test_panel_asking_twice_queues_one_request_then_a_reminder(panel, client, clock):
    interview, ian = panel

    client.post(f"/interviews/{interview.pk}/ask-feedback/{ian.pk}/")
    client.post(f"/interviews/{interview.pk}/ask-feedback/{ian.pk}/")
    Touchpoint.objects.filter(contact=ian).update(status=Touchpoint.Status.DONE)
    client.post(f"/interviews/{interview.pk}/ask-feedback/{ian.pk}/")

    assert list(Touchpoint.objects.filter(contact=ian).order_by("id").values_list("kind", "step")) == [
        (Kind.FEEDBACK_REQUEST, 0),
        (Kind.FEEDBACK_REMINDER, 100),
    ]


@pytest.mark.parametrize("case", ["manager", "stranger", "before the end", "answered"])
def test_panel_feedback_ask_is_refused_when_it_makes_no_sense(panel, client, clock, case):
    interview, ian = panel
    who = ian
    if case == "manager":
        who = interview.submission.role.hiring_manager
    elif case == "stranger":
        who = ContactFactory(company=interview.submission.role.company, name="Sam Stranger")
    elif case == "before the end":
        clock.set(interview.ends_at - timedelta(minutes=1))
    else:
        Feedback.objects.create(
            interview=interview, contact=ian, channel="form", verdict="hold", created_at=NOW, updated_at=NOW
        )

    response = client.post(f"/interviews/{interview.pk}/ask-feedback/{who.pk}/", follow=True)

    expected = {
        "manager": "Hannah Manager is not one of the other interviewers of this round.",
        "stranger": "Sam Stranger is not one of the other interviewers of this round.",
        "before the end": "Feedback can be asked for once the interview has taken place.",
        "answered": "Ian Interviewer has already given feedback.",
    }[case]
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert Touchpoint.objects.filter(contact=who).count() == 0


def test_panel_feedback_ask_needs_login(panel):
    interview, ian = panel

    response = Client().post(f"/interviews/{interview.pk}/ask-feedback/{ian.pk}/")

    assert response.status_code == 302
    assert Touchpoint.objects.filter(contact=ian).count() == 0
