"""Recruiters steer what goes out: the planned messages on the interview, submission and candidate pages,
"Send now", "Skip" and "Move" (each an Event, each exactly once, also against the worker), pausing a
candidate's messages, and the honest update edited before it goes.

The clock is frozen: Tuesday 10 March 2026, 15:00 UTC (11:00 in New York, 15:00 in London).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.followups import steering
from candidly.followups.claims import claim_due
from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.tasks import create_task
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.followups.support import LEASE, in_threads, postgres_only
from tests.interviews import book, configure, local, make_rita, make_submission

Kind = Touchpoint.Kind
Status = Touchpoint.Status
# Thursday 12 March, 14:00 in New York (EDT).
STARTS = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def booked(clock, rita) -> Interview:
    """Booked now for Thursday: a confirmation (due now) and two reminders are planned."""
    return book(make_submission(rita), rita, STARTS)


@pytest.fixture
def client(rita) -> Client:
    client = Client()
    client.force_login(rita)
    return client


def reminder(interview: Interview, step: int = 1) -> Touchpoint:
    return Touchpoint.objects.get(interview=interview, kind=Kind.INTERVIEW_REMINDER, step=step)


def nudge(interview: Interview, *, due_at: datetime) -> Touchpoint:
    touchpoint, _ = plan_touchpoint(
        person=interview.submission.candidate,
        kind=Kind.NUDGE,
        channel="email",
        due_at=due_at,
        interview=interview,
    )
    return touchpoint


def steering_events() -> list[tuple[str, str, str]]:
    kinds = ["touchpoint.brought_forward", "touchpoint.moved", "touchpoint.skipped"]
    return list(
        Event.objects.filter(kind__in=kinds)
        .order_by("id")
        .values_list("kind", "summary", "actor_user__username")
    )


# --- the list ----------------------------------------------------------------------------------------------


def test_steering_planned_messages_show_on_the_three_pages_in_both_zones(booked, client):
    candidate = booked.submission.candidate
    pages = {
        "interview": client.get(f"/interviews/{booked.pk}/"),
        "submission": client.get(f"/submissions/{booked.submission_id}/"),
        "candidate": client.get(f"/candidates/{candidate.pk}/"),
    }

    for response in pages.values():
        assert [(tp.kind, tp.step, tp.channel) for tp in response.context["planned"]] == [
            (Kind.INTERVIEW_CONFIRMATION, 0, "email"),
            (Kind.INTERVIEW_REMINDER, 1, "email"),
            (Kind.INTERVIEW_REMINDER, 2, "email"),
        ]
        body = response.content.decode()
        # Rita reads London time; Cara's own time is beside it.
        assert "Wed 11 Mar, 18:00 GMT" in body
        assert "Theirs: Wed 11 Mar, 14:00 EDT (America/New_York)" in body
        assert f'action="/planned/{reminder(booked).pk}/send-now/"' in body
        assert response.context["more_planned"] is False


def test_steering_list_is_capped_with_a_link_to_see_all(booked, client, clock):
    for step in range(3, 12):
        plan_touchpoint(
            person=booked.submission.candidate,
            kind=Kind.NUDGE,
            channel="email",
            due_at=clock.now + timedelta(days=3, hours=step),
            interview=booked,
            step=step,
            respects_business_hours=False,
        )

    page = client.get(f"/interviews/{booked.pk}/")
    every = client.get(f"/planned/?interview={booked.pk}")

    assert (len(page.context["planned"]), page.context["more_planned"]) == (10, True)
    assert f'<a href="/planned/?interview={booked.pk}">See all planned messages</a>' in page.content.decode()
    assert len(every.context["page"].object_list) == 12


def test_steering_list_page_query_count_is_constant(booked, client, django_assert_num_queries, clock):
    candidate = booked.submission.candidate

    def plan(steps: range) -> None:
        for step in steps:
            plan_touchpoint(
                person=candidate,
                kind=Kind.NUDGE,
                channel="email",
                due_at=clock.now,
                interview=booked,
                step=step,
            )

    # session, user, the interview, the page of rows with their people; the banner's two
    plan(range(3, 4))
    with django_assert_num_queries(4 + BANNER_QUERIES):
        client.get(f"/planned/?interview={booked.pk}")
    plan(range(4, 30))
    with django_assert_num_queries(4 + BANNER_QUERIES):
        client.get(f"/planned/?interview={booked.pk}")


# --- send now, skip, move ----------------------------------------------------------------------------------


def test_steering_send_now_brings_it_forward_once_and_the_worker_sends_it(booked, client, clock, smtp_sink):
    first = reminder(booked)

    response = client.post(f"/planned/{first.pk}/send-now/", {"next": f"/interviews/{booked.pk}/"})
    again = client.post(f"/planned/{first.pk}/send-now/")
    from candidly.followups.worker import Worker

    Worker(worker_id="worker-a", batch_size=10, poll_seconds=0.01).run_batch()

    first.refresh_from_db()
    assert (response.status_code, response.url) == (302, f"/interviews/{booked.pk}/")
    assert again.status_code == 302
    assert (first.status, first.due_at) == (Status.DONE, clock.now)
    assert steering_events() == [
        (
            "touchpoint.brought_forward",
            "Rita Recruiter asked to send the interview reminder to Cara Candidate now "
            "(planned for Wed 11 Mar "
            "14:00 EDT (America/New_York)); it goes now",
            "rita",
        )
    ]
    assert [mail.subject for mail in smtp_sink.received] == [
        "You're booked: Acme Robotics interview, Thu 12 Mar, 14:00",
        "Reminder: your Acme Robotics interview is on Thursday 12 March at 14:00",
    ]


def test_steering_send_now_at_night_goes_at_their_first_business_moment(booked, rita, clock):
    later = nudge(booked, due_at=datetime(2026, 3, 11, 16, 0, tzinfo=UTC))
    clock.set(datetime(2026, 3, 11, 3, 0, tzinfo=UTC))  # 23:00 in New York

    result = steering.send_touchpoint_now(later, actor=rita, now=clock.now)

    assert (result.changed, local(result.due_at)) == (True, "Wed 11 Mar 09:00 EDT")


def test_steering_skip_with_a_reason_skips_once_and_nothing_goes(booked, client, clock, smtp_sink):
    second = reminder(booked, step=2)

    missing = client.post(f"/planned/{second.pk}/skip/", {"reason": "  "})
    second.refresh_from_db()
    unchanged = second.status
    client.post(f"/planned/{second.pk}/skip/", {"reason": "She asked for no more reminders"})
    again = client.post(f"/planned/{second.pk}/skip/", {"reason": "twice"})

    second.refresh_from_db()
    assert (missing.status_code, unchanged, again.status_code) == (302, Status.PLANNED, 302)
    assert (second.status, second.skip_reason) == (
        Status.SKIPPED,
        "Skipped by Rita Recruiter: She asked for no more reminders",
    )
    assert steering_events() == [
        (
            "touchpoint.skipped",
            "1 planned message(s) will not be sent: "
            "Skipped by Rita Recruiter: She asked for no more reminders",
            "rita",
        )
    ]


def test_steering_move_changes_the_time_once_and_the_worker_follows_it(booked, client, clock, smtp_sink):
    from candidly.followups.worker import Worker

    first = reminder(booked)
    # Rita types London time: Wednesday 12:00 GMT is 08:00 in New York (not night there: from 08:00).
    client.post(f"/planned/{first.pk}/move/", {"to": "2026-03-11T13:00"})
    client.post(f"/planned/{first.pk}/move/", {"to": "2026-03-11T13:00"})

    first.refresh_from_db()
    assert local(first.due_at) == "Wed 11 Mar 09:00 EDT"
    assert steering_events() == [
        (
            "touchpoint.moved",
            "Rita Recruiter moved the interview reminder to Cara Candidate from Wed 11 Mar 14:00 EDT "
            "(America/New_York) to Wed 11 Mar 09:00 EDT (America/New_York)",
            "rita",
        )
    ]
    clock.set(datetime(2026, 3, 11, 12, 59, tzinfo=UTC))
    Worker(worker_id="worker-a", poll_seconds=0.01).run_batch()
    smtp_sink.clear()
    clock.set(datetime(2026, 3, 11, 13, 0, tzinfo=UTC))
    Worker(worker_id="worker-a", poll_seconds=0.01).run_batch()
    assert [mail.subject for mail in smtp_sink.received] == [
        "Reminder: your Acme Robotics interview is tomorrow at 14:00"
    ]


@pytest.mark.parametrize(
    ("to", "error"),
    [
        (
            "2026-03-11T06:00",
            "That is night where Cara Candidate is (Wed 11 Mar 02:00 EDT (America/New_York)).",
        ),
        ("2026-03-12T19:00", "That is after the interview starts."),
        ("2026-03-10T14:00", "That moment has passed; use “Send now” to send it at once."),
    ],
)
def test_steering_move_of_a_reminder_refuses_night_after_the_start_and_the_past(booked, client, to, error):
    first = reminder(booked)
    before = first.due_at

    response = client.post(f"/planned/{first.pk}/move/", {"to": to}, follow=True)

    first.refresh_from_db()
    assert [str(message) for message in response.context["messages"]] == [f"{error} Nothing changed."]
    assert first.due_at == before
    assert steering_events() == []


def test_steering_after_the_worker_claimed_it_changes_nothing_and_it_goes_once(
    booked, rita, clock, smtp_sink
):
    from candidly.followups.worker import Worker

    confirmation = Touchpoint.objects.get(interview=booked, kind=Kind.INTERVIEW_CONFIRMATION)
    [claimed] = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)

    skipped = steering.skip_touchpoint(confirmation, reason="Too late", actor=rita, now=clock.now)
    moved = steering.move_touchpoint(
        confirmation, to=clock.now + timedelta(hours=1), actor=rita, now=clock.now
    )
    brought = steering.send_touchpoint_now(confirmation, actor=rita, now=clock.now)
    Worker(worker_id="worker-a", poll_seconds=0.01).perform(claimed)

    confirmation.refresh_from_db()
    assert (skipped.changed, moved.changed, brought.changed) == (False, False, False)
    assert confirmation.status == Status.DONE
    assert len(smtp_sink.received) == 1
    assert steering_events() == []


def test_steering_skipped_before_the_worker_runs_is_never_sent(booked, rita, clock, smtp_sink):
    from candidly.followups.worker import Worker

    confirmation = Touchpoint.objects.get(interview=booked, kind=Kind.INTERVIEW_CONFIRMATION)

    steering.skip_touchpoint(confirmation, reason="Told her by phone", actor=rita, now=clock.now)
    report = Worker(worker_id="worker-a", poll_seconds=0.01).run_batch()

    assert (report.claimed, smtp_sink.received) == (0, [])


@pytest.mark.parametrize("url", ["send-now", "skip", "move"])
def test_steering_actions_need_login(booked, url):
    first = reminder(booked)

    response = Client().post(f"/planned/{first.pk}/{url}/", {"reason": "x", "to": "2026-03-11T13:00"})

    first.refresh_from_db()
    assert (response.status_code, response.url) == (302, f"/accounts/login/?next=/planned/{first.pk}/{url}/")
    assert first.status == Status.PLANNED
    assert steering_events() == []


@postgres_only
def test_steering_races_with_the_worker_each_happen_exactly_once(clock, rita, smtp_sink, make_worker):
    # Rounds of one due row, a worker and a recruiter starting together on separate connections.
    submission = make_submission(rita)
    outcomes = []
    for round_ in range(12):
        touchpoint, _ = plan_touchpoint(
            person=submission.candidate,
            kind=Kind.UPDATE,
            channel="email",
            due_at=clock.now,
            submission=submission,
            step=round_,
            respects_business_hours=False,
        )
        barrier = threading.Barrier(2)

        def work(barrier=barrier):
            worker = make_worker("worker-a")
            barrier.wait()
            return worker.run_batch().claimed

        def steer(barrier=barrier, touchpoint=touchpoint, round_=round_):
            barrier.wait()
            if round_ % 2 == 0:
                return steering.skip_touchpoint(touchpoint, reason="Race", actor=rita, now=clock.now).changed
            later = clock.now + timedelta(hours=2)
            return steering.move_touchpoint(touchpoint, to=later, actor=rita, now=clock.now).changed

        claimed, steered = in_threads(work, steer)
        touchpoint.refresh_from_db()
        outcomes.append((claimed, steered, touchpoint.status))
        # Exactly one of the two happened to the row.
        assert claimed + int(steered) == 1
        expected = Status.DONE if claimed else (Status.SKIPPED if round_ % 2 == 0 else Status.PLANNED)
        assert touchpoint.status == expected

    sent = sum(claimed for claimed, _, _ in outcomes)
    assert len(smtp_sink.received) == sent
    assert Event.objects.filter(kind="touchpoint.sent").count() == sent
    steered_count = sum(1 for _, steered, _ in outcomes if steered)
    assert Event.objects.filter(kind__in=["touchpoint.skipped", "touchpoint.moved"]).count() == steered_count

    # "Send now" clicked twice at once while a worker polls: brought forward once, sent once.
    later, _ = plan_touchpoint(
        person=submission.candidate,
        kind=Kind.UPDATE,
        channel="email",
        due_at=clock.now + timedelta(days=1),
        submission=submission,
        step=99,
        respects_business_hours=False,
    )
    barrier = threading.Barrier(3)

    def click():
        barrier.wait()
        return steering.send_touchpoint_now(later, actor=rita, now=clock.now).changed

    def poll():
        barrier.wait()
        return make_worker("worker-b").run_batch().claimed

    results = in_threads(click, click, poll)
    make_worker("worker-c").run_batch()
    later.refresh_from_db()
    assert sorted(results[:2]) == [False, True]
    assert later.status == Status.DONE
    assert Event.objects.filter(kind="touchpoint.brought_forward").count() == 1
    assert [mail.header("Message-ID") for mail in smtp_sink.received].count(later.message_id) == 1


# --- pause -------------------------------------------------------------------------------------------------


def test_steering_pause_holds_follow_ups_until_the_date_and_logistics_still_go(
    booked, client, clock, smtp_sink
):
    from candidly.followups.worker import Worker

    candidate = booked.submission.candidate
    wednesday = nudge(booked, due_at=datetime(2026, 3, 11, 15, 0, tzinfo=UTC))

    response = client.post(f"/candidates/{candidate.pk}/pause/", {"until": "2026-03-13"})

    candidate.refresh_from_db()
    wednesday.refresh_from_db()
    assert response.status_code == 302
    assert local(candidate.messages_paused_until) == "Fri 13 Mar 00:00 EDT"
    assert local(wednesday.due_at) == "Fri 13 Mar 09:00 EDT"
    # The reminders of Thursday's interview are logistics: they keep their times.
    assert local(reminder(booked).due_at) == "Wed 11 Mar 14:00 EDT"
    [event] = Event.objects.filter(kind="candidate.messages_paused")
    assert event.summary == (
        "Rita Recruiter paused messages to Cara Candidate until Fri 13 Mar 2026; 1 planned message(s) wait "
        "until Fri 13 Mar 09:00 EDT (America/New_York). Interview logistics still go."
    )
    # Something planned during the pause waits too, in the worker.
    mark_interview_outcome(
        booked, outcome="completed", now=STARTS + timedelta(hours=2), actor=event.actor_user
    )
    clock.set(STARTS + timedelta(hours=4))
    Worker(worker_id="worker-a", batch_size=50, poll_seconds=0.01).run_batch()
    follow_up = Touchpoint.objects.get(interview=booked, kind=Kind.FOLLOW_UP_EMAIL)
    assert (follow_up.status, local(follow_up.due_at)) == (Status.PLANNED, "Fri 13 Mar 09:00 EDT")
    assert "How did it go with Acme Robotics?" not in [mail.subject for mail in smtp_sink.received]


def test_steering_resume_brings_held_messages_back_to_now(booked, client, clock):
    candidate = booked.submission.candidate
    wednesday = nudge(booked, due_at=datetime(2026, 3, 11, 15, 0, tzinfo=UTC))
    client.post(f"/candidates/{candidate.pk}/pause/", {"until": "2026-03-13"})

    client.post(f"/candidates/{candidate.pk}/pause/", {"resume": "on"})

    candidate.refresh_from_db()
    wednesday.refresh_from_db()
    assert candidate.messages_paused_until is None
    assert wednesday.due_at == clock.now
    assert list(
        Event.objects.filter(kind="candidate.messages_resumed").values_list("summary", flat=True)
    ) == [
        "Rita Recruiter resumed messages to Cara Candidate; 1 held back go from Tue 10 Mar 11:00 EDT "
        "(America/New_York)"
    ]


def test_steering_pause_needs_a_future_day(booked, client):
    candidate = booked.submission.candidate

    today = client.post(f"/candidates/{candidate.pk}/pause/", {"until": "2026-03-10"}, follow=True)
    empty = client.post(f"/candidates/{candidate.pk}/pause/", {"until": ""}, follow=True)

    candidate.refresh_from_db()
    assert [str(m) for m in today.context["messages"]] == ["Pick a day after today (in their time zone)."]
    assert [str(m) for m in empty.context["messages"]] == ["Pick the day messages may resume."]
    assert candidate.messages_paused_until is None


# --- the honest update, edited ----------------------------------------------------------------------------


def test_steering_update_edited_before_it_goes_is_what_the_candidate_reads(booked, client, clock, smtp_sink):
    from candidly.followups.worker import Worker

    task = create_task(
        kind=Task.Kind.UPDATE_CANDIDATE,
        title="Update Cara Candidate",
        due_at=clock.now,
        actor=None,
        submission=booked.submission,
    )
    page = client.get(f"/updates/{task.pk}/")
    edited = (
        "Acme Robotics told me today they decide on Friday.\r\n\r\nI'll call you then, whatever they say."
    )

    client.post(f"/updates/{task.pk}/", {"message": edited})
    Worker(worker_id="worker-a", batch_size=10, poll_seconds=0.01).run_batch()

    task.refresh_from_db()
    assert (
        page.context["form"]
        .initial["message"]
        .startswith(
            "A quick word so you're not left wondering: we're still waiting to hear back from Acme Robotics"
        )
    )
    assert task.status == Task.Status.DONE
    [mail] = [
        mail for mail in smtp_sink.received if "Booked" not in mail.subject and "booked" not in mail.subject
    ]
    assert (
        mail.body()
        .replace("\r\n", "\n")
        .startswith(
            "Hi Cara,\n\nAcme Robotics told me today they decide on Friday.\n\n"
            "I'll call you then, whatever they say.\n\n"
            "Rita Recruiter\n"
        )
    )
    assert "still waiting to hear back" not in mail.body()
    assert "<p>Acme Robotics told me today they decide on Friday.</p>" in mail.body("html")
    assert Event.objects.get(kind="candidate.update_sent").summary == (
        "Update to Cara Candidate queued by email, in the recruiter's words"
    )


def test_steering_update_sent_unedited_uses_the_prepared_words(booked, client, clock, smtp_sink):
    from candidly.followups.worker import Worker

    task = create_task(
        kind=Task.Kind.UPDATE_CANDIDATE,
        title="Update Cara Candidate",
        due_at=clock.now,
        actor=None,
        submission=booked.submission,
    )
    prepared = client.get(f"/updates/{task.pk}/").context["form"].initial["message"]

    client.post(f"/updates/{task.pk}/", {"message": prepared.replace("\n", "\r\n")})
    Worker(worker_id="worker-a", batch_size=10, poll_seconds=0.01).run_batch()

    assert Touchpoint.objects.get(kind=Kind.UPDATE).message_text == ""
    assert any("still waiting to hear back from Acme Robotics" in mail.body() for mail in smtp_sink.received)


def test_steering_send_now_of_a_reminder_at_night_waits_for_the_morning(booked, rita, clock):
    first = reminder(booked)
    clock.set(datetime(2026, 3, 11, 4, 0, tzinfo=UTC))  # Wednesday 00:00 in New York

    result = steering.send_touchpoint_now(first, actor=rita, now=clock.now)

    assert (result.changed, local(result.due_at)) == (True, "Wed 11 Mar 08:00 EDT")
