"""Report 4: the candidate experience score (cNPS) from the optional question on the feedback form."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.followups.models import Feedback
from candidly.followups.responses import Answers, record_response
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.reports.scope import Period, Scope
from tests.reports.reading import experience
from tests.reports.support import attended, book, candidate, make_world, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reading")]

LONDON = zoneinfo.ZoneInfo("Europe/London")
ENDS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
THREE = {"enjoyment": 4, "difference": "no", "excitement": "yes"}


def texts(report, slug):
    found = report.table(slug)
    return [[cell.text for cell in row] for row in found.rows], [cell.text for cell in found.total or []]


def scores_given(time_machine, scores):
    """One interview per (recruiter, score, comment, hours after the end), each answered through the form's
    service."""
    world = make_world()
    time_machine.move_to(ENDS - timedelta(hours=6), tick=False)
    rows = []
    for index, (who, score, comment, hours) in enumerate(scores):
        recruiter = getattr(world, who)
        sub = submit(candidate(recruiter, f"Cand {index}"), world.role, recruiter)
        rows.append((sub, book(sub, recruiter, ENDS - timedelta(hours=1)), score, comment, hours))
    time_machine.move_to(ENDS + timedelta(minutes=5), tick=False)
    for _, interview, *_ in rows:
        attended(interview, world.rita, ENDS + timedelta(minutes=5))
    for sub, interview, score, comment, hours in sorted(rows, key=lambda row: row[4]):
        moment = ENDS + timedelta(hours=hours)
        time_machine.move_to(moment, tick=False)
        record_response(
            person=sub.candidate,
            interview=interview,
            channel=Feedback.Channel.FORM,
            received_at=moment,
            answers=Answers(**THREE, recommend=score, recommend_comment=comment),
        )
    return world, rows


def test_experience_cnps_per_period_and_per_recruiter_with_comments(time_machine):
    world, rows = scores_given(
        time_machine,
        [
            ("rita", 10, "Kept me posted all along.", 1),
            ("rita", 9, "", 2),
            ("rita", 3, "Nobody told me the role had changed.", 3),
            ("omar", 7, "", 4),
            ("omar", None, "", 5),  # skipped the question: not an answer
        ],
    )
    users = {user.pk: user for user in (world.ada, world.omar, world.rita)}
    scope = Scope(start=date(2026, 3, 9), end=date(2026, 3, 22), zone=LONDON)

    report = experience(scope, now=ENDS + timedelta(days=1), users=users)

    assert texts(report, "cnps") == (
        [
            ["Week of 9 Mar 2026", "4", "2", "1", "1", "25"],
            ["Week of 16 Mar 2026", "0", "0", "0", "0", "—"],
        ],
        ["Whole range", "4", "2", "1", "1", "25"],
    )
    assert texts(report, "recruiters") == (
        [
            [str(world.omar), "1", "0", "1", "0", "0"],
            [str(world.rita), "3", "2", "0", "1", "33"],
        ],
        ["All recruiters", "4", "2", "1", "1", "25"],
    )
    comments = report.table("comments")
    assert [[cell.text for cell in row] for row in comments.rows] == [
        [
            "10 Mar 2026",
            "3",
            "Round 1, Backend Engineer at Acme Robotics",
            "Nobody told me the role had changed.",
        ],
        ["10 Mar 2026", "10", "Round 1, Backend Engineer at Acme Robotics", "Kept me posted all along."],
    ]
    assert comments.rows[0][2].url == reverse("hiring:interview-detail", args=[rows[2][1].pk])
    assert report.headline == ["cNPS 25 from 4 answers (2 promoters, 1 detractors)."]


def test_experience_of_an_empty_period(time_machine):
    world, _ = scores_given(time_machine, [("rita", 10, "", 1)])
    scope = Scope(start=date(2026, 1, 1), end=date(2026, 2, 28), zone=LONDON, period=Period.MONTH)

    report = experience(scope, now=ENDS, users={world.rita.pk: world.rita})

    assert texts(report, "cnps") == (
        [["Jan 2026", "0", "0", "0", "0", "—"], ["Feb 2026", "0", "0", "0", "0", "—"]],
        ["Whole range", "0", "0", "0", "0", "—"],
    )
    assert texts(report, "recruiters") == ([], ["All recruiters", "0", "0", "0", "0", "—"])
    assert report.headline == ["No candidate answered the recommendation question in this range."]


def test_experience_counts_an_answer_in_its_local_month_across_the_dst_change(time_machine):
    # Answered at 23:30 UTC on Tuesday 31 March 2026: 00:30 on 1 April in London (BST).
    world = make_world()
    time_machine.move_to(datetime(2026, 3, 31, 9, tzinfo=UTC), tick=False)
    sub = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    interview = book(sub, world.rita, datetime(2026, 3, 31, 14, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 3, 31, 15, 10, tzinfo=UTC), tick=False)
    attended(interview, world.rita, datetime(2026, 3, 31, 15, 10, tzinfo=UTC))
    moment = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    time_machine.move_to(moment, tick=False)
    record_response(
        person=sub.candidate,
        interview=interview,
        channel=Feedback.Channel.FORM,
        received_at=moment,
        answers=Answers(**THREE, recommend=6),
    )
    scope = Scope(start=date(2026, 3, 1), end=date(2026, 4, 30), zone=LONDON, period=Period.MONTH)

    report = experience(scope, now=moment, users={world.rita.pk: world.rita})

    assert texts(report, "cnps")[0] == [
        ["Mar 2026", "0", "0", "0", "0", "—"],
        ["Apr 2026", "1", "0", "0", "1", "-100"],
    ]


def test_feedback_form_recommend_question_is_optional_and_saved_with_its_comment(time_machine):
    world, _ = scores_given(time_machine, [])
    sub = submit(candidate(world.rita, "Ann"), world.role, world.rita)
    interview = book(sub, world.rita, ENDS + timedelta(days=1))
    url = f"/l/feedback/{issue_link(Link.Purpose.FEEDBACK, candidate=sub.candidate, interview=interview)}/"
    answers = {"enjoyment": "4", "difference": "no", "excitement": "yes"}

    page = Client().get(url).content.decode()
    without = Client().post(url, answers)
    first = Feedback.objects.get()
    with_score = Client().post(url, {**answers, "recommend": "0", "recommend_comment": " Too slow. "})

    assert "<legend>How likely are you to recommend working with us to a friend?</legend>" in page
    assert (without.status_code, first.recommend_score, first.recommend_comment) == (200, None, "")
    feedback = Feedback.objects.get()
    assert (with_score.status_code, feedback.recommend_score, feedback.recommend_comment) == (
        200,
        0,
        "Too slow.",
    )
