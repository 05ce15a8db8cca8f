from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

from django.db import transaction

from candidly.followups.claims import claim_due, claim_touchpoints, reap_expired_leases
from candidly.followups.models import Task, Touchpoint
from candidly.followups.services import mark_handoff, plan_touchpoint
from candidly.messaging.delivery import deliver
from candidly.timeline.models import Event
from tests.factories import InterviewFactory
from tests.followups.support import LEASE, in_threads, plan_email, postgres_only

Status = Touchpoint.Status


def test_claim_due_takes_planned_due_rows_oldest_first_up_to_the_batch_size(interview, clock):
    middle = plan_email(interview, due_at=clock.now - timedelta(minutes=2), step=1)
    newest = plan_email(interview, due_at=clock.now - timedelta(minutes=1), step=2)
    oldest = plan_email(interview, due_at=clock.now - timedelta(minutes=3), step=3)
    plan_email(interview, due_at=clock.now + timedelta(minutes=1), step=4)  # not due yet
    done = plan_email(interview, due_at=clock.now - timedelta(minutes=9), step=5)
    Touchpoint.objects.filter(pk=done.pk).update(status=Status.DONE)

    claimed = claim_due(now=clock.now, worker_id="worker-a", batch_size=2, lease=LEASE)

    assert [tp.pk for tp in claimed] == [oldest.pk, middle.pk]
    rows = Touchpoint.objects.filter(pk__in=[oldest.pk, middle.pk, newest.pk]).order_by("due_at")
    assert [(tp.status, tp.claimed_by, tp.lease_expires_at, tp.attempts) for tp in rows] == [
        (Status.IN_PROGRESS, "worker-a", clock.now + LEASE, 1),
        (Status.IN_PROGRESS, "worker-a", clock.now + LEASE, 1),
        (Status.PLANNED, "", None, 0),
    ]


def test_claim_due_second_claimer_gets_nothing(interview, clock):
    touchpoint = plan_email(interview, due_at=clock.now)

    first = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)
    second = claim_due(now=clock.now, worker_id="worker-b", batch_size=10, lease=LEASE)

    assert ([tp.pk for tp in first], second) == ([touchpoint.pk], [])
    touchpoint.refresh_from_db()
    assert (touchpoint.claimed_by, touchpoint.attempts) == ("worker-a", 1)


def test_claim_touchpoints_conditional_update_wins_nothing_for_stale_candidates(interview, clock):
    # Worker B read these ids as due, then lost them: A claimed one, the other was retried into the future.
    taken = plan_email(interview, due_at=clock.now, step=1)
    postponed = plan_email(interview, due_at=clock.now, step=2)
    stale_ids = [taken.pk, postponed.pk]
    claim_due(now=clock.now, worker_id="worker-a", batch_size=1, lease=LEASE)
    Touchpoint.objects.filter(pk=postponed.pk).update(due_at=clock.now + timedelta(minutes=1))

    won = claim_touchpoints(stale_ids, now=clock.now, worker_id="worker-b", lease=LEASE)

    assert won == []
    assert list(Touchpoint.objects.order_by("pk").values_list("status", "claimed_by", "attempts")) == [
        (Status.IN_PROGRESS, "worker-a", 1),
        (Status.PLANNED, "", 0),
    ]


@postgres_only
def test_claim_due_skips_a_row_another_transaction_has_locked(clock):
    touchpoint = plan_email(InterviewFactory(), due_at=clock.now, respects_business_hours=False)
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            Touchpoint.objects.select_for_update().get(pk=touchpoint.pk)
            locked.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=lambda: in_threads(hold_lock))
    holder.start()
    locked.wait(timeout=30)
    while_locked = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)
    release.set()
    holder.join(timeout=30)
    after_release = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)

    assert while_locked == []
    assert [tp.pk for tp in after_release] == [touchpoint.pk]


@postgres_only
def test_claim_race_two_workers_one_row_one_email(clock, smtp_sink, make_worker):
    # Ten rounds, each with a single due row and two workers starting together on separate connections.
    rounds = []
    for _ in range(10):
        touchpoint = plan_email(InterviewFactory(), due_at=clock.now, respects_business_hours=False)
        barrier = threading.Barrier(2)

        def work(worker_id, barrier=barrier):
            worker = make_worker(worker_id)
            barrier.wait()
            return worker.run_batch().claimed

        claimed = in_threads(lambda: work("worker-a"), lambda: work("worker-b"))
        rounds.append(sorted(claimed))
        touchpoint.refresh_from_db()
        assert (touchpoint.status, touchpoint.attempts) == (Status.DONE, 1)

    assert rounds == [[0, 1]] * 10
    message_ids = [mail.header("Message-ID") for mail in smtp_sink.received]
    assert sorted(message_ids) == sorted(Touchpoint.objects.values_list("message_id", flat=True))
    assert len(set(message_ids)) == 10


@postgres_only
def test_claim_four_workers_draining_one_queue_perform_each_row_once(clock, smtp_sink, make_worker):
    interview = InterviewFactory()
    touchpoints = [
        plan_email(interview, due_at=clock.now, step=step, respects_business_hours=False)
        for step in range(60)
    ]

    def drain(worker_id):
        return make_worker(worker_id, batch_size=5).run(once=True)

    claimed = in_threads(*(lambda n=n: drain(f"worker-{n}") for n in range(4)))

    assert sum(claimed) == 60
    assert set(Touchpoint.objects.values_list("status", "attempts")) == {(Status.DONE, 1)}
    message_ids = sorted(mail.header("Message-ID") for mail in smtp_sink.received)
    assert message_ids == sorted(Touchpoint.objects.values_list("message_id", flat=True))
    assert len(set(message_ids)) == len(touchpoints)


def test_reap_expired_lease_without_handoff_plans_the_row_again(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    claim_due(now=clock.now, worker_id="crashed", batch_size=10, lease=LEASE)  # …and the worker died
    clock.advance(LEASE + timedelta(seconds=1))

    counts = reap_expired_leases(now=clock.now)

    touchpoint.refresh_from_db()
    assert (counts.retried, counts.ambiguous, counts.failed) == (1, 0, 0)
    assert (touchpoint.status, touchpoint.claimed_by, touchpoint.lease_expires_at) == (
        Status.PLANNED,
        "",
        None,
    )
    make_worker().run_batch()
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts) == (Status.DONE, 2)
    assert [mail.rcpt_tos for mail in smtp_sink.received] == [["cara@mail.test"]]


def test_reap_leaves_rows_whose_lease_is_still_running(interview, clock):
    touchpoint = plan_email(interview, due_at=clock.now)
    claim_due(now=clock.now, worker_id="busy", batch_size=10, lease=LEASE)
    clock.advance(LEASE - timedelta(seconds=1))

    counts = reap_expired_leases(now=clock.now)

    touchpoint.refresh_from_db()
    assert counts.total == 0
    assert (touchpoint.status, touchpoint.claimed_by) == (Status.IN_PROGRESS, "busy")


def test_reap_expired_lease_after_handoff_is_ambiguous_with_a_task_and_never_resent(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(interview, due_at=clock.now)

    def deliver_then_die(tp, *, now, before_handoff):
        # The worker is killed right after the hand-off marker is committed: the message may be out.
        def handoff_and_die():
            before_handoff()
            raise SystemExit("killed")

        return deliver(tp, now=now, before_handoff=handoff_and_die)

    with contextlib.suppress(SystemExit):
        make_worker("doomed", deliver=deliver_then_die).run_batch()
    clock.advance(LEASE + timedelta(seconds=1))

    counts = reap_expired_leases(now=clock.now)

    touchpoint.refresh_from_db()
    assert (counts.retried, counts.ambiguous, counts.failed) == (0, 1, 0)
    assert (touchpoint.status, touchpoint.claimed_by, touchpoint.lease_expires_at) == (
        Status.AMBIGUOUS,
        "",
        None,
    )
    task = Task.objects.get()
    assert (task.kind, task.touchpoint, task.assigned_to.username, task.candidate) == (
        Task.Kind.CHECK_MESSAGE,
        touchpoint,
        "rita",
        interview.submission.candidate,
    )
    assert task.title == "Check whether this message was sent: Follow-up email to Cara Candidate"
    event = Event.objects.get(kind="touchpoint.ambiguous")
    assert (event.actor_type, event.candidate, event.interview) == (
        Event.Actor.SYSTEM,
        interview.submission.candidate,
        interview,
    )
    # Later passes (and later reaps) never send it again.
    clock.advance(timedelta(hours=2))
    make_worker().run_batch()
    assert reap_expired_leases(now=clock.now).total == 0
    touchpoint.refresh_from_db()
    assert touchpoint.status == Status.AMBIGUOUS
    assert smtp_sink.received == []
    assert Task.objects.count() == 1


def test_reap_fails_a_row_whose_worker_died_on_every_attempt(interview, clock):
    touchpoint = plan_email(interview, due_at=clock.now)
    for _ in range(2):
        claim_due(now=clock.now, worker_id="crashing", batch_size=10, lease=LEASE)
        clock.advance(LEASE + timedelta(seconds=1))
        counts = reap_expired_leases(now=clock.now, max_attempts=2)

    touchpoint.refresh_from_db()
    assert (counts.retried, counts.ambiguous, counts.failed) == (0, 0, 1)
    assert (touchpoint.status, touchpoint.attempts) == (Status.FAILED, 2)
    assert list(Task.objects.values_list("kind", "touchpoint")) == [(Task.Kind.MESSAGE_FAILED, touchpoint.pk)]
    assert list(Event.objects.values_list("kind", flat=True)) == ["touchpoint.failed", "task.created"]


def test_mark_handoff_refuses_a_worker_that_lost_its_claim(interview, clock):
    touchpoint = plan_email(interview, due_at=clock.now)
    [stale] = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))
    reap_expired_leases(now=clock.now)
    claim_due(now=clock.now, worker_id="worker-b", batch_size=10, lease=LEASE)

    handed = mark_handoff(stale, now=clock.now, worker_id="worker-a", lease=LEASE)

    touchpoint.refresh_from_db()
    assert handed is False
    assert (touchpoint.claimed_by, touchpoint.handoff_at) == ("worker-b", None)


def test_claim_due_loads_what_performing_needs_without_further_queries(
    interview, clock, django_assert_num_queries
):
    plan_email(interview, due_at=clock.now)
    manager = interview.submission.role.hiring_manager
    plan_touchpoint(
        person=manager, kind="feedback-request", channel="email", due_at=clock.now, interview=interview
    )

    claimed = claim_due(now=clock.now, worker_id="worker-a", batch_size=10, lease=LEASE)

    with django_assert_num_queries(0):
        seen = [
            (
                str(tp.person),
                tp.person.time_zone,
                str(tp.interview.submission.role.company),
                str(tp.submission.candidate),
                str(tp.responsible_recruiter),
            )
            for tp in claimed
        ]
    company = interview.submission.role.company
    assert seen == [
        (
            "Cara Candidate",
            "America/New_York",
            str(company),
            "Cara Candidate",
            str(interview.submission.recruiter),
        ),
        (str(manager), "Europe/London", str(company), "Cara Candidate", str(interview.submission.recruiter)),
    ]
    assert claimed[1].contact.company == company
