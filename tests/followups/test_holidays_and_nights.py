"""A candidate's country brings their public holidays; nothing Candidly sends lands at night where they are.

The 2-hour reminder of an early interview goes the evening before, or is folded into the day-before
reminder; cadence steps allowed outside business hours still wait for the morning.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from candidly.accounts.models import AgencySettings
from candidly.followups.cadences import StepChange, load_cadence, update_cadence
from candidly.followups.models import Cadence, Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.lib.businesstime import is_night
from candidly.people.models import Candidate
from tests.factories import UserFactory
from tests.interviews import NEW_YORK, book, configure, local, make_rita, make_submission

Kind = Touchpoint.Kind


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def submission(rita):
    return make_submission(rita)


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def reminders(interview: Interview) -> list[tuple[int, str]]:
    return [
        (tp.step, local(tp.due_at))
        for tp in Touchpoint.objects.filter(interview=interview, kind=Kind.INTERVIEW_REMINDER).order_by(
            "step"
        )
    ]


# --- holidays ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "nudge", "last_call"),
    [
        # Friday 3 July 2026 is Independence Day (observed) in the US.
        ("US", "Mon 06 Jul 15:00 EDT", "Wed 08 Jul 15:00 EDT"),
        ("", "Fri 03 Jul 15:00 EDT", "Tue 07 Jul 15:00 EDT"),
    ],
)
def test_candidate_country_holidays_push_follow_ups_past_their_public_holiday(
    clock, rita, submission, country, nudge, last_call
):
    AgencySettings.objects.update_or_create(id=1, defaults={"use_public_holidays": True})
    Candidate.objects.filter(pk=submission.candidate_id).update(country=country)
    clock.set(ny(2026, 6, 29, 10))
    interview = book(submission, rita, ny(2026, 7, 2, 14))
    clock.set(ny(2026, 7, 2, 15, 30))

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)

    due = {
        tp.kind: local(tp.due_at)
        for tp in Touchpoint.objects.filter(interview=interview, kind__in=[Kind.NUDGE, Kind.LAST_CALL])
    }
    assert due == {Kind.NUDGE: nudge, Kind.LAST_CALL: last_call}


def test_candidate_country_is_saved_from_the_form_and_an_unknown_one_refused(submission, rita):
    candidate = submission.candidate
    client = Client()
    client.force_login(rita)
    form = {
        "name": candidate.name,
        "email": candidate.email,
        "phone": candidate.phone,
        "time_zone": candidate.time_zone,
        "preferred_channel": candidate.preferred_channel,
        "remote": candidate.remote,
        "currency": "EUR",
    }

    unknown = client.post(f"/candidates/{candidate.pk}/edit/", {**form, "country": "XQ"})
    saved = client.post(f"/candidates/{candidate.pk}/edit/", {**form, "country": "us"})

    candidate.refresh_from_db()
    assert unknown.context["form"].errors == {
        "country": ["Unknown country code “XQ” (no public holidays known)."]
    }
    assert saved.status_code == 302
    assert candidate.country == "US"
    assert "America/New_York · US holidays" in client.get(f"/candidates/{candidate.pk}/").content.decode()


def test_unknown_company_country_counts_no_holidays_instead_of_failing(clock, rita, submission):
    # A code phonenumbers knows and the holidays package does not: planning must not fail.
    AgencySettings.objects.update_or_create(id=1, defaults={"use_public_holidays": True})
    company = submission.role.company
    company.country = "AQ"
    company.save(update_fields=["country"])
    clock.set(ny(2026, 3, 9, 10))
    interview = book(submission, rita, ny(2026, 3, 11, 9))
    clock.set(ny(2026, 3, 11, 10, 30))

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)

    assert Touchpoint.objects.filter(interview=interview, kind=Kind.FEEDBACK_REMINDER).count() == 1


# --- nights ------------------------------------------------------------------------------------------------


def test_two_hour_reminder_of_an_eight_oclock_interview_folds_into_the_day_before_one(
    clock, rita, submission
):
    clock.set(ny(2026, 3, 9, 10))  # Monday

    interview = book(submission, rita, ny(2026, 3, 11, 8))  # Wednesday 08:00

    # Tuesday 09:00 reminds her of "tomorrow at 08:00"; 06:00 on Wednesday is night: no second reminder.
    assert reminders(interview) == [(1, "Tue 10 Mar 09:00 EDT")]


def test_two_hour_reminder_of_a_monday_eight_oclock_interview_goes_the_evening_before(
    clock, rita, submission, smtp_sink
):
    clock.set(ny(2026, 3, 12, 10))  # Thursday

    interview = book(submission, rita, ny(2026, 3, 16, 8))  # Monday 08:00
    for moment in (ny(2026, 3, 12, 10), ny(2026, 3, 13, 17, 30), ny(2026, 3, 15, 20, 30)):
        clock.set(moment)
        Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()

    # The day before is a Sunday: Friday's closing, then Sunday evening instead of Monday 06:00.
    assert reminders(interview) == [(1, "Fri 13 Mar 17:30 EDT"), (2, "Sun 15 Mar 20:30 EDT")]
    assert [mail.subject for mail in smtp_sink.received] == [
        "You're booked: Acme Robotics interview, Mon 16 Mar, 08:00",
        "Reminder: your Acme Robotics interview is on Monday 16 March at 08:00",
        "Reminder: your Acme Robotics interview is tomorrow at 08:00",
    ]


def test_no_reminder_lands_at_night_whatever_the_start(clock, rita, submission):
    clock.set(ny(2026, 3, 9, 10))  # Monday
    starts = [ny(2026, 3, 11, 0) + timedelta(minutes=30 * n) for n in range(48)]

    interviews = [book(submission, rita, start, minutes=30) for start in starts]

    due = list(
        Touchpoint.objects.filter(interview__in=interviews, kind=Kind.INTERVIEW_REMINDER).values_list(
            "due_at", "interview__starts_at"
        )
    )
    assert [local(at) for at, _ in due if is_night(at, "America/New_York")] == []
    assert all(at < starts_at for at, starts_at in due)
    # A daytime interview keeps its reminder exactly 2 hours before.
    assert (ny(2026, 3, 11, 12), ny(2026, 3, 11, 14)) in due


def test_cadence_step_outside_business_hours_still_waits_for_the_morning(clock, rita, submission):
    admin = UserFactory(username="ada", role="admin")
    cadence = load_cadence(Cadence.Audience.CANDIDATE)
    update_cadence(
        cadence,
        steps=[StepChange(3, "hours", "email", Kind.FOLLOW_UP_EMAIL, respects_business_hours=False)],
        actor=admin,
    )
    clock.set(ny(2026, 3, 9, 10))
    interview = book(submission, rita, ny(2026, 3, 10, 18))  # ends 19:00: +3 h is 22:00
    clock.set(ny(2026, 3, 10, 19, 30))

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)

    follow_up = Touchpoint.objects.get(interview=interview, kind=Kind.FOLLOW_UP_EMAIL)
    assert (local(follow_up.due_at), follow_up.respects_business_hours) == ("Wed 11 Mar 08:00 EDT", False)


@pytest.mark.parametrize(
    ("moment", "night"),
    [
        (time(20, 59, 59), False),
        (time(21, 0), True),
        (time(7, 59, 59), True),
        (time(8, 0), False),
    ],
)
def test_is_night_boundaries(moment, night):
    at = datetime.combine(datetime(2026, 3, 11).date(), moment, tzinfo=NEW_YORK).astimezone(UTC)

    assert is_night(at, "America/New_York") is night
