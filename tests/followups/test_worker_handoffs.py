"""The hand-off (followups.handoffs): the fresh-state check is part of the marker's statement, and a sent
message's outcome is written with the next message's marker (one durable commit per email)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from candidly.followups.claims import claim_due, reap_expired_leases
from candidly.followups.models import Touchpoint
from candidly.followups.worker import Outcome
from candidly.messaging.delivery import UNSUBSCRIBED, deliver
from candidly.messaging.models import Link
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.followups.support import LEASE, plan_email

Status = Touchpoint.Status


def sent_events(touchpoint: Touchpoint) -> int:
    return Event.objects.filter(kind="touchpoint.sent", data__touchpoint=touchpoint.pk).count()


def test_a_candidate_who_unsubscribes_after_the_claim_gets_nothing(interview, clock, smtp_sink, make_worker):
    touchpoint = plan_email(interview, due_at=clock.now)
    worker = make_worker()
    [claimed] = claim_due(now=clock.now, worker_id=worker.worker_id, batch_size=10, lease=LEASE)
    # The worker decided on the candidate as claimed; the marker's statement sees the unsubscribe.
    Candidate.objects.filter(pk=interview.submission.candidate_id).update(unsubscribed_at=clock.now)

    outcome = worker.perform(claimed)

    touchpoint.refresh_from_db()
    assert outcome == Outcome.SKIPPED
    assert (touchpoint.status, touchpoint.skip_reason, touchpoint.handoff_at) == (
        Status.SKIPPED,
        UNSUBSCRIBED,
        None,
    )
    assert smtp_sink.received == []
    assert Link.objects.count() == 0  # the links go in only with a marker


def test_a_change_that_still_allows_the_message_renders_it_again_and_sends_it_once(
    interview, clock, smtp_sink, make_worker
):
    touchpoint = plan_email(interview, due_at=clock.now)
    worker = make_worker()
    [claimed] = claim_due(now=clock.now, worker_id=worker.worker_id, batch_size=10, lease=LEASE)
    type(interview).objects.filter(pk=interview.pk).update(ends_at=interview.ends_at + timedelta(minutes=10))

    outcome = worker.perform(claimed)

    touchpoint.refresh_from_db()
    assert outcome == Outcome.SENT
    assert (touchpoint.status, sent_events(touchpoint)) == (Status.DONE, 1)
    assert [mail.header("Message-ID") for mail in smtp_sink.received] == [touchpoint.message_id]
    assert Link.objects.count() == 4  # one message's links: the first rendering's were never written


def test_a_sent_message_is_recorded_with_the_next_hand_off_and_a_kill_before_that_is_ambiguous(
    interview, clock, smtp_sink, make_worker
):
    first, second, third = (plan_email(interview, due_at=clock.now, step=step) for step in range(3))
    calls = 0

    def deliver_then_die_after_the_second(tp, *, now, before_handoff):
        nonlocal calls
        calls += 1
        receipt = deliver(tp, now=now, before_handoff=before_handoff)
        if calls == 2:
            raise SystemExit("killed between the second send and its outcome")
        return receipt

    with contextlib.suppress(SystemExit):
        make_worker("doomed", deliver=deliver_then_die_after_the_second).run_batch()

    rows = {tp.pk: tp for tp in Touchpoint.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    # The first message's outcome went in with the second's marker; the second's never got written.
    assert (rows[first.pk].status, sent_events(first)) == (Status.DONE, 1)
    assert rows[second.pk].status == Status.IN_PROGRESS and rows[second.pk].handoff_at is not None
    assert (rows[third.pk].status, rows[third.pk].handoff_at) == (Status.IN_PROGRESS, None)

    clock.advance(LEASE + timedelta(seconds=1))
    counts = reap_expired_leases(now=clock.now)

    assert (counts.retried, counts.ambiguous) == (1, 1)
    second.refresh_from_db()
    assert (second.status, sent_events(second)) == (Status.AMBIGUOUS, 0)
    assert len(smtp_sink.received) == 2


def test_an_outcome_whose_claim_was_lost_before_it_was_written_counts_as_lost(
    interview, clock, smtp_sink, make_worker
):
    first, second = (plan_email(interview, due_at=clock.now, step=step) for step in range(2))

    def deliver_after_losing_the_first(tp, *, now, before_handoff):
        if tp.pk == second.pk:  # the first was sent; its row is taken away before its outcome is written
            Touchpoint.objects.filter(pk=first.pk).update(claimed_by="someone-else")
        return deliver(tp, now=now, before_handoff=before_handoff)

    report = make_worker(deliver=deliver_after_losing_the_first).run_batch()

    first.refresh_from_db()
    second.refresh_from_db()
    assert dict(report.outcomes) == {Outcome.SENT: 1, Outcome.LOST: 1}
    assert (first.status, first.claimed_by, sent_events(first)) == (Status.IN_PROGRESS, "someone-else", 0)
    assert (second.status, sent_events(second)) == (Status.DONE, 1)
