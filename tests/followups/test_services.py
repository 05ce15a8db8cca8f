from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Touchpoint
from candidly.followups.services import plan_touchpoint, retry_delay
from tests.factories import ContactFactory, InterviewFactory
from tests.followups.support import in_threads, plan_email, postgres_only


def test_plan_touchpoint_twice_creates_one_row(interview, clock):
    candidate = interview.submission.candidate

    first, first_created = plan_touchpoint(
        person=candidate, kind="follow-up-email", channel="email", due_at=clock.now, interview=interview
    )
    second, second_created = plan_touchpoint(
        person=candidate,
        kind="follow-up-email",
        channel="email",
        due_at=clock.now + timedelta(days=1),
        interview=interview,
    )

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert list(Touchpoint.objects.values_list("pk", "due_at")) == [(first.pk, clock.now)]


def test_plan_touchpoint_key_names_person_interview_kind_and_step(interview, clock):
    candidate = interview.submission.candidate

    touchpoint, _ = plan_touchpoint(
        person=candidate, kind="nudge", channel="email", due_at=clock.now, interview=interview, step=2
    )

    touchpoint.refresh_from_db()
    assert touchpoint.idempotency_key == f"candidate:{candidate.pk}:interview:{interview.pk}:nudge:2"
    assert (touchpoint.candidate, touchpoint.contact) == (candidate, None)
    assert (touchpoint.interview, touchpoint.submission) == (interview, interview.submission)
    assert (touchpoint.status, touchpoint.attempts) == (Touchpoint.Status.PLANNED, 0)


def test_plan_touchpoint_other_step_person_or_interview_is_another_row(interview, clock):
    candidate = interview.submission.candidate
    manager = interview.submission.role.hiring_manager
    later_round = InterviewFactory(submission=interview.submission, round=2)

    keys = [
        plan_touchpoint(
            person=candidate, kind="nudge", channel="email", due_at=clock.now, interview=interview
        )[0],
        plan_touchpoint(
            person=candidate, kind="nudge", channel="email", due_at=clock.now, interview=interview, step=1
        )[0],
        plan_touchpoint(person=manager, kind="nudge", channel="email", due_at=clock.now, interview=interview)[
            0
        ],
        plan_touchpoint(
            person=candidate, kind="nudge", channel="email", due_at=clock.now, interview=later_round
        )[0],
        plan_touchpoint(
            person=candidate, kind="nudge", channel="email", due_at=clock.now, submission=interview.submission
        )[0],
    ]

    assert [tp.idempotency_key for tp in keys] == [
        f"candidate:{candidate.pk}:interview:{interview.pk}:nudge:0",
        f"candidate:{candidate.pk}:interview:{interview.pk}:nudge:1",
        f"contact:{manager.pk}:interview:{interview.pk}:nudge:0",
        f"candidate:{candidate.pk}:interview:{later_round.pk}:nudge:0",
        f"candidate:{candidate.pk}:submission:{interview.submission.pk}:nudge:0",
    ]
    assert Touchpoint.objects.count() == 5


def test_plan_touchpoint_refuses_a_person_who_is_not_candidate_or_contact(interview, clock):
    with pytest.raises(TypeError):
        plan_touchpoint(
            person=interview.submission.recruiter, kind="nudge", channel="email", due_at=clock.now
        )

    assert Touchpoint.objects.count() == 0


@postgres_only
def test_plan_touchpoint_racing_planners_create_one_row(clock):
    interviews = [InterviewFactory() for _ in range(10)]

    for interview in interviews:
        barrier = threading.Barrier(2)

        def plan(interview=interview, barrier=barrier):
            barrier.wait()
            touchpoint, created = plan_email_row(interview, clock.now)
            return touchpoint.pk, created

        first, second = in_threads(plan, plan)

        assert first[0] == second[0]
        assert sorted([first[1], second[1]]) == [False, True]
    assert Touchpoint.objects.count() == 10


def plan_email_row(interview, due_at):
    return plan_touchpoint(
        person=interview.submission.candidate,
        kind="follow-up-email",
        channel="email",
        due_at=due_at,
        interview=interview,
        respects_business_hours=False,
    )


def test_plan_touchpoint_moves_a_night_due_time_to_the_recipients_morning(interview):
    # 02:00 UTC on Tuesday is 22:00 on Monday in New York: the email waits for 09:00 there (13:00 UTC).
    night = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    touchpoint = plan_email(interview, due_at=night)

    touchpoint.refresh_from_db()
    assert touchpoint.due_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def test_plan_touchpoint_without_business_hours_keeps_the_due_time(interview):
    night = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    touchpoint = plan_email(interview, due_at=night, kind="interview-reminder", respects_business_hours=False)

    touchpoint.refresh_from_db()
    assert touchpoint.due_at == night
    assert touchpoint.respects_business_hours is False


def test_plan_touchpoint_for_a_contact_uses_the_contacts_zone(interview):
    # 23:00 UTC on Tuesday: evening in London, so the hiring manager gets it at 09:00 London on Wednesday.
    manager = ContactFactory(company=interview.submission.role.company, time_zone="Europe/London")

    touchpoint, _ = plan_touchpoint(
        person=manager,
        kind="feedback-request",
        channel="email",
        due_at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
        interview=interview,
    )

    touchpoint.refresh_from_db()
    assert touchpoint.due_at == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def test_retry_delay_doubles_from_one_minute_and_is_capped_at_an_hour():
    delays = [retry_delay(attempt) for attempt in range(1, 10)]

    assert [int(delay.total_seconds() // 60) for delay in delays] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_plan_touchpoint_skips_the_contacts_public_holiday_when_the_agency_counts_holidays(interview):
    # Monday 4 May 2026 is a bank holiday in England: the hiring manager hears from us on Tuesday 09:00 BST.
    agency = AgencySettings.load()
    agency.use_public_holidays = True
    agency.save()
    manager = ContactFactory(company=interview.submission.role.company, time_zone="Europe/London")
    assert manager.company.country == "GB"

    touchpoint, _ = plan_touchpoint(
        person=manager,
        kind="feedback-request",
        channel="email",
        due_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        interview=interview,
    )

    touchpoint.refresh_from_db()
    assert touchpoint.due_at == datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
