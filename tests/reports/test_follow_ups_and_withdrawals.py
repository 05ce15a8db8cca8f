"""Reports 3 and 5: which follow-up step drew each response, and where withdrawn candidates went."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from candidly.followups.models import Feedback, Task
from candidly.followups.responses import Answers, Verdict, log_call, record_response
from candidly.hiring.endings.withdraw import Via, withdraw_submission
from candidly.hiring.models import RoleSuggestion, Submission
from candidly.hiring.services.submissions import move_submission
from candidly.hiring.suggestions import express_interest, send_role_suggestions
from candidly.reports.scope import Period, Scope
from tests.factories import RoleFactory, TagFactory
from tests.reports.reading import follow_up_steps, withdrawals
from tests.reports.support import attended, book, candidate, make_world, run_worker, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reading")]

LONDON = zoneinfo.ZoneInfo("Europe/London")
ENDS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday 10 March, 11:00 in New York


def texts(report, slug):
    found = report.table(slug)
    return [[cell.text for cell in row] for row in found.rows], [cell.text for cell in found.total or []]


def test_follow_up_steps_credit_each_response_to_the_last_step_performed(time_machine):
    world = make_world()
    time_machine.move_to(ENDS - timedelta(hours=6), tick=False)
    subs = [submit(candidate(world.rita, name), world.role, world.rita) for name in ("Ann", "Bob", "Cy")]
    interviews = [book(sub, world.rita, ENDS - timedelta(hours=1)) for sub in subs]
    time_machine.move_to(ENDS + timedelta(minutes=10), tick=False)
    for interview in interviews:
        attended(interview, world.rita, ENDS + timedelta(minutes=10))
    # Cy answers the form before anything was sent.
    time_machine.move_to(ENDS + timedelta(minutes=30), tick=False)
    record_response(
        person=subs[2].candidate,
        interview=interviews[2],
        channel=Feedback.Channel.FORM,
        received_at=ENDS + timedelta(minutes=30),
    )
    # +1 h: the call tasks and the managers' feedback requests; Rita reaches Bob at +1.5 h.
    run_worker(time_machine, ENDS + timedelta(hours=1, minutes=5))
    call = Task.objects.get(candidate=subs[1].candidate, kind=Task.Kind.CALL, status=Task.Status.OPEN)
    time_machine.move_to(ENDS + timedelta(hours=1, minutes=30), tick=False)
    log_call(
        call,
        outcome="reached",
        actor=world.rita,
        now=ENDS + timedelta(hours=1, minutes=30),
        answers=Answers(enjoyment=4, difference="no", excitement="yes"),
    )
    # Hannah answers her feedback request for Ann's interview.
    record_response(
        person=world.hannah,
        interview=interviews[0],
        channel=Feedback.Channel.FORM,
        received_at=ENDS + timedelta(hours=1, minutes=30),
        answers=Verdict(verdict=Feedback.Verdict.ADVANCE),
    )
    # +3 h: the follow-up email to Ann; she replies by email an hour later.
    run_worker(time_machine, ENDS + timedelta(hours=3, minutes=5))
    time_machine.move_to(ENDS + timedelta(hours=4), tick=False)
    record_response(
        person=subs[0].candidate,
        interview=interviews[0],
        channel=Feedback.Channel.EMAIL,
        received_at=ENDS + timedelta(hours=4),
    )
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 15), zone=LONDON)

    report = follow_up_steps(scope, now=ENDS + timedelta(hours=5))

    assert texts(report, "steps") == (
        [
            ["Candidates: Before any follow-up", "1", "33.3 %"],
            ["Candidates: Follow-up call", "1", "33.3 %"],
            ["Candidates: Follow-up email", "1", "33.3 %"],
            ["Candidates: Nudge", "0", "0.0 %"],
            ["Candidates: “It is fine to tell us you are out”", "0", "0.0 %"],
            ["Candidates: Gone quiet check", "0", "0.0 %"],
            ["Hiring managers: Before any follow-up", "0", "0.0 %"],
            ["Hiring managers: Feedback request to the hiring manager", "1", "100.0 %"],
            ["Hiring managers: Feedback reminder to the hiring manager", "0", "0.0 %"],
            ["Hiring managers: Escalation: chase the company", "0", "0.0 %"],
        ],
        ["All responses", "4", "100.0 %"],
    )
    assert texts(report, "channels") == (
        [
            ["Feedback form", "1", "1", "50.0 %"],
            ["Phone call", "1", "0", "25.0 %"],
            ["Email reply", "1", "0", "25.0 %"],
            ["SMS reply", "0", "0", "0.0 %"],
        ],
        ["All channels", "3", "1", "100.0 %"],
    )


def test_follow_up_steps_of_an_empty_period():
    scope = Scope(start=date(2026, 3, 1), end=date(2026, 3, 31), zone=LONDON, period=Period.MONTH)

    report = follow_up_steps(scope, now=ENDS)

    body, total = texts(report, "steps")
    assert {tuple(row[1:]) for row in body} == {("0", "—")}
    assert total == ["All responses", "0", "—"]
    assert report.headline == []


def suggestable_world(time_machine):
    """Ann withdraws over compensation, is sent better-paid roles, says she is interested and is placed in
    one; Bob withdraws because he accepted another offer. Both on Wednesday 11 March 2026."""
    world = make_world()
    python = TagFactory(name="python")
    better = RoleFactory(
        company=world.company,
        hiring_manager=world.henry,
        title="Senior Backend Engineer",
        compensation_min=90000,
        compensation_max=120000,
        recruiter=world.rita,
    )
    better.tags.set([python])
    now = datetime(2026, 3, 11, 10, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    ann = candidate(world.rita, "Ann", min_compensation=70000)
    ann.role_tags.set([python])
    first = submit(ann, world.role, world.rita)
    bob_first = submit(candidate(world.rita, "Bob"), world.role, world.rita)
    withdraw_submission(
        first, reason=Submission.EndReason.COMPENSATION, open_to_other_roles=True, via=Via.LINK, now=now
    )
    withdraw_submission(
        bob_first, reason=Submission.EndReason.OTHER_OFFER, open_to_other_roles=False, via=Via.LINK, now=now
    )
    send_role_suggestions(ann, role_ids=[better.pk], actor=world.rita, now=now)
    express_interest(RoleSuggestion.objects.get(candidate=ann, role=better), now=now + timedelta(hours=2))
    second = submit(ann, better, world.rita)
    time_machine.move_to(now + timedelta(days=20), tick=False)
    move_submission(
        second, stage=Submission.Stage.PLACED, reason=Submission.EndReason.HIRED, actor=world.rita
    )
    return world


def test_withdrawals_by_reason_and_placements_through_suggestions(time_machine):
    suggestable_world(time_machine)
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 15), zone=LONDON)

    report = withdrawals(scope, now=datetime(2026, 4, 1, tzinfo=UTC))

    assert texts(report, "withdrawals") == (
        [
            ["Accepted another offer", "1", "0", "0", "0", "0"],
            ["Compensation", "1", "1", "1", "1", "1"],
        ],
        ["All reasons", "2", "1", "1", "1", "1"],
    )
    assert report.headline == [
        "2 candidates withdrew; 1 were sent better-suited roles and 1 were later placed in one of them "
        "(50.0 % of withdrawals)."
    ]


def test_withdrawals_of_an_empty_period(time_machine):
    suggestable_world(time_machine)
    scope = Scope(start=date(2026, 3, 16), end=date(2026, 3, 31), zone=LONDON)

    report = withdrawals(scope, now=datetime(2026, 4, 1, tzinfo=UTC))

    assert texts(report, "withdrawals") == ([], ["All reasons", "0", "0", "0", "0", "0"])
    assert report.headline == ["Nobody withdrew in this range."]


def test_withdrawals_count_in_the_local_day_across_the_dst_change(time_machine):
    # Withdrawn at 23:30 UTC on Sunday 29 March 2026: 00:30 on Monday 30 March in London (BST).
    world = make_world()
    moment = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)
    sub = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    withdraw_submission(sub, reason=Submission.EndReason.PERSONAL, via=Via.LINK, now=moment)

    before = withdrawals(Scope(start=date(2026, 3, 23), end=date(2026, 3, 29), zone=LONDON), now=moment)
    after = withdrawals(Scope(start=date(2026, 3, 30), end=date(2026, 4, 5), zone=LONDON), now=moment)

    assert texts(before, "withdrawals")[1] == ["All reasons", "0", "0", "0", "0", "0"]
    assert texts(after, "withdrawals")[1] == ["All reasons", "1", "0", "0", "0", "0"]
