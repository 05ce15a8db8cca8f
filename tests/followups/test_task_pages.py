"""The recruiter's tasks: the list (viewer's first, constant queries), a task's page with the company's
details and prepared email, "Mark done" writing the Event, and the Today panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import cancel_interview_for_candidate
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CandidateFactory, SubmissionFactory, UserFactory
from tests.interviews import book, configure, make_rita, make_submission

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def client(rita):
    client = Client()
    client.force_login(rita)
    return client


def make_task(
    title: str,
    *,
    assigned_to=None,
    urgent: bool = False,
    due_in_hours: int = 0,
    kind: str = Task.Kind.OTHER,
    **about,
) -> Task:
    return Task.objects.create(
        kind=kind,
        title=title,
        assigned_to=assigned_to,
        urgent=urgent,
        due_at=NOW + timedelta(hours=due_in_hours),
        **about,
    )


def test_task_pages_need_login(db):
    task = make_task("Call Cara")

    responses = [Client().get(url) for url in ("/tasks/", f"/tasks/{task.pk}/")]
    done = Client().post(f"/tasks/{task.pk}/done/")

    assert [r.status_code for r in (*responses, done)] == [302, 302, 302]
    assert all(r.url.startswith("/accounts/login/") for r in (*responses, done))
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_task_list_shows_open_tasks_the_viewers_first_then_urgent(rita, client):
    colleague = UserFactory(username="sam", first_name="Sam", last_name="Sourcer")
    make_task("Colleague's later", assigned_to=colleague, due_in_hours=5)
    make_task("Colleague's urgent", assigned_to=colleague, urgent=True, due_in_hours=9)
    make_task("Mine later", assigned_to=rita, due_in_hours=3)
    make_task("Mine first", assigned_to=rita, due_in_hours=1)
    make_task("Nobody's", due_in_hours=2)
    done = make_task("Done already", assigned_to=rita)
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE)

    everyone = client.get("/tasks/")
    mine = client.get("/tasks/?who=mine")

    assert [t.title for t in everyone.context["page"].object_list] == [
        "Mine first",
        "Mine later",
        "Colleague's urgent",
        "Nobody's",
        "Colleague's later",
    ]
    assert [t.title for t in mine.context["page"].object_list] == ["Mine first", "Mine later"]
    body = everyone.content.decode()
    assert "Open tasks" in body
    assert "Sam Sourcer" in body and "Nobody yet" in body


@pytest.mark.parametrize("rows", [1, 30])
def test_task_list_runs_a_constant_number_of_queries(rita, client, django_assert_num_queries, rows):
    for number in range(rows):
        submission = SubmissionFactory(candidate=CandidateFactory(recruiter=rita), recruiter=rita)
        make_task(
            f"Task {number}",
            assigned_to=rita,
            candidate=submission.candidate,
            submission=submission,
            contact=submission.role.hiring_manager,
        )

    # Session, user, the viewer's tasks and everyone else's (two parts of the page), with what they show.
    with django_assert_num_queries(4 + BANNER_QUERIES):
        response = client.get("/tasks/")

    assert len(response.context["page"].object_list) == rows


@pytest.fixture
def cancel_task(rita, time_machine) -> Task:
    time_machine.move_to(NOW, tick=False)
    interview = book(make_submission(rita), rita, NOW + timedelta(days=3))
    cancel_interview_for_candidate(interview, now=NOW, reason_kind=CancellationReason.RESCHEDULE, note="Flu")
    return Task.objects.get(kind=Task.Kind.CANCEL_WITH_COMPANY)


def test_cancel_with_company_task_shows_the_hiring_manager_and_a_prepared_email(client, cancel_task):
    response = client.get(f"/tasks/{cancel_task.pk}/")

    body = response.content.decode()
    email = response.context["prepared_email"]
    assert response.status_code == 200
    assert cancel_task.title == "Cancel with Acme Robotics: Cara Candidate, interview round 1"
    assert "Hiring manager at Acme Robotics" in body
    assert "Hannah Manager" in body
    assert '<a href="mailto:hannah@acme.test">hannah@acme.test</a>' in body
    assert '<a href="tel:+442071838750">+44 20 7183 8750</a>' in body
    assert (email.to_email, email.subject) == (
        "hannah@acme.test",
        "Cara Candidate cannot attend the interview for Backend Engineer",
    )
    assert "would like to find another time" in email.body
    assert response.context["mailto"] == (
        f"mailto:hannah@acme.test?subject={quote(email.subject, safe='')}&body={quote(email.body, safe='')}"
    )
    assert "?subject=Cara%20Candidate%20cannot%20attend" in response.context["mailto"]
    assert "Mark done</button>" in body


def test_mark_done_writes_an_event_once(rita, client, cancel_task):
    first = client.post(f"/tasks/{cancel_task.pk}/done/", {"outcome": "Emailed Hannah"}, follow=True)
    second = client.post(f"/tasks/{cancel_task.pk}/done/", {"outcome": "Again"}, follow=True)

    cancel_task.refresh_from_db()
    assert (cancel_task.status, cancel_task.done_by, cancel_task.outcome) == (
        Task.Status.DONE,
        rita,
        "Emailed Hannah",
    )
    assert cancel_task.done_at is not None
    assert list(Event.objects.filter(kind="task.done").values_list("actor_user", "summary", "interview")) == [
        (
            rita.pk,
            "Task done: Cancel with Acme Robotics: Cara Candidate, interview round 1 (Emailed Hannah)",
            cancel_task.interview_id,
        )
    ]
    assert "Done: Cancel with Acme Robotics" in first.content.decode()
    assert "This task was already closed; nothing changed." in second.content.decode()
    assert "Mark done</button>" not in second.content.decode()


def test_mark_done_refuses_a_too_long_note_and_changes_nothing(client, cancel_task):
    response = client.post(f"/tasks/{cancel_task.pk}/done/", {"outcome": "x" * 301})

    cancel_task.refresh_from_db()
    assert response.status_code == 400
    assert "Ensure this value has at most 300 characters" in response.content.decode()
    assert cancel_task.status == Task.Status.OPEN
    assert not Event.objects.filter(kind="task.done").exists()


def test_mark_done_on_a_call_task_closes_its_call_step(rita, client, time_machine):
    time_machine.move_to(NOW, tick=False)
    interview = book(make_submission(rita), rita, NOW - timedelta(hours=3), minutes=60)
    call, _ = plan_touchpoint(
        person=interview.submission.candidate,
        kind=Touchpoint.Kind.FOLLOW_UP_CALL,
        channel=Touchpoint.Channel.CALL,
        due_at=NOW,
        interview=interview,
    )
    Worker(worker_id="worker-a").run_batch()
    task = Task.objects.get(touchpoint=call)

    client.post(f"/tasks/{task.pk}/done/", {"outcome": "Reached her"})

    call.refresh_from_db()
    assert (call.status, call.done_at) == (Touchpoint.Status.DONE, timezone.now())


def test_today_page_shows_the_viewers_open_tasks(rita, client):
    make_task("Call Cara back", assigned_to=rita, urgent=True)
    make_task("Someone else's", assigned_to=UserFactory(username="sam"))

    body = client.get("/").content.decode()

    assert "Your open tasks (1)" in body
    assert 'Call Cara back</a> <span class="badge badge-urgent">Urgent</span>' in body
    assert "Someone else's" not in body


def test_task_list_puts_escalations_and_urgent_calls_before_routine_updates(rita, client):
    # Issue 15: a company to chase two days after the interview sat on page 3 behind ninety updates.
    cara = CandidateFactory(name="Cara Candidate")
    make_task(
        "Update Cara", assigned_to=rita, kind=Task.Kind.UPDATE_CANDIDATE, due_in_hours=-48, candidate=cara
    )
    make_task(
        "Mark Dan's interview",
        assigned_to=rita,
        kind=Task.Kind.MARK_INTERVIEW,
        due_in_hours=-30,
        candidate=cara,
    )
    make_task(
        "Chase Acme for feedback",
        assigned_to=rita,
        kind=Task.Kind.CHASE_COMPANY,
        due_in_hours=2,
        candidate=cara,
    )
    make_task("Call Eve back", assigned_to=rita, kind=Task.Kind.CALL, due_in_hours=-1, candidate=cara)
    make_task(
        "Call Cara: late cancellation",
        assigned_to=rita,
        kind=Task.Kind.CALL,
        urgent=True,
        due_in_hours=5,
        candidate=cara,
    )
    make_task(
        "Update Dan", assigned_to=rita, kind=Task.Kind.UPDATE_CANDIDATE, due_in_hours=-50, candidate=cara
    )

    tasks = client.get("/tasks/").context["page"].object_list
    today = client.get("/").context["panel"]["tasks"]

    expected = [
        "Call Cara: late cancellation",
        "Call Eve back",
        "Chase Acme for feedback",
        "Update Dan",
        "Update Cara",
        "Mark Dan's interview",
    ]
    assert [t.title for t in tasks] == expected
    assert [t.title for t in today] == expected
