"""A company's "no" next to what is already under way (an open "Update" task, an invite the candidate
holds), and a withdrawal started from the feedback page saying so on the timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.worker import Worker, run_periodic_checks
from candidly.hiring.models import Interview, Submission
from candidly.timeline.models import Event
from tests.forms import submit
from tests.hiring.endings_support import (
    BASE,
    NOW,
    World,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    interview_in,
    link_in,
    make_world,
)
from tests.interviews import book, calendar_of, event_of
from tests.smtp import ReceivedMail, SmtpSink

pytestmark = pytest.mark.django_db

# Two business days after NOW, 11:00 in New York: the silence check gives the recruiter an "Update" task.
THURSDAY_11_NY = datetime(2026, 3, 12, 15, tzinfo=UTC)
# The interview the candidate holds an invite for: Friday 13 March, 11:00 in New York.
FRIDAY_11_NY = NOW + timedelta(days=3)
# The interview statuses the 24-hour rule gives a candidate's own cancellation.
CANDIDATE_CANCELLATIONS = (Interview.Status.CANCELLED_WITH_NOTICE, Interview.Status.LATE_CANCELLATION)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_task_kinds(submission: Submission) -> list[str]:
    return list(
        Task.objects.filter(submission=submission, status=Task.Status.OPEN)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def reject(client: Client, submission: Submission):
    """The recruiter's end-the-process page: "The company decided not to move forward"."""
    return client.post(
        reverse("hiring:submission-end", args=[submission.pk]),
        {"outcome": "rejected", "note": "They hired internally"},
    )


def book_and_send_invite(world: World, sink: SmtpSink) -> tuple[Interview, ReceivedMail]:
    """Friday's interview, booked through the service the recruiter's page calls; the worker sends the
    confirmation with its invite (METHOD:REQUEST) to the candidate."""
    interview = book(world.submission, world.rita, FRIDAY_11_NY)
    Worker(clock=lambda: NOW).run_batch()
    [invite] = sink.received
    assert (invite.rcpt_tos, str(calendar_of(invite)[1]["METHOD"])) == (["cara@mail.test"], "REQUEST")
    return interview, invite


def test_company_rejection_with_an_open_update_task_leaves_one_update_task(time_machine):
    world = make_world()
    time_machine.move_to(THURSDAY_11_NY, tick=False)
    checks = run_periodic_checks(now=THURSDAY_11_NY)  # the worker's silence check
    assert (checks["update_tasks"], open_task_kinds(world.submission)) == (1, ["update-candidate"])

    response = reject(logged_in(world.rita), world.submission)

    assert (response.status_code, response.url) == (
        302,
        f"/submissions/{world.submission.pk}/tell-candidate/",
    )
    world.submission.refresh_from_db()
    assert (world.submission.stage, world.submission.end_reason, world.submission.end_note) == (
        "rejected",
        "company_declined",
        "They hired internally",
    )
    assert open_task_kinds(world.submission) == ["update-candidate"]


def test_company_rejection_makes_the_worker_send_the_calendar_cancel_of_the_invite(smtp_sink):
    world = make_world()
    interview, invite = book_and_send_invite(world, smtp_sink)
    invited = event_of(calendar_of(invite)[1])

    ended = reject(logged_in(world.rita), world.submission)
    Worker(clock=lambda: NOW).run_batch()

    world.submission.refresh_from_db()
    assert (ended.status_code, world.submission.stage) == (302, "rejected")
    sent = smtp_sink.received[1:]
    assert [mail.rcpt_tos for mail in sent] == [["cara@mail.test"]]
    content_type, calendar = calendar_of(sent[0])
    cancel = event_of(calendar)
    interview.refresh_from_db()
    assert content_type == 'text/calendar; method="CANCEL"; charset="utf-8"'
    assert (str(calendar["METHOD"]), str(cancel["STATUS"]), str(cancel["UID"])) == (
        "CANCEL",
        "CANCELLED",
        str(invited["UID"]),
    )
    assert int(cancel["SEQUENCE"]) == interview.sequence > int(invited["SEQUENCE"])
    text = sent[0].body("plain").replace("\r\n", "\n")
    assert "has called this round off. I'll be in touch very soon" in text
    assert "another time" not in text  # not the candidate's own "can't make it" wording


def test_company_rejection_is_not_the_candidates_cancellation(smtp_sink):
    world = make_world()
    interview, _ = book_and_send_invite(world, smtp_sink)
    client = logged_in(world.rita)
    candidate_page = reverse("people:candidate-detail", args=[world.cara.pk])
    before = client.get(candidate_page).context["reliability"]

    ended = reject(client, world.submission)
    Worker(clock=lambda: NOW).run_batch()

    world.submission.refresh_from_db()
    assert (ended.status_code, world.submission.stage) == (302, "rejected")
    after = client.get(candidate_page).context["reliability"]
    assert after == before
    assert (after.cancellations_with_notice, after.late_cancellations) == (0, 0)
    interview.refresh_from_db()
    # Called off by the company: its own status, never one of the candidate's cancellations.
    assert interview.status == Interview.Status.CANCELLED_BY_COMPANY
    assert interview.status not in CANDIDATE_CANCELLATIONS


# --- a withdrawal that starts on the feedback page --------------------------------------------------------


def feedback_page_from_the_follow_up_email(world: World, sink: SmtpSink, client: Client):
    """Round 1 is over; the worker sends the follow-up email, and the candidate opens its feedback link."""
    past = interview_in(world.submission, -timedelta(hours=4), status=Interview.Status.COMPLETED)
    plan_touchpoint(
        person=world.cara, kind=Touchpoint.Kind.FOLLOW_UP_EMAIL, channel="email", due_at=NOW, interview=past
    )
    Worker(clock=lambda: NOW).run_batch()
    [mail] = sink.received
    page = client.get(link_in(mail.body("plain").replace("\r\n", "\n"), "/l/feedback/"))
    assert page.status_code == 200
    return page


def withdrawn_event() -> tuple[str, str, str]:
    event = Event.objects.get(kind="submission.withdrawn")
    return event.data["via"], event.actor_type, event.summary


def test_withdrawal_after_answering_no_on_the_feedback_page_records_the_feedback_page(smtp_sink):
    world = make_world()
    client = Client()
    feedback_page = feedback_page_from_the_follow_up_email(world, smtp_sink, client)

    answered = submit(
        client,
        feedback_page,
        button="Send my answers",
        data={"enjoyment": "2", "difference": "a_lot", "difference_note": "", "excitement": "no"},
    )
    step_out = re.search(r'<a class="button primary" href="([^"]+)">Step out of', answered.content.decode())
    assert step_out is not None
    withdraw_page = client.get(step_out.group(1).removeprefix(BASE))
    done = submit(client, withdraw_page, button="I'm no longer interested", data={"reason": "role_different"})

    assert (answered.status_code, withdraw_page.status_code, done.status_code) == (200, 200, 200)
    world.submission.refresh_from_db()
    assert (world.submission.stage, world.submission.end_reason) == ("withdrawn", "role_different")
    assert withdrawn_event() == (
        "feedback",
        "candidate",
        "Withdrew from Backend Engineer at Acme Robotics: Role different from the description "
        "(from the feedback form)",
    )


def test_withdrawal_from_the_feedback_pages_im_out_button_records_the_feedback_page(smtp_sink):
    world = make_world()
    client = Client()
    feedback_page = feedback_page_from_the_follow_up_email(world, smtp_sink, client)

    redirect = submit(client, feedback_page, button="I'm no longer interested in this role")
    withdraw_page = client.get(redirect["Location"].removeprefix(BASE))
    done = submit(client, withdraw_page, button="I'm no longer interested")

    assert (redirect.status_code, withdraw_page.status_code, done.status_code) == (303, 200, 200)
    world.submission.refresh_from_db()
    assert (world.submission.stage, world.submission.end_reason) == ("withdrawn", "other")
    assert withdrawn_event() == (
        "feedback",
        "candidate",
        "Withdrew from Backend Engineer at Acme Robotics: no reason given (from the feedback form)",
    )
