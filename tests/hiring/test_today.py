from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from candidly.hiring.models import Interview
from tests.banner import BANNER_QUERIES
from tests.factories import InterviewFactory

# 23:30 on Monday 10 March 2025 in Los Angeles (PDT, UTC−7) is already Tuesday 06:30 in UTC.  # noqa: RUF003
NOW = datetime(2025, 3, 11, 6, 30, tzinfo=UTC)


def interview_at(start, **fields):
    return InterviewFactory(starts_at=start, ends_at=start + timedelta(hours=1), **fields)


@pytest.mark.django_db
def test_today_shows_exactly_the_interviews_of_the_viewers_local_day(recruiter, recruiter_client):
    recruiter.time_zone = "America/Los_Angeles"
    recruiter.save()
    early = interview_at(
        datetime(2025, 3, 10, 7, 15, tzinfo=UTC), status=Interview.Status.COMPLETED
    )  # 00:15 PDT
    late = interview_at(datetime(2025, 3, 11, 5, 0, tzinfo=UTC))  # 22:00 PDT
    interview_at(datetime(2025, 3, 10, 6, 45, tzinfo=UTC))  # 23:45 PDT on the 9th
    interview_at(datetime(2025, 3, 11, 7, 15, tzinfo=UTC))  # 00:15 PDT on the 11th

    with time_machine.travel(NOW, tick=False):
        response = recruiter_client.get("/")

    assert response.context["day"] == datetime(2025, 3, 10).date()
    assert response.context["interviews"] == [early, late]
    page = response.content.decode()
    assert "Today, Monday 10 March" in page
    assert "22:00</time>–<time" in page  # noqa: RUF001
    # The candidate (New York) sees the late one at 01:00 the next morning.
    assert "Candidate: 01:00–02:00 EDT (America/New_York)" in page  # noqa: RUF001
    assert f'href="/candidates/{late.submission.candidate_id}/"' in page
    assert f'href="/companies/{late.submission.role.company_id}/"' in page


@pytest.mark.django_db
def test_today_lists_ended_interviews_nobody_marked(recruiter_client):
    forgotten = interview_at(NOW - timedelta(days=2), status=Interview.Status.CONFIRMED)
    just_ended = interview_at(NOW - timedelta(hours=1))
    interview_at(NOW - timedelta(days=1), status=Interview.Status.COMPLETED)
    interview_at(NOW - timedelta(days=1), status=Interview.Status.NO_SHOW)
    interview_at(NOW - timedelta(minutes=30))  # still going on
    interview_at(NOW + timedelta(hours=3))

    with time_machine.travel(NOW, tick=False):
        response = recruiter_client.get("/")

    assert response.context["unmarked"] == [forgotten, just_ended]
    page = response.content.decode()
    assert f'action="/interviews/{forgotten.pk}/outcome/"' in page
    assert f'action="/interviews/{just_ended.pk}/outcome/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_today_runs_constant_queries(recruiter_client, django_assert_num_queries, rows):
    for minutes in range(rows):
        interview_at(NOW - timedelta(hours=3) + timedelta(minutes=minutes))  # today, over, unmarked

    # session, user, today's interviews, unmarked interviews, the viewer's open tasks, and the follow-ups'
    # five lists (calls, overdue feedback, gone quiet, updates, sending soon; tests/followups/test_today.py)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(10 + BANNER_QUERIES):
        response = recruiter_client.get("/")

    assert (len(response.context["interviews"]), len(response.context["unmarked"])) == (rows, rows)
