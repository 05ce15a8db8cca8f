from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidly.accounts.models import AgencySettings
from candidly.followups.claims import claim_due, reap_expired_leases
from candidly.followups.models import Task, Touchpoint
from candidly.followups.worker import Outcome
from candidly.messaging.delivery import Receipt, message_id_for
from candidly.timeline.models import Event
from tests.followups.support import LEASE, plan_email

Status = Touchpoint.Status


def test_worker_sends_a_due_email_once_and_records_it(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    plan_email(interview, due_at=clock.now + timedelta(minutes=5), step=1)  # not due yet

    report = make_worker().run_batch()
    again = make_worker("worker-b").run_batch()

    assert (report.claimed, dict(report.outcomes), again.claimed) == (1, {Outcome.SENT: 1}, 0)
    [mail] = smtp_sink.received
    touchpoint.refresh_from_db()
    assert mail.rcpt_tos == ["cara@mail.test"]
    assert mail.header("Message-ID") == touchpoint.message_id == message_id_for(touchpoint)
    assert (touchpoint.status, touchpoint.done_at, touchpoint.handoff_at, touchpoint.attempts) == (
        Status.DONE,
        clock.now,
        clock.now,
        1,
    )
    assert (touchpoint.claimed_by, touchpoint.lease_expires_at) == ("", None)
    event = Event.objects.get()
    assert (event.kind, event.actor_type, event.candidate, event.interview, event.occurred_at) == (
        "touchpoint.sent",
        Event.Actor.SYSTEM,
        interview.submission.candidate,
        interview,
        clock.now,
    )
    assert event.summary == "Follow-up email sent by email to Cara Candidate"
    assert event.data["message_id"] == touchpoint.message_id


def test_worker_smtp_451_then_ok_sends_exactly_one_message(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    smtp_sink.handler.reject_with = "451 4.3.0 try later"

    refused = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert dict(refused.outcomes) == {Outcome.RETRY: 1}
    assert (touchpoint.status, touchpoint.attempts, touchpoint.due_at, touchpoint.handoff_at) == (
        Status.PLANNED,
        1,
        clock.now + timedelta(minutes=1),
        None,
    )
    assert "451" in touchpoint.last_error
    smtp_sink.handler.reject_with = None
    assert make_worker().run_batch().claimed == 0  # the back-off has not passed yet
    clock.advance(timedelta(minutes=1))
    make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts, touchpoint.last_error) == (Status.DONE, 2, "")
    assert [mail.header("Message-ID") for mail in smtp_sink.received] == [touchpoint.message_id]


def test_worker_smtp_down_then_up_loses_nothing_and_sends_each_once(interview, clock, smtp_sink, make_worker):
    touchpoints = [plan_email(interview, due_at=clock.now, step=step) for step in range(3)]
    smtp_sink.stop()  # connection refused

    down = make_worker().run_batch()
    smtp_sink.start()
    clock.advance(timedelta(minutes=1))
    up = make_worker().run_batch()

    assert (dict(down.outcomes), dict(up.outcomes)) == ({Outcome.RETRY: 3}, {Outcome.SENT: 3})
    assert set(Touchpoint.objects.values_list("status", "attempts")) == {(Status.DONE, 2)}
    assert sorted(mail.header("Message-ID") for mail in smtp_sink.received) == sorted(
        message_id_for(tp) for tp in touchpoints
    )


def test_worker_back_off_is_exact_and_fails_after_the_limit_with_task_and_event(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(interview, due_at=clock.now)
    smtp_sink.handler.reject_with = "451 4.3.0 try later"
    waits = []

    for _ in range(5):
        make_worker().run_batch()
        touchpoint.refresh_from_db()
        waits.append(touchpoint.due_at - clock.now)
        clock.set(touchpoint.due_at)
    last = make_worker().run_batch()

    assert waits == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8, 16)]
    touchpoint.refresh_from_db()
    assert dict(last.outcomes) == {Outcome.FAILED: 1}
    assert (touchpoint.status, touchpoint.attempts, touchpoint.handoff_at) == (Status.FAILED, 6, None)
    task = Task.objects.get()
    assert (task.kind, task.assigned_to.username, task.touchpoint, task.due_at, task.status) == (
        Task.Kind.MESSAGE_FAILED,
        "rita",
        touchpoint,
        clock.now,
        Task.Status.OPEN,
    )
    assert task.title == "Message failed: Follow-up email to Cara Candidate"
    assert list(Event.objects.values_list("kind", "actor_type")) == [
        ("touchpoint.failed", Event.Actor.SYSTEM),
        ("task.created", Event.Actor.SYSTEM),
    ]
    assert smtp_sink.received == []
    # A failed touchpoint stays failed: nothing more is attempted.
    clock.advance(timedelta(days=1))
    assert make_worker().run_batch().claimed == 0


def test_worker_max_attempts_is_configurable(interview, clock, smtp_sink, make_worker, settings):
    settings.CANDIDLY_WORKER_MAX_ATTEMPTS = 2
    touchpoint = plan_email(interview, due_at=clock.now)
    smtp_sink.handler.reject_with = "451 4.3.0 try later"

    first = make_worker().run_batch()
    clock.advance(timedelta(minutes=1))
    second = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert (dict(first.outcomes), dict(second.outcomes)) == ({Outcome.RETRY: 1}, {Outcome.FAILED: 1})
    assert (touchpoint.status, touchpoint.attempts) == (Status.FAILED, 2)


def test_worker_permanent_smtp_error_fails_at_once(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    smtp_sink.handler.reject_with = "550 5.1.1 no such mailbox"

    report = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.FAILED: 1}
    assert (touchpoint.status, touchpoint.attempts) == (Status.FAILED, 1)
    assert "550" in touchpoint.last_error
    assert list(Task.objects.values_list("kind", "touchpoint")) == [(Task.Kind.MESSAGE_FAILED, touchpoint.pk)]
    assert list(Event.objects.values_list("kind", flat=True)) == ["touchpoint.failed", "task.created"]


def test_worker_call_step_becomes_a_task_for_the_submissions_recruiter(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(
        interview, due_at=clock.now, kind=Touchpoint.Kind.FOLLOW_UP_CALL, channel=Touchpoint.Channel.CALL
    )

    report = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.TASK: 1}
    assert (touchpoint.status, touchpoint.claimed_by, touchpoint.done_at) == (Status.DUE, "", None)
    task = Task.objects.get()
    role = interview.submission.role
    assert (task.kind, task.assigned_to, task.due_at, task.touchpoint, task.interview) == (
        Task.Kind.CALL,
        interview.submission.recruiter,
        clock.now,
        touchpoint,
        interview,
    )
    assert task.title == f"Call Cara Candidate about {role}"
    assert list(Event.objects.values_list("kind", flat=True)) == ["task.created"]
    assert smtp_sink.received == []


def test_worker_task_step_is_done_once_the_task_exists(interview, clock, make_worker):
    manager = interview.submission.role.hiring_manager
    touchpoint, _ = plan_touchpoint_for(manager, interview, clock.now)

    make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.done_at) == (Status.DONE, clock.now)
    assert list(Task.objects.values_list("kind", "contact", "assigned_to")) == [
        (Task.Kind.CHASE_COMPANY, manager.pk, interview.submission.recruiter_id)
    ]


def plan_touchpoint_for(person, interview, due_at):
    from candidly.followups.services import plan_touchpoint

    return plan_touchpoint(
        person=person,
        kind=Touchpoint.Kind.ESCALATION,
        channel=Touchpoint.Channel.TASK,
        due_at=due_at,
        interview=interview,
    )


def test_worker_call_task_claimed_at_night_is_due_in_the_candidates_morning(interview, clock, make_worker):
    # 03:00 UTC is 23:00 in New York: the recruiter is asked to call at 09:00 New York (13:00 UTC).
    night = clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    plan_email(
        interview,
        due_at=night,
        kind=Touchpoint.Kind.FOLLOW_UP_CALL,
        channel=Touchpoint.Channel.CALL,
        respects_business_hours=False,
    )

    make_worker().run_batch()

    assert list(Task.objects.values_list("kind", "due_at")) == [
        (Task.Kind.CALL, datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
    ]


def test_worker_unsubscribed_candidate_gets_the_reminder_but_not_the_follow_up(
    interview, clock, smtp_sink, make_worker
):
    candidate = interview.submission.candidate
    candidate.unsubscribed_at = clock.now - timedelta(days=1)
    candidate.save(update_fields=["unsubscribed_at"])
    # A reminder is only sent before the interview starts: make it tomorrow's.
    interview.starts_at, interview.ends_at = (
        clock.now + timedelta(days=1),
        clock.now + timedelta(days=1, hours=1),
    )
    interview.save(update_fields=["starts_at", "ends_at"])
    follow_up = plan_email(interview, due_at=clock.now)
    reminder = plan_email(
        interview, due_at=clock.now, kind=Touchpoint.Kind.INTERVIEW_REMINDER, respects_business_hours=False
    )

    report = make_worker().run_batch()

    follow_up.refresh_from_db()
    reminder.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.SKIPPED: 1, Outcome.SENT: 1}
    assert (follow_up.status, follow_up.skip_reason, follow_up.handoff_at) == (
        Status.SKIPPED,
        "The candidate unsubscribed.",
        None,
    )
    assert reminder.status == Status.DONE
    assert [mail.header("Message-ID") for mail in smtp_sink.received] == [reminder.message_id]
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["touchpoint.sent", "touchpoint.skipped"]


def test_worker_sms_without_a_provider_goes_by_email_and_says_why(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(
        interview, due_at=clock.now, kind=Touchpoint.Kind.NUDGE, channel=Touchpoint.Channel.SMS
    )

    report = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.SENT: 1}
    assert (touchpoint.status, touchpoint.channel, touchpoint.skip_reason) == (Status.DONE, "email", "")
    event = Event.objects.get()
    assert (event.kind, event.candidate, event.summary) == (
        "touchpoint.sent",
        interview.submission.candidate,
        "Nudge sent by email to Cara Candidate instead of SMS: No SMS provider is configured.",
    )
    assert (event.data["planned_channel"], event.data["fallback"]) == (
        "sms",
        "No SMS provider is configured.",
    )
    [mail] = smtp_sink.received
    assert (mail.rcpt_tos, mail.subject, mail.header("Message-ID")) == (
        ["cara@mail.test"],
        f"Quick check-in after your {interview.submission.role.company.name} interview",
        touchpoint.message_id,
    )


def test_worker_does_not_send_at_night_in_the_recipients_zone(interview, clock, smtp_sink, make_worker):
    # Planned at 02:00 UTC on Tuesday (22:00 Monday in New York): waits for 09:00 New York (13:00 UTC).
    clock.set(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    touchpoint = plan_email(interview, due_at=clock.now)

    clock.set(datetime(2026, 3, 10, 12, 59, tzinfo=UTC))
    before_nine = make_worker().run_batch()
    clock.set(datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
    at_nine = make_worker().run_batch()

    assert (before_nine.claimed, dict(at_nine.outcomes)) == (0, {Outcome.SENT: 1})
    touchpoint.refresh_from_db()
    assert touchpoint.done_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    assert [mail.header("Message-ID") for mail in smtp_sink.received] == [touchpoint.message_id]


def test_worker_replans_a_touchpoint_claimed_at_night_after_the_recipient_moved_zone(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(interview, due_at=clock.now)  # 11:00 in New York: fine when planned
    candidate = interview.submission.candidate
    candidate.time_zone = "Asia/Tokyo"  # 15:00 UTC is midnight in Tokyo
    candidate.save(update_fields=["time_zone"])

    night = make_worker().run_batch()

    touchpoint.refresh_from_db()
    tokyo_nine = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    assert dict(night.outcomes) == {Outcome.REPLANNED: 1}
    assert (touchpoint.status, touchpoint.due_at, touchpoint.attempts, touchpoint.claimed_by) == (
        Status.PLANNED,
        tokyo_nine,
        0,
        "",
    )
    assert smtp_sink.received == []
    clock.set(tokyo_nine)
    morning = make_worker().run_batch()
    assert dict(morning.outcomes) == {Outcome.SENT: 1}
    assert len(smtp_sink.received) == 1


def test_worker_that_lost_its_claim_sends_nothing(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    slow = make_worker("worker-slow")
    [stale] = claim_due(now=clock.now, worker_id="worker-slow", batch_size=10, lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))
    reap_expired_leases(now=clock.now)
    make_worker("worker-b").run_batch()

    outcome = slow.perform(stale)

    touchpoint.refresh_from_db()
    assert outcome == Outcome.LOST
    assert (touchpoint.status, touchpoint.attempts) == (Status.DONE, 2)
    assert [mail.header("Message-ID") for mail in smtp_sink.received] == [touchpoint.message_id]
    assert list(Event.objects.values_list("kind", flat=True)) == ["touchpoint.sent"]


def test_worker_stop_request_releases_the_rest_of_the_batch(interview, clock, smtp_sink, make_worker):
    touchpoints = [plan_email(interview, due_at=clock.now, step=step) for step in range(3)]
    worker = make_worker()
    real_deliver = worker.deliver

    def deliver_then_stop(tp, **kwargs):
        receipt = real_deliver(tp, **kwargs)
        worker.request_stop()  # SIGTERM arrives while the first item is being sent
        return receipt

    worker.deliver = deliver_then_stop
    report = worker.run_batch()

    assert (report.claimed, dict(report.outcomes), report.released) == (3, {Outcome.SENT: 1}, 2)
    assert [
        (tp.status, tp.attempts, tp.claimed_by)
        for tp in Touchpoint.objects.filter(pk__in=[t.pk for t in touchpoints])
    ] == [(Status.DONE, 1, ""), (Status.PLANNED, 0, ""), (Status.PLANNED, 0, "")]
    assert len(smtp_sink.received) == 1


def test_worker_unexpected_error_after_the_handoff_is_ambiguous_at_once(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(interview, due_at=clock.now)

    def deliver_and_crash(tp, *, now, before_handoff):
        before_handoff()
        raise RuntimeError("the provider's library blew up mid-send")

    report = make_worker(deliver=deliver_and_crash).run_batch()

    touchpoint.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.AMBIGUOUS: 1}
    assert touchpoint.status == Status.AMBIGUOUS
    assert touchpoint.last_error == "RuntimeError: the provider's library blew up mid-send"
    assert list(Task.objects.values_list("kind", "touchpoint")) == [(Task.Kind.CHECK_MESSAGE, touchpoint.pk)]
    clock.advance(timedelta(hours=1))
    assert make_worker().run_batch().claimed == 0


def test_worker_unexpected_error_before_the_handoff_is_retried(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)

    def broken_template(tp, *, now, before_handoff):
        raise KeyError("recruiter_phone")

    first = make_worker(deliver=broken_template).run_batch()
    clock.advance(timedelta(minutes=1))
    second = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert (dict(first.outcomes), dict(second.outcomes)) == ({Outcome.RETRY: 1}, {Outcome.SENT: 1})
    assert (touchpoint.status, touchpoint.attempts) == (Status.DONE, 2)
    assert len(smtp_sink.received) == 1


def test_worker_queries_per_touchpoint_are_constant(interview, clock, make_worker):
    # The engine's own cost, delivery stubbed: no query per related object, whatever the batch holds.
    def stub_deliver(tp, *, now, before_handoff):
        before_handoff()
        return Receipt(message_id=message_id_for(tp), sent=True)

    def queries_for(count, first_step):
        for step in range(first_step, first_step + count):
            plan_email(interview, due_at=clock.now, step=step)
        worker = make_worker(deliver=stub_deliver, reap_every_seconds=3600, heartbeat_every_seconds=3600)
        worker.run_batch()  # beats and reaps once, claims and sends
        with CaptureQueriesContext(connection) as captured:
            for step in range(first_step + 100, first_step + 100 + count):
                plan_email(interview, due_at=clock.now, step=step)
            planned = len(captured)
            assert worker.run_batch().claimed == count
        return len(captured) - planned

    one, three = queries_for(1, 0), queries_for(3, 10)

    # Per row on PostgreSQL: one round trip (the previous row's outcome and Event with this row's hand-off
    # marker; followups.handoffs). SQLite runs them statement by statement in a transaction, and adds the
    # per-row conditional claim UPDATE. Per batch: the claim, one SELECT of the rows, one of the agency's
    # settings and one of its words (SQLite: reading the candidate ids, then the claim UPDATEs in a
    # savepoint), the claim of due webhook deliveries (none here: one statement), and on PostgreSQL the
    # round trip of the batch's last outcome (SQLite counts it in per_row).
    per_row = 1 if connection.vendor == "postgresql" else 9
    assert (three - one) == 2 * per_row
    assert one == per_row + (4 + 1 if connection.vendor == "postgresql" else 6) + 1


def test_worker_uses_the_agencys_business_hours(interview, clock, smtp_sink, make_worker):
    # The admin opens at 12:00: at 11:00 in New York (15:00 UTC) the email waits until 12:00 (16:00 UTC).
    agency = AgencySettings.load()
    agency.business_day_start = time(12, 0)
    agency.save()
    touchpoint = plan_email(interview, due_at=clock.now, respects_business_hours=False)
    Touchpoint.objects.filter(pk=touchpoint.pk).update(respects_business_hours=True)

    morning = make_worker().run_batch()
    clock.set(datetime(2026, 3, 10, 16, 0, tzinfo=UTC))
    noon = make_worker().run_batch()

    touchpoint.refresh_from_db()
    assert (dict(morning.outcomes), dict(noon.outcomes)) == ({Outcome.REPLANNED: 1}, {Outcome.SENT: 1})
    assert touchpoint.done_at == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert len(smtp_sink.received) == 1


def test_worker_sends_a_message_id_keyed_by_the_secret_key(
    interview, clock, smtp_sink, make_worker, settings
):
    # Issue 10, hole 2: a bare sha256 of the guessable idempotency key let anyone forge a thread.
    touchpoint = plan_email(interview, due_at=clock.now)
    unkeyed = hashlib.sha256(touchpoint.idempotency_key.encode()).hexdigest()[:32]

    make_worker().run_batch()

    touchpoint.refresh_from_db()
    [mail] = smtp_sink.received
    sent = mail.header("Message-ID")
    assert sent == touchpoint.message_id
    assert (sent.startswith("<tp-"), unkeyed in sent) == (True, False)
    settings.SECRET_KEY = "another secret key, fifty characters long at the very least"
    assert message_id_for(touchpoint) != sent
