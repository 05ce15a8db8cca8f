from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from candidly.hiring.models import Interview, Submission
from candidly.hiring.services.interviews import update_interview
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import ContactFactory, InterviewFactory, SubmissionFactory


def interview_form(**overrides):
    data = {
        "date": "2025-01-15",
        "start_time": "10:00",
        "end_time": "11:00",
        "time_zone": "America/New_York",
        "format": Interview.Format.VIDEO,
        "video_url": "https://meet.example.com/abc",
        "address": "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        ("2025-01-15", datetime(2025, 1, 15, 15, 0, tzinfo=UTC)),
        ("2025-07-15", datetime(2025, 7, 15, 14, 0, tzinfo=UTC)),
    ],
)
def test_interview_create_stores_new_york_ten_oclock_in_utc(recruiter_client, day, utc_start):
    submission = SubmissionFactory(stage=Submission.Stage.INTERVIEWING)

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        interview_form(date=day, start_time="10:00", end_time="11:00"),
    )

    interview = Interview.objects.get()
    assert response.url == f"/interviews/{interview.pk}/"
    assert (interview.starts_at, interview.ends_at, interview.time_zone) == (
        utc_start,
        utc_start + timedelta(hours=1),
        "America/New_York",
    )


@pytest.mark.django_db
def test_interview_create_rejects_a_time_skipped_by_dst(recruiter_client):
    submission = SubmissionFactory()

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        interview_form(date="2025-03-09", start_time="02:30", end_time="03:30"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "start_time": [
            "02:30 does not exist on 9 March 2025 in America/New_York: the clocks skip it. "
            "Pick a time outside the change."
        ]
    }
    assert Interview.objects.count() == 0


@pytest.mark.django_db
def test_interview_create_ambiguous_time_takes_first_occurrence_and_says_so(recruiter_client):
    submission = SubmissionFactory()

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        interview_form(date="2025-11-02", start_time="01:30", end_time="02:30"),
        follow=True,
    )

    interview = Interview.objects.get()
    # 01:30 EDT (UTC−4) is the first of the two 01:30s; 02:30 that day exists only once, in EST.  # noqa: RUF003
    assert (interview.starts_at, interview.ends_at) == (
        datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
        datetime(2025, 11, 2, 7, 30, tzinfo=UTC),
    )
    assert [str(message) for message in response.context["messages"]] == [
        "Interview round 1 booked.",
        "01:30 happens twice on 2 November 2025 in America/New_York (the clocks go back); "
        "Candidly used the first one, 01:30 EDT (UTC−04:00).",  # noqa: RUF001
    ]


@pytest.mark.django_db
def test_interview_create_rejects_end_before_start_and_keeps_what_was_typed(recruiter_client):
    submission = SubmissionFactory()

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        interview_form(
            date="2025-02-03",
            start_time="10:00",
            end_time="09:15",
            time_zone="Asia/Kolkata",
            notes="Bring the portfolio",
        ),
    )

    assert response.context["form"].errors == {"end_time": ["The interview must end after it starts."]}
    page = response.content.decode()
    assert 'value="2025-02-03"' in page
    assert 'value="10:00"' in page
    assert 'value="09:15"' in page
    assert '<option value="Asia/Kolkata" selected>' in page
    assert "Bring the portfolio" in page
    assert Interview.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"format": "video", "video_url": ""}, {"video_url": ["A video interview needs a link."]}),
        ({"format": "onsite", "address": " "}, {"address": ["An on-site interview needs an address."]}),
        (
            {"time_zone": "Mars/Olympus"},
            {"time_zone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]},
        ),
    ],
)
def test_interview_create_rejects_incomplete_logistics(recruiter_client, overrides, errors):
    submission = SubmissionFactory()

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/", interview_form(**overrides)
    )

    assert response.context["form"].errors == errors
    assert Interview.objects.count() == 0


@pytest.mark.django_db
def test_interview_create_only_offers_contacts_of_the_roles_company(recruiter_client):
    submission = SubmissionFactory()
    colleague = ContactFactory(company=submission.role.company, name="Ines Interviewer")
    stranger = ContactFactory(name="Sam Stranger")

    page = recruiter_client.get(f"/submissions/{submission.pk}/interviews/new/")
    response = recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        interview_form(interviewers=[colleague.pk, stranger.pk]),
    )

    assert list(page.context["form"].fields["interviewers"].queryset) == sorted(
        [colleague, submission.role.hiring_manager], key=lambda contact: contact.name
    )
    assert list(response.context["form"].errors) == ["interviewers"]
    assert Interview.objects.count() == 0


@pytest.mark.django_db
def test_interview_create_defaults_the_zone_to_the_candidates(recruiter_client):
    submission = SubmissionFactory(candidate__time_zone="Australia/Sydney")

    response = recruiter_client.get(f"/submissions/{submission.pk}/interviews/new/")

    assert response.context["form"]["time_zone"].value() == "Australia/Sydney"


@pytest.mark.django_db
def test_interview_create_moves_submitted_to_interviewing_with_events(recruiter, recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.SUBMITTED)
    interviewer = ContactFactory(company=submission.role.company)

    recruiter_client.post(
        f"/submissions/{submission.pk}/interviews/new/", interview_form(interviewers=[interviewer.pk])
    )

    interview = Interview.objects.get()
    submission.refresh_from_db()
    assert submission.stage == Submission.Stage.INTERVIEWING
    assert (interview.round, interview.created_by, list(interview.interviewers.all())) == (
        1,
        recruiter,
        [interviewer],
    )
    assert list(
        Event.objects.order_by("id").values_list("kind", "actor_user", "interview", "submission")
    ) == [
        ("interview.scheduled", recruiter.pk, interview.pk, submission.pk),
        ("submission.stage_changed", recruiter.pk, None, submission.pk),
    ]
    assert Event.objects.order_by("id").first().summary == (
        "Interview round 1 booked for Wed 15 Jan 2025 10:00 EST (America/New_York)"
    )


@pytest.mark.django_db
def test_interview_create_numbers_rounds(recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.INTERVIEWING)
    InterviewFactory(submission=submission, round=1)

    recruiter_client.post(f"/submissions/{submission.pk}/interviews/new/", interview_form())

    assert list(submission.interviews.order_by("round").values_list("round", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_interview_create_refused_for_an_ended_submission(recruiter_client):
    submission = SubmissionFactory(
        stage=Submission.Stage.REJECTED,
        ended_at=datetime(2025, 1, 1, tzinfo=UTC),
        end_reason="company_declined",
    )

    response = recruiter_client.post(f"/submissions/{submission.pk}/interviews/new/", interview_form())

    assert response.context["form"].non_field_errors() == [
        "This submission ended (rejected); re-open it before booking an interview."
    ]
    assert Interview.objects.count() == 0


@pytest.mark.django_db
def test_interview_edit_shows_times_in_the_arranged_zone(recruiter_client):
    interview = InterviewFactory(
        starts_at=datetime(2025, 7, 15, 14, 0, tzinfo=UTC),
        ends_at=datetime(2025, 7, 15, 15, 30, tzinfo=UTC),
        time_zone="America/New_York",
    )

    response = recruiter_client.get(f"/interviews/{interview.pk}/edit/")

    form = response.context["form"]
    assert [form[name].value() for name in ("date", "start_time", "end_time", "time_zone")] == [
        datetime(2025, 7, 15).date(),
        datetime(2025, 7, 15, 10, 0).time(),
        datetime(2025, 7, 15, 11, 30).time(),
        "America/New_York",
    ]


@pytest.mark.django_db
def test_interview_edit_new_time_bumps_sequence_and_records_reschedule(recruiter, recruiter_client):
    interview = InterviewFactory(
        starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 15, 16, 0, tzinfo=UTC),
        time_zone="America/New_York",
        video_url="https://meet.example.com/abc",
    )

    response = recruiter_client.post(
        f"/interviews/{interview.pk}/edit/",
        interview_form(date="2025-01-16", start_time="10:00", end_time="11:00", status="scheduled"),
    )

    assert response.url == f"/interviews/{interview.pk}/"
    interview.refresh_from_db()
    assert (interview.starts_at, interview.sequence) == (datetime(2025, 1, 16, 15, 0, tzinfo=UTC), 1)
    event = Event.objects.get()
    assert (event.kind, event.actor_user, event.interview, event.data["changed"]) == (
        "interview.rescheduled",
        recruiter,
        interview,
        ["starts_at", "ends_at"],
    )
    assert event.summary == "Interview round 1 moved to Thu 16 Jan 2025 10:00 EST (America/New_York)"


@pytest.mark.django_db
def test_interview_edit_notes_only_keeps_the_invite_version(recruiter, recruiter_client):
    interview = InterviewFactory(
        starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 15, 16, 0, tzinfo=UTC),
        time_zone="America/New_York",
        video_url="https://meet.example.com/abc",
    )

    recruiter_client.post(f"/interviews/{interview.pk}/edit/", interview_form(notes="Ask about the move"))

    interview.refresh_from_db()
    assert (interview.notes, interview.sequence) == ("Ask about the move", 0)
    assert list(Event.objects.values_list("kind", "actor_user", "summary")) == [
        ("interview.updated", recruiter.pk, "Interview round 1 changed (notes)")
    ]


@pytest.mark.django_db
def test_interview_edit_cannot_set_the_status(recruiter_client):
    # Outcomes and cancellations have their own buttons: each writes the Event the reliability record counts.
    interview = InterviewFactory(
        starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 15, 16, 0, tzinfo=UTC),
        time_zone="America/New_York",
        video_url="https://meet.example.com/abc",
    )

    page = recruiter_client.get(f"/interviews/{interview.pk}/edit/")
    recruiter_client.post(f"/interviews/{interview.pk}/edit/", interview_form(status="no_show"))

    interview.refresh_from_db()
    assert "status" not in page.context["form"].fields
    assert (interview.status, Event.objects.count()) == ("scheduled", 0)


@pytest.mark.django_db
def test_update_interview_service_refuses_a_status_change(recruiter):
    interview = InterviewFactory()

    with pytest.raises(TypeError, match="status"):
        update_interview(interview, changes={"status": "completed"}, actor=recruiter)

    interview.refresh_from_db()
    assert interview.status == "scheduled"


@pytest.mark.django_db
def test_interview_edit_rejects_bad_input_and_changes_nothing(recruiter_client):
    interview = InterviewFactory(
        starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC), ends_at=datetime(2025, 1, 15, 16, 0, tzinfo=UTC)
    )

    response = recruiter_client.post(
        f"/interviews/{interview.pk}/edit/",
        interview_form(start_time="12:00", end_time="12:00", format="onsite", status="scheduled"),
    )

    assert response.context["form"].errors == {
        "end_time": ["The interview must end after it starts."],
        "address": ["An on-site interview needs an address."],
    }
    interview.refresh_from_db()
    assert (interview.starts_at, interview.format, interview.sequence) == (
        datetime(2025, 1, 15, 15, 0, tzinfo=UTC),
        "video",
        0,
    )
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_interview_detail_shows_viewer_and_candidate_local_times(recruiter_client):
    interview = InterviewFactory(
        starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 15, 16, 0, tzinfo=UTC),
        submission__candidate__time_zone="America/New_York",
    )

    response = recruiter_client.get(f"/interviews/{interview.pk}/")

    page = response.content.decode()
    # The recruiter fixture lives in Europe/London.
    assert "Wednesday 15 January 2025, 15:00–16:00 GMT (Europe/London)" in page  # noqa: RUF001
    assert "Wednesday 15 January 2025, 10:00–11:00 EST (America/New_York)" in page  # noqa: RUF001


@pytest.mark.django_db
def test_interview_list_shows_upcoming_by_default_and_past_on_request(recruiter_client):
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    old = InterviewFactory(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1))
    older = InterviewFactory(starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=5, hours=-1))
    running = InterviewFactory(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=30))
    later = InterviewFactory(starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1))

    with time_machine.travel(now, tick=False):
        upcoming = recruiter_client.get("/interviews/")
        past = recruiter_client.get("/interviews/", {"when": "past"})

    assert list(upcoming.context["page"].object_list) == [running, later]
    assert list(past.context["page"].object_list) == [old, older]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_interview_list_runs_constant_queries(recruiter_client, django_assert_num_queries, rows):
    for interview in InterviewFactory.create_batch(rows):
        interview.interviewers.set([interview.submission.role.hiring_manager])

    # session, user, one page of interviews with people, their interviewers
    with django_assert_num_queries(4 + BANNER_QUERIES):
        response = recruiter_client.get("/interviews/")

    assert len(response.context["page"].object_list) == rows
