"""Report 1: ghosting on both sides per 100 interviews, and how processes ended."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from candidly.followups.models import Feedback
from candidly.followups.responses import Answers, Verdict, record_response
from candidly.hiring.endings.withdraw import Via, withdraw_submission
from candidly.hiring.models import Submission
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import cancel_interview_for_candidate
from candidly.hiring.services.submissions import move_submission
from candidly.reports.scope import Period, Scope
from tests.reports.reading import ghosting
from tests.reports.support import attended, book, candidate, make_world, no_show, run_worker, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reading")]

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, before either DST change


def at(days: float, hour: int, minute: int = 0) -> datetime:
    return (MONDAY + timedelta(days=days)).replace(hour=hour, minute=minute)


def rows(report, slug):
    table = report.table(slug)
    return [[cell.text for cell in row] for row in table.rows], [cell.text for cell in table.total]


def week_of_ghosting(time_machine):
    """Four interviews on Monday 2 March: A attended and then went quiet (and Hannah never gave feedback),
    B did not show up, C cancelled late, D attended and both sides answered. B and C withdrew, D was
    placed."""
    world = make_world()
    time_machine.move_to(MONDAY, tick=False)
    subs = {name: submit(candidate(world.rita, f"Cand {name}"), world.role, world.rita) for name in "ABCD"}
    a = book(subs["A"], world.rita, at(0, 14))
    b = book(subs["B"], world.rita, at(0, 11))
    c = book(subs["C"], world.rita, at(0, 20))
    d = book(subs["D"], world.rita, at(0, 14))
    time_machine.move_to(at(0, 9, 30), tick=False)
    cancel_interview_for_candidate(c, now=at(0, 9, 30), reason_kind=CancellationReason.NOT_INTERESTED)
    withdraw_submission(subs["C"], reason=Submission.EndReason.PROCESS_SLOW, via=Via.LINK, now=at(0, 9, 35))
    time_machine.move_to(at(0, 12, 30), tick=False)
    no_show(b, world.rita, at(0, 12, 30))
    time_machine.move_to(at(0, 15, 30), tick=False)
    attended(a, world.rita, at(0, 15, 30))
    attended(d, world.rita, at(0, 15, 30))
    time_machine.move_to(at(0, 17), tick=False)
    record_response(
        person=subs["D"].candidate,
        interview=d,
        channel=Feedback.Channel.FORM,
        received_at=at(0, 17),
        answers=Answers(enjoyment=5, difference="no", excitement="yes"),
    )
    time_machine.move_to(at(1, 10), tick=False)
    record_response(
        person=world.hannah,
        interview=d,
        channel=Feedback.Channel.FORM,
        received_at=at(1, 10),
        answers=Verdict(verdict=Feedback.Verdict.ADVANCE),
    )
    time_machine.move_to(at(1, 11), tick=False)
    withdraw_submission(
        subs["B"], reason=Submission.EndReason.OTHER, via=Via.PHONE, actor=world.rita, now=at(1, 11)
    )
    for day in (1, 2, 3, 4, 7):
        run_worker(time_machine, at(day, 16))
    time_machine.move_to(at(4, 12), tick=False)
    move_submission(
        subs["D"], stage=Submission.Stage.PLACED, reason=Submission.EndReason.HIRED, actor=world.rita
    )
    time_machine.move_to(at(8, 12), tick=False)
    return world, subs


def test_ghosting_counts_both_sides_per_100_interviews_per_week(time_machine):
    _, subs = week_of_ghosting(time_machine)
    scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 15), zone=LONDON)

    report = ghosting(scope, now=at(8, 12))

    body, total = rows(report, "ghosting")
    assert body == [
        ["Week of 2 Mar 2026", "4", "1", "25.0", "1", "25.0", "0", "0.0", "1", "25.0", "1", "25.0"],
        ["Week of 9 Mar 2026", "0", "0", "—", "0", "—", "1", "—", "0", "—", "0", "—"],
    ]
    assert total == ["Whole range", "4", "1", "25.0", "1", "25.0", "1", "25.0", "1", "25.0", "1", "25.0"]
    assert subs["A"].pk in [s.pk for s in Submission.objects.filter(gone_quiet_at__isnull=False)]


def test_ghosting_headline_counts_explicit_endings_and_silence(time_machine):
    week_of_ghosting(time_machine)
    scope = Scope(start=date(2026, 3, 2), end=date(2026, 3, 15), zone=LONDON)

    report = ghosting(scope, now=at(8, 12))

    body, total = rows(report, "endings")
    assert body == [["With an explicit answer", "2", "66.7 %"], ["In silence", "1", "33.3 %"]]
    assert total == ["All endings", "3", "100.0 %"]
    assert report.headline == [
        "2 of 3 processes that ended in this range ended with an explicit answer (66.7 %); 1 ended in "
        "silence."
    ]


def test_ghosting_of_an_empty_period_is_zeros_and_dashes(time_machine):
    week_of_ghosting(time_machine)
    scope = Scope(start=date(2026, 2, 2), end=date(2026, 2, 15), zone=LONDON)

    report = ghosting(scope, now=at(8, 12))

    body, total = rows(report, "ghosting")
    empty = ["0", "0", "—", "0", "—", "0", "—", "0", "—", "0", "—"]
    assert body == [["Week of 2 Feb 2026", *empty], ["Week of 9 Feb 2026", *empty]]
    assert total == ["Whole range", *empty]
    assert report.headline == ["No process ended in this range."]


def test_ghosting_counts_each_event_in_its_local_week_across_the_dst_change(time_machine):
    # London moves to BST at 01:00 UTC on Sunday 29 March 2026. 23:30 UTC that Sunday is already 00:30 on
    # Monday 30 March in London: the no-show belongs to the new local week, not to UTC's.
    world = make_world()
    time_machine.move_to(datetime(2026, 3, 26, 9, tzinfo=UTC), tick=False)
    saturday = submit(candidate(world.rita, "Sat"), world.role, world.rita)
    sunday = submit(candidate(world.rita, "Sun"), world.role, world.rita)
    first = book(saturday, world.rita, datetime(2026, 3, 28, 21, tzinfo=UTC))
    second = book(sunday, world.rita, datetime(2026, 3, 29, 21, tzinfo=UTC))
    for interview, marked in (
        (first, datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),  # Saturday 23:30 GMT
        (second, datetime(2026, 3, 29, 23, 30, tzinfo=UTC)),  # Monday 00:30 BST
    ):
        time_machine.move_to(marked, tick=False)
        no_show(interview, world.rita, marked)
    scope = Scope(start=date(2026, 3, 23), end=date(2026, 4, 5), zone=LONDON)

    weekly = ghosting(scope, now=datetime(2026, 4, 6, tzinfo=UTC))
    monthly = ghosting(
        Scope(start=date(2026, 3, 1), end=date(2026, 4, 30), zone=LONDON, period=Period.MONTH),
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )

    assert [row[:6] for row in rows(weekly, "ghosting")[0]] == [
        ["Week of 23 Mar 2026", "1", "0", "0.0", "1", "100.0"],
        ["Week of 30 Mar 2026", "1", "0", "0.0", "1", "100.0"],
    ]
    assert [row[:6] for row in rows(monthly, "ghosting")[0]] == [
        ["Mar 2026", "2", "0", "0.0", "2", "100.0"],
        ["Apr 2026", "0", "0", "—", "0", "—"],
    ]
