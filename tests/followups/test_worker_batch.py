"""A batch's messages share one SMTP connection; a failure on it costs only the row it hit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidly.followups.models import Touchpoint
from candidly.followups.worker import Outcome
from candidly.messaging.models import Link
from tests.followups.support import plan_email, postgres_only

Status = Touchpoint.Status


def plan_emails(interview, clock, count: int, first_step: int = 0) -> list[Touchpoint]:
    return [
        plan_email(interview, due_at=clock.now, step=step) for step in range(first_step, first_step + count)
    ]


def message_ids(sink) -> list[str]:
    return [mail.header("Message-ID") for mail in sink.received]


def test_a_batch_goes_over_one_smtp_connection(interview, clock, smtp_sink, make_worker):
    touchpoints = plan_emails(interview, clock, 5)
    before = smtp_sink.connections

    report = make_worker().run_batch()

    assert dict(report.outcomes) == {Outcome.SENT: 5}
    assert smtp_sink.connections - before == 1
    rows = Touchpoint.objects.filter(pk__in=[tp.pk for tp in touchpoints])
    assert sorted(message_ids(smtp_sink)) == sorted(rows.values_list("message_id", flat=True))
    assert set(rows.values_list("status", flat=True)) == {Status.DONE}


def test_a_connection_the_server_dropped_between_messages_is_opened_again(
    interview, clock, smtp_sink, make_worker
):
    # The server accepts the 2nd message and hangs up: the 3rd finds out at MAIL FROM, before anything of
    # it went out, so it goes on a new connection -- no retry, no duplicate.
    smtp_sink.handler.hang_up_after = {2}
    plan_emails(interview, clock, 5)
    before = smtp_sink.connections

    report = make_worker().run_batch()

    assert dict(report.outcomes) == {Outcome.SENT: 5}
    assert smtp_sink.connections - before == 2
    assert len(message_ids(smtp_sink)) == len(set(message_ids(smtp_sink))) == 5


def test_a_refusal_mid_batch_retries_that_row_and_the_rest_still_go(interview, clock, smtp_sink, make_worker):
    smtp_sink.handler.reject_data = {3: "451 4.3.0 Try again later"}
    touchpoints = plan_emails(interview, clock, 5)
    before = smtp_sink.connections

    first = make_worker().run_batch()

    assert dict(first.outcomes) == {Outcome.SENT: 4, Outcome.RETRY: 1}
    # After the refusal the connection is closed: the 4th and 5th messages go on a fresh one.
    assert smtp_sink.connections - before == 2
    refused = Touchpoint.objects.get(pk=touchpoints[2].pk)
    assert (refused.status, refused.attempts, refused.handoff_at) == (Status.PLANNED, 1, None)
    assert "451" in refused.last_error

    clock.advance(timedelta(hours=1))
    second = make_worker().run_batch()

    assert dict(second.outcomes) == {Outcome.SENT: 1}
    rows = Touchpoint.objects.filter(pk__in=[tp.pk for tp in touchpoints])
    assert set(rows.values_list("status", flat=True)) == {Status.DONE}
    assert sorted(message_ids(smtp_sink)) == sorted(rows.values_list("message_id", flat=True))


def test_a_connection_lost_during_data_is_ambiguous_and_the_rest_go_on_a_new_one(
    interview, clock, smtp_sink, make_worker
):
    # "421" in reply to DATA's end is a refusal (nothing accepted): a retry. The connection is closed after
    # any failure, so the next row never inherits a broken session.
    smtp_sink.handler.reject_data = {2: "421 4.3.2 Shutting down"}
    touchpoints = plan_emails(interview, clock, 3)

    report = make_worker().run_batch()

    assert dict(report.outcomes) == {Outcome.SENT: 2, Outcome.RETRY: 1}
    statuses = [Touchpoint.objects.get(pk=tp.pk).status for tp in touchpoints]
    assert statuses == [Status.DONE, Status.PLANNED, Status.DONE]
    assert len(set(message_ids(smtp_sink))) == 2


def test_performing_a_message_runs_the_same_queries_whatever_the_batch_size(
    interview, clock, smtp_sink, make_worker
):
    # Real rendering and SMTP. On PostgreSQL one round trip per message: the previous message's outcome and
    # Event, the hand-off marker (with the fresh-state check in its WHERE) and the message's links, as one
    # multi-statement message; the last outcome rides with the batch's end. Nothing per link, per related
    # object or per template.
    def queries_for(count: int, first_step: int) -> int:
        worker = make_worker(reap_every_seconds=3600, heartbeat_every_seconds=3600)
        worker.run_batch()  # beats and reaps once
        plan_emails(interview, clock, count, first_step)
        with CaptureQueriesContext(connection) as captured:
            assert worker.run_batch().claimed == count
        return len(captured)

    one, two, five = queries_for(1, 0), queries_for(2, 10), queries_for(5, 20)

    per_row = two - one
    assert five - one == 4 * per_row
    # SQLite, statement by statement: a savepoint, the fresh-state and claim SELECT, the marker UPDATE, the
    # links' INSERT, the outcome (savepoint, UPDATE, Event INSERT, release), the release; and its per-row
    # conditional claim UPDATE.
    assert per_row == (1 if connection.vendor == "postgresql" else 10)
    assert Link.objects.count() == 8 * 4  # feedback, withdraw, unsubscribe, reply per email


def test_stale_links_are_pruned_by_the_periodic_checks_in_bounded_batches(
    interview, clock, make_worker, monkeypatch
):
    from candidly.messaging import links

    candidate = interview.submission.candidate
    long_ago = clock.now - timedelta(days=400)
    old = [
        links.issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=interview, now=long_ago)
        for _ in range(3)
    ]
    # Expired, but only yesterday: its page still says "expired" for a while.
    recent = links.issue_link(
        Link.Purpose.FEEDBACK,
        candidate=candidate,
        interview=interview,
        now=clock.now - timedelta(days=2),
        max_age=timedelta(days=1),
    )
    live = links.issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=interview, now=clock.now)
    monkeypatch.setattr(links, "PRUNE_BATCH", 2)

    first = make_worker(checks_every_seconds=0).run_batch()
    second = make_worker(checks_every_seconds=0).run_batch()
    third = make_worker(checks_every_seconds=0).run_batch()

    assert (first.checks["links_pruned"], second.checks["links_pruned"], third.checks["links_pruned"]) == (
        2,
        1,
        0,
    )
    assert all(links.find_link(token, purpose=Link.Purpose.FEEDBACK) is None for token in old)
    assert links.find_link(recent, purpose=Link.Purpose.FEEDBACK) is not None
    assert links.find_link(live, purpose=Link.Purpose.FEEDBACK) is not None


def _prepared_hand_offs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%handed_off%"]
        )
        [(count,)] = cursor.fetchall()
    return count


@postgres_only
@pytest.mark.parametrize("prepared", [True, False])
def test_the_hand_off_is_prepared_once_per_connection_unless_turned_off(
    interview, clock, smtp_sink, make_worker, settings, prepared
):
    # PostgreSQL parsed and planned the hand-off statement for every message: more of its CPU than running
    # it. Prepared, it is parsed once per connection; behind a pooler in transaction mode
    # (DATABASE_PREPARED_STATEMENTS=0) it is not prepared at all, and the messages go the same.
    settings.CANDIDLY_PREPARED_STATEMENTS = prepared
    touchpoints = plan_emails(interview, clock, 6)
    connection.close()  # a new session: nothing prepared by an earlier test

    report = make_worker().run_batch()

    assert dict(report.outcomes) == {Outcome.SENT: 6}
    rows = Touchpoint.objects.filter(pk__in=[tp.pk for tp in touchpoints])
    assert set(rows.values_list("status", flat=True)) == {Status.DONE}
    assert sorted(message_ids(smtp_sink)) == sorted(rows.values_list("message_id", flat=True))
    assert Link.objects.filter(touchpoint__in=touchpoints).count() == 6 * 4
    # Two shapes: the batch's first message (no outcome kept back) and the others (the previous one's).
    assert _prepared_hand_offs() == (2 if prepared else 0)
