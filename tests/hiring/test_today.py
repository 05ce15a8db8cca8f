from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from candidly.accounts.models import User
from candidly.hiring.models import Interview
from candidly.hiring.views import TODAY_SECTION_SIZE
from tests.banner import BANNER_QUERIES
from tests.factories import InterviewFactory

# 23:30 on Monday 10 March 2025 in Los Angeles (PDT, UTC−7) is already Tuesday 06:30 in UTC.  # noqa: RUF003
NOW = datetime(2025, 3, 11, 6, 30, tzinfo=UTC)


def interview_at(start, **fields):
    # The viewer's work unless a test says otherwise: Today shows the viewer's interviews first.
    fields.setdefault("submission__recruiter", User.objects.get(username="rita"))
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
def test_today_lists_ended_interviews_nobody_marked(recruiter, recruiter_client):
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
def test_today_runs_constant_queries(recruiter, recruiter_client, django_assert_num_queries, rows):
    for minutes in range(rows):
        interview_at(NOW - timedelta(hours=3) + timedelta(minutes=minutes))  # today, over, unmarked

    # session, user, today's interviews, unmarked interviews, the viewer's open tasks, and the follow-ups'
    # five lists (calls, overdue feedback, gone quiet, updates, sending soon; tests/followups/test_today.py)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(10 + BANNER_QUERIES):
        response = recruiter_client.get("/")

    shown = min(rows, TODAY_SECTION_SIZE)
    assert (len(response.context["interviews"]), len(response.context["unmarked"])) == (shown, shown)
    assert (response.context["more_interviews"], response.context["more_unmarked"]) == (rows > 20, rows > 20)


@pytest.mark.django_db
def test_today_shows_the_viewers_interviews_and_an_admin_can_switch_to_the_agency(
    recruiter, recruiter_client, admin_user, admin_client_
):
    start = NOW + timedelta(hours=2)
    ritas = interview_at(start)
    nobodys = interview_at(
        start + timedelta(minutes=5),
        submission__recruiter=None,
        submission__candidate__recruiter=None,
        submission__role__recruiter=None,
    )
    someone_elses = interview_at(start + timedelta(minutes=10), submission__recruiter=admin_user)
    admin_user.time_zone = recruiter.time_zone = "UTC"
    admin_user.save()
    recruiter.save()

    with time_machine.travel(NOW, tick=False):
        rita_mine = recruiter_client.get("/")
        rita_agency = recruiter_client.get("/?who=agency")
        ada_mine = admin_client_.get("/")
        ada_agency = admin_client_.get("/?who=agency")

    assert rita_mine.context["interviews"] == [ritas, nobodys]
    # Only an admin may see the whole agency's desk; a recruiter asking gets their own.
    assert rita_agency.context["interviews"] == [ritas, nobodys]
    assert "Whole agency" not in rita_agency.content.decode()
    assert ada_mine.context["interviews"] == [nobodys, someone_elses]
    assert ada_agency.context["interviews"] == [ritas, nobodys, someone_elses]
    assert '<strong aria-current="page">Whole agency</strong>' in ada_agency.content.decode()
    assert '<a href="/?who=agency">Whole agency</a>' in ada_mine.content.decode()
