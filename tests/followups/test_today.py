"""The recruiter's Today page: what to do now, each item one click from done, constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Cadence, CadenceRun, Task, Touchpoint
from candidly.followups.silence import prepared_update
from candidly.followups.worker import Outcome
from candidly.hiring.models import Interview
from candidly.hiring.views import TODAY_SECTION_SIZE
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import InterviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def work_for(recruiter, clock, n: int = 0) -> Interview:
    """One interview of ours that ended two hours ago with one item of every kind on Today."""
    interview = InterviewFactory(
        starts_at=clock.now - timedelta(hours=3),
        ends_at=clock.now - timedelta(hours=2),
        submission__candidate__name=f"Cara {n}",
        submission__candidate__time_zone="America/New_York",
        submission__candidate__recruiter=recruiter,
    )
    submission, candidate = interview.submission, interview.submission.candidate
    about = {
        "candidate": candidate,
        "submission": submission,
        "interview": interview,
        "assigned_to": recruiter,
    }
    Task.objects.create(kind=Task.Kind.CALL, title=f"Call Cara {n}", due_at=clock.now, **about)
    Task.objects.create(
        kind=Task.Kind.GONE_QUIET, title=f"Cara {n} has gone quiet", due_at=clock.now, **about
    )
    Task.objects.create(
        kind=Task.Kind.UPDATE_CANDIDATE,
        title=f"Update Cara {n}",
        details=prepared_update(submission),
        due_at=clock.now,
        **about,
    )
    CadenceRun.objects.create(
        interview=interview,
        audience=Cadence.Audience.HIRING_MANAGER,
        contact=submission.role.hiring_manager,
        planned_at=clock.now,
        respond_by=clock.now - timedelta(hours=1),
    )
    Touchpoint.objects.create(
        candidate=candidate,
        interview=interview,
        submission=submission,
        kind=Touchpoint.Kind.NUDGE,
        channel="email",
        idempotency_key=f"today:{interview.pk}",
        due_at=clock.now + timedelta(hours=2),
    )
    return interview


@pytest.mark.parametrize("rows", [1, 50])
def test_today_runs_a_constant_number_of_queries(
    recruiter, recruiter_client, clock, rows, django_assert_num_queries
):
    for n in range(rows):
        work_for(recruiter, clock, n)
    AgencySettings.load()  # the row exists in a running agency (the first read creates it)

    # session, user, today's interviews, unmarked, your open tasks, calls, agency hours, overdue, gone quiet,
    # updates, sending
    with django_assert_num_queries(11 + BANNER_QUERIES):
        response = recruiter_client.get("/")

    lists = response.context["lists"]
    assert [
        len(lists.calls_now.rows),
        len(lists.overdue_feedback.rows),
        len(lists.gone_quiet.rows),
        len(lists.updates.rows),
        len(lists.sending_soon.rows),
        len(response.context["unmarked"]),
    ] == [min(rows, TODAY_SECTION_SIZE)] * 6


def test_today_lists_each_kind_of_work_with_its_one_click_action(recruiter, recruiter_client, clock):
    interview = work_for(recruiter, clock)
    call, quiet, update = (
        Task.objects.get(kind=kind)
        for kind in (Task.Kind.CALL, Task.Kind.GONE_QUIET, Task.Kind.UPDATE_CANDIDATE)
    )
    run = CadenceRun.objects.get()

    page = recruiter_client.get("/").content.decode()

    assert "Calls now: 1" in page and "Gone quiet: 1" in page and "Updates due: 1" in page
    assert f'href="/calls/{call.pk}/?next=/"' in page
    assert '<a class="button" href="tel:+14155550123">Dial</a>' in page
    assert '<td>Tue 11:00 <small class="muted">(America/New_York)</small></td>' in page
    assert f'action="/feedback/{run.pk}/remind/"' in page
    assert f'action="/alerts/{quiet.pk}/handled/"' in page
    assert f'action="/updates/{update.pk}/send/"' in page
    assert f'action="/interviews/{interview.pk}/outcome/"' in page
    assert (
        "we&#x27;re still waiting to hear back from" in page
    )  # the prepared update, readable before sending
    assert 'Nudge <small class="muted">by Email</small>' in page


def test_today_keeps_night_calls_waiting_and_hides_other_recruiters_work(recruiter, recruiter_client, clock):
    work_for(recruiter, clock)
    tokyo = InterviewFactory(
        submission__candidate__time_zone="Asia/Tokyo", submission__candidate__name="Taro"
    )
    Task.objects.create(  # 00:00 in Tokyo
        kind=Task.Kind.CALL,
        title="Call Taro",
        due_at=clock.now,
        candidate=tokyo.submission.candidate,
        assigned_to=recruiter,
    )
    someone_else = UserFactory(username="sam")
    work_for(someone_else, clock, 2)

    response = recruiter_client.get("/")

    lists = response.context["lists"]
    assert [row.task.title for row in lists.calls_now.rows] == ["Call Cara 0"]
    assert [(row.task.title, row.good_from) for row in lists.calls_later.rows] == [
        ("Call Taro", datetime(2026, 3, 11, 0, tzinfo=UTC))  # 09:00 in Tokyo
    ]
    assert [task.title for task in lists.gone_quiet.rows] == ["Cara 0 has gone quiet"]
    assert len(lists.overdue_feedback.rows) == 1


def test_today_send_update_queues_the_prepared_message_and_the_worker_sends_it(
    recruiter, recruiter_client, clock, make_worker, smtp_sink
):
    interview = work_for(recruiter, clock)
    update = Task.objects.get(kind=Task.Kind.UPDATE_CANDIDATE)

    response = recruiter_client.post(f"/updates/{update.pk}/send/", {"next": "/"})
    again = recruiter_client.post(f"/updates/{update.pk}/send/", {"next": "/"})
    report = make_worker().run_batch()

    assert (response.status_code, response["Location"], again.status_code) == (302, "/", 302)
    update.refresh_from_db()
    assert (update.status, update.outcome, update.done_by) == (Task.Status.DONE, "Update sent", recruiter)
    sent = Touchpoint.objects.get(kind=Touchpoint.Kind.UPDATE)
    assert (sent.status, sent.submission, sent.interview) == ("done", interview.submission, None)
    assert report.outcomes[Outcome.SENT] == 1
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == [interview.submission.candidate.email]
    assert (
        mail.subject
        == f"An update on {interview.submission.role.title} at {interview.submission.role.company.name}"
    )
    assert Event.objects.get(kind="candidate.update_sent").actor_user == recruiter


def test_today_remind_now_queues_one_extra_reminder_even_when_clicked_twice(
    recruiter, recruiter_client, clock
):
    work_for(recruiter, clock)
    run = CadenceRun.objects.get()

    recruiter_client.post(f"/feedback/{run.pk}/remind/")
    recruiter_client.post(f"/feedback/{run.pk}/remind/")

    reminder = Touchpoint.objects.get(kind=Touchpoint.Kind.FEEDBACK_REMINDER)
    assert (reminder.contact, reminder.step, reminder.due_at, reminder.status) == (
        run.contact,
        100,
        clock.now,
        "planned",
    )
    assert Event.objects.filter(kind="followup.reminder_requested").count() == 1


def test_today_handled_closes_the_gone_quiet_alert(recruiter, recruiter_client, clock):
    work_for(recruiter, clock)
    quiet = Task.objects.get(kind=Task.Kind.GONE_QUIET)

    recruiter_client.post(f"/alerts/{quiet.pk}/handled/")

    quiet.refresh_from_db()
    assert (quiet.status, quiet.done_by, quiet.outcome) == (
        Task.Status.DONE,
        recruiter,
        "Handled by the recruiter",
    )
    assert Event.objects.get(kind="task.done").summary == "Handled: Cara 0 has gone quiet"
    assert recruiter_client.get("/").context["lists"].gone_quiet.rows == []


def overdue_interviews(client) -> list[int]:
    return [run.interview_id for run in client.get("/").context["lists"].overdue_feedback.rows]


@pytest.mark.parametrize(
    ("stage", "reason"),
    [("rejected", "company_declined"), ("withdrawn", "compensation"), ("placed", "hired")],
)
def test_today_overdue_feedback_leaves_with_its_process_and_comes_back_when_it_reopens(
    recruiter, recruiter_client, clock, stage, reason
):
    ending = work_for(recruiter, clock, 0)
    staying = work_for(recruiter, clock, 1)
    stage_url = f"/submissions/{ending.submission_id}/stage/"

    recruiter_client.post(stage_url, {"stage": stage, "reason": reason})
    after_ending = overdue_interviews(recruiter_client)
    recruiter_client.post(stage_url, {"stage": "interviewing", "reason": ""})
    after_reopening = overdue_interviews(recruiter_client)

    assert after_ending == [staying.pk]
    assert after_reopening == [ending.pk, staying.pk]


def test_today_overdue_feedback_of_a_round_marked_after_the_process_ended_shows_once_it_reopens(
    recruiter, recruiter_client, clock
):
    interview = work_for(recruiter, clock)
    CadenceRun.objects.all().delete()  # the cadences are planned when the outcome is marked, below
    stage_url = f"/submissions/{interview.submission_id}/stage/"
    recruiter_client.post(stage_url, {"stage": "rejected", "reason": "company_declined"})

    recruiter_client.post(f"/interviews/{interview.pk}/outcome/", {"outcome": "completed"})
    run = CadenceRun.objects.get(audience=Cadence.Audience.HIRING_MANAGER)
    clock.set(run.respond_by + timedelta(hours=1))
    while_ended = overdue_interviews(recruiter_client)
    recruiter_client.post(stage_url, {"stage": "offer", "reason": ""})
    reopened = overdue_interviews(recruiter_client)

    # Planned while the process was closed, so marked closed: Today's index skips it meanwhile.
    assert run.process_open is False
    assert while_ended == []
    assert reopened == [interview.pk]
