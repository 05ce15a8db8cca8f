"""Report 2: time to answer, candidates' and hiring managers', the slowest managers and companies first."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from candidly.followups.models import Feedback
from candidly.followups.responses import Answers, Verdict, record_response
from candidly.reports import queries
from candidly.reports.models import DailyFigure
from candidly.reports.scope import Period, Scope
from tests.factories import ContactFactory, RoleFactory
from tests.reports.reading import time_to_answer
from tests.reports.support import attended, book, candidate, make_world, run_worker, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reading")]

LONDON = zoneinfo.ZoneInfo("Europe/London")
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ENDS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # the interviews end at 15:00 UTC


def table(report, slug):
    found = report.table(slug)
    return [[(cell.text, cell.url) if cell.url else cell.text for cell in row] for row in found.rows], [
        cell.text for cell in found.total or []
    ]


def answers_week(time_machine):
    """Three interviews end on Tuesday 10 March 15:00 UTC. Cara answers after 3 h, Dan after 5 h; Hannah gives
    feedback after 26 h; Henry never does (his interview escalates); Eve never answers either."""
    world = make_world()
    time_machine.move_to(TUESDAY, tick=False)
    cara = submit(candidate(world.rita, "Cara"), world.role, world.rita)
    dan = submit(candidate(world.rita, "Dan"), world.role, world.rita)
    eve = submit(candidate(world.omar, "Eve"), world.other_role, world.omar)
    interviews = {s: book(s, world.rita, ENDS - timedelta(hours=1)) for s in (cara, dan, eve)}
    time_machine.move_to(ENDS + timedelta(minutes=10), tick=False)
    for interview in interviews.values():
        attended(interview, world.rita, ENDS + timedelta(minutes=10))
    for sub, hours, channel in ((cara, 3, Feedback.Channel.FORM), (dan, 5, Feedback.Channel.EMAIL)):
        time_machine.move_to(ENDS + timedelta(hours=hours), tick=False)
        record_response(
            person=sub.candidate,
            interview=interviews[sub],
            channel=channel,
            received_at=ENDS + timedelta(hours=hours),
            answers=Answers(enjoyment=4, difference="no", excitement="yes"),
        )
    for sub in (cara, dan):
        time_machine.move_to(ENDS + timedelta(hours=26), tick=False)
        if sub is cara:
            record_response(
                person=world.hannah,
                interview=interviews[sub],
                channel=Feedback.Channel.FORM,
                received_at=ENDS + timedelta(hours=26),
                answers=Verdict(verdict=Feedback.Verdict.ADVANCE),
            )
    # Henry's escalation comes two business days after the end (Thursday); Hannah's for Dan too.
    run_worker(time_machine, datetime(2026, 3, 12, 16, tzinfo=UTC))
    return world


def test_time_to_answer_medians_per_period_and_overall(time_machine):
    answers_week(time_machine)
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)

    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))

    body, total = table(report, "time-to-answer")
    assert body == [
        ["Week of 9 Mar 2026", "2", "4.0", "1", "26.0"],
        ["Week of 16 Mar 2026", "0", "—", "0", "—"],
    ]
    assert total == ["Whole range", "2", "4.0", "1", "26.0"]
    assert report.headline == [
        "Candidates answered in a median of 4.0 h after an interview; hiring managers gave feedback in a "
        "median of 26.0 h."
    ]


def test_time_to_answer_ranks_managers_and_companies_worst_first_with_links(time_machine):
    world = answers_week(time_machine)
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)

    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))

    managers, _ = table(report, "managers")
    assert managers == [
        [
            ("Henry Manager", reverse("people:contact-detail", args=[world.henry.pk])),
            "Acme Robotics",
            "0",
            "—",
            "—",
            "1",
        ],
        [
            ("Hannah Manager", reverse("people:contact-detail", args=[world.hannah.pk])),
            "Acme Robotics",
            "1",
            "26.0",
            "100.0 %",
            "1",
        ],
    ]
    companies, _ = table(report, "companies")
    assert companies == [
        [
            ("Acme Robotics", reverse("people:company-detail", args=[world.company.pk])),
            "1",
            "26.0",
            "100.0 %",
            "2",
        ]
    ]
    # Filtered to the company (both roles are Acme's): the same ranking, read through the filter's rows.
    filtered = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON, company=world.company)
    again = time_to_answer(filtered, now=datetime(2026, 3, 13, tzinfo=UTC))
    assert (table(again, "managers")[0], table(again, "companies")[0]) == (managers, companies)


def test_time_to_answer_shows_the_slowest_when_more_managers_than_fit_ties_decided_by_name(
    time_machine, monkeypatch
):
    # Read from the rollup, only the rows that can make the cut get their names read (a year holds
    # thousands of managers); a tie at the cut is still decided by name, as reading the records does.
    world = answers_week(time_machine)
    # Aaron, a third manager at Acme, also never answers: tied with Henry (no answer, one escalation).
    aaron = ContactFactory(company=world.company, name="Aaron Manager", time_zone="Europe/London")
    role = RoleFactory(company=world.company, hiring_manager=aaron, title="QA Engineer", recruiter=world.rita)
    finn = submit(candidate(world.rita, "Finn"), role, world.rita)
    interview = book(finn, world.rita, ENDS - timedelta(hours=1))
    time_machine.move_to(ENDS + timedelta(minutes=10), tick=False)
    attended(interview, world.rita, ENDS + timedelta(minutes=10))
    run_worker(time_machine, datetime(2026, 3, 12, 16, tzinfo=UTC))
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)
    monkeypatch.setattr(queries, "RANKED_LIMIT", 1)

    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))

    managers, _ = table(report, "managers")
    assert [row[0][0] for row in managers] == ["Aaron Manager"]
    monkeypatch.setattr(queries, "RANKED_LIMIT", 2)
    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))
    assert [row[0][0] for row in table(report, "managers")[0]] == ["Aaron Manager", "Henry Manager"]
    monkeypatch.setattr(queries, "RANKED_LIMIT", 3)
    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))
    assert [row[0][0] for row in table(report, "managers")[0]] == [
        "Aaron Manager",
        "Henry Manager",
        "Hannah Manager",
    ]


def test_time_to_answer_of_an_empty_period(time_machine):
    answers_week(time_machine)
    scope = Scope(start=date(2026, 1, 1), end=date(2026, 2, 28), zone=LONDON, period=Period.MONTH)

    report = time_to_answer(scope, now=datetime(2026, 3, 13, tzinfo=UTC))

    assert table(report, "time-to-answer") == (
        [["Jan 2026", "0", "—", "0", "—"], ["Feb 2026", "0", "—", "0", "—"]],
        ["Whole range", "0", "—", "0", "—"],
    )
    assert table(report, "managers") == ([], [])
    assert report.headline == []


def test_time_to_answer_counts_a_response_in_its_local_week_across_the_dst_change(time_machine):
    # An interview ends on Sunday 29 March 2026 at 21:00 UTC; the answer comes at 23:30 UTC, which is
    # already Monday 00:30 in London (BST since 01:00 UTC that day): the local week of 30 March.
    world = make_world()
    time_machine.move_to(datetime(2026, 3, 27, 9, tzinfo=UTC), tick=False)
    sub = submit(candidate(world.rita, "Cara"), world.role, world.rita)
    interview = book(sub, world.rita, datetime(2026, 3, 29, 20, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 3, 29, 21, 10, tzinfo=UTC), tick=False)
    attended(interview, world.rita, datetime(2026, 3, 29, 21, 10, tzinfo=UTC))
    answered = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    time_machine.move_to(answered, tick=False)
    record_response(
        person=sub.candidate, interview=interview, channel=Feedback.Channel.SMS, received_at=answered
    )
    scope = Scope(start=date(2026, 3, 23), end=date(2026, 4, 5), zone=LONDON)

    report = time_to_answer(scope, now=datetime(2026, 4, 6, tzinfo=UTC))

    assert table(report, "time-to-answer")[0] == [
        ["Week of 23 Mar 2026", "0", "—", "0", "—"],
        ["Week of 30 Mar 2026", "1", "2.5", "0", "—"],
    ]


def answer_after(time_machine, world, name, ends, after):
    """A candidate of Rita's whose interview ends at ``ends`` answers ``after`` it (by SMS)."""
    time_machine.move_to(ends - timedelta(hours=2), tick=False)
    sub = submit(candidate(world.rita, name), world.role, world.rita)
    interview = book(sub, world.rita, ends - timedelta(hours=1))
    time_machine.move_to(ends + timedelta(minutes=10), tick=False)
    attended(interview, world.rita, ends + timedelta(minutes=10))
    answered = ends + after
    time_machine.move_to(answered, tick=False)
    record_response(
        person=sub.candidate, interview=interview, channel=Feedback.Channel.SMS, received_at=answered
    )


def test_time_to_answer_median_is_exact_whichever_hours_its_middle_times_fall_in(time_machine):
    # The rule: a median is exact to the second (the mean of the two middle times when there are an even
    # number), even where the rollup keeps the times in whole-hour buckets. Week of 9 March: 1, 2.4, 3.6 and
    # 7 h (the middle two in different hours: 3.0); week of 16 March: 3.8, 3.9 and 10 h (the middle one the
    # second of its hour: 3.9); the whole range: 3.8 (the second of the three times of hour 3).
    world = make_world()
    for hours in (1, 2.4, 3.6, 7):
        answer_after(time_machine, world, f"Cara {hours}", ENDS, timedelta(hours=hours))
    for hours in (3.8, 3.9, 10):
        answer_after(time_machine, world, f"Dan {hours}", ENDS + timedelta(days=7), timedelta(hours=hours))
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)

    report = time_to_answer(scope, now=datetime(2026, 3, 23, tzinfo=UTC))

    expected = (
        [["Week of 9 Mar 2026", "4", "3.0", "0", "—"], ["Week of 16 Mar 2026", "3", "3.9", "0", "—"]],
        ["Whole range", "7", "3.8", "0", "—"],
    )
    assert table(report, "time-to-answer") == expected
    # Rita's desk alone (every answer is hers): the desk's histogram and times give the same medians.
    desk = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON, recruiter=world.rita)
    assert table(time_to_answer(desk, now=datetime(2026, 3, 23, tzinfo=UTC)), "time-to-answer") == expected


def test_time_to_answer_median_is_exact_to_the_second(time_machine):
    # 2 h 56 min 58 s and 2 h 57 min 4 s: the median, 2 h 57 min 1 s (2.9503 h), shows as 3.0 h; the same
    # times cut to the minute (2 h 56 min and 2 h 57 min) would show 2.9 h.
    world = make_world()
    for seconds in (2 * 3600 + 56 * 60 + 58, 2 * 3600 + 57 * 60 + 4):
        answer_after(time_machine, world, f"Cara {seconds}", ENDS, timedelta(seconds=seconds))
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 15), zone=LONDON)

    report = time_to_answer(scope, now=datetime(2026, 3, 16, tzinfo=UTC))

    assert table(report, "time-to-answer")[1] == ["Whole range", "2", "3.0", "0", "—"]


@pytest.mark.parametrize("period", [Period.WEEK, Period.MONTH])
def test_time_to_answer_over_whole_weeks_and_months_with_days_at_both_edges(time_machine, reading, period):
    # Read from the rollup, a range's whole weeks (months) come from the rows summed per week (month) and
    # the days before the first and after the last from the daily rows: the same figures as the records,
    # an answer on an edge day counted once, one before the range not at all.
    world = make_world()
    answer_after(time_machine, world, "Ann", datetime(2026, 2, 23, 15, tzinfo=UTC), timedelta(hours=2))
    answer_after(time_machine, world, "Bo", datetime(2026, 2, 26, 15, tzinfo=UTC), timedelta(hours=3))
    answer_after(time_machine, world, "Cy", datetime(2026, 3, 11, 15, tzinfo=UTC), timedelta(hours=5))
    answer_after(time_machine, world, "Di", datetime(2026, 4, 2, 15, tzinfo=UTC), timedelta(hours=7))
    # Hannah never gives feedback: her escalations fall on days at the edges and inside.
    run_worker(time_machine, datetime(2026, 4, 3, 20, tzinfo=UTC))
    scope = Scope(start=date(2026, 2, 25), end=date(2026, 4, 3), zone=LONDON, period=period)

    report = time_to_answer(scope, now=datetime(2026, 4, 3, 21, tzinfo=UTC))

    rows, total = table(report, "time-to-answer")
    answered = [(row[0], row[1], row[2]) for row in rows if row[1] != "0"]
    if period == Period.MONTH:
        assert answered == [("Feb 2026", "1", "3.0"), ("Mar 2026", "1", "5.0"), ("Apr 2026", "1", "7.0")]
    else:
        assert answered == [
            ("Week of 23 Feb 2026", "1", "3.0"),
            ("Week of 9 Mar 2026", "1", "5.0"),
            ("Week of 30 Mar 2026", "1", "7.0"),
        ]
    assert total[:3] == ["Whole range", "3", "5.0"]
    managers, _ = table(report, "managers")
    assert [row[0][0] for row in managers] == ["Hannah Manager"]
    assert int(managers[0][5]) >= 3
    if reading == "rollup":
        assert DailyFigure.objects.filter(grain=DailyFigure.Grain.WEEK).exists()
        assert DailyFigure.objects.filter(grain=DailyFigure.Grain.MONTH).exists()
