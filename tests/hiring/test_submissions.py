from datetime import UTC, datetime

import pytest
import time_machine

from candidly.hiring.models import Role, Submission
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CandidateFactory, InterviewFactory, RoleFactory, SubmissionFactory


def events_of(submission):
    return list(
        Event.objects.filter(submission=submission)
        .order_by("id")
        .values_list("kind", "actor_user", "summary")
    )


@pytest.mark.django_db
def test_submission_create_page_saves_and_writes_event_with_actor(recruiter, recruiter_client):
    candidate = CandidateFactory(name="Cara Jones")
    role = RoleFactory(title="Data Engineer", company__name="Globex")

    response = recruiter_client.post(
        "/submissions/new/", {"candidate": candidate.pk, "role": role.pk, "note": "Strong on Spark."}
    )

    submission = Submission.objects.get()
    assert response.url == f"/submissions/{submission.pk}/"
    assert (submission.candidate, submission.role, submission.stage, submission.recruiter) == (
        candidate,
        role,
        Submission.Stage.SUBMITTED,
        candidate.recruiter,
    )
    assert events_of(submission) == [
        ("submission.created", recruiter.pk, "Submitted to Data Engineer at Globex")
    ]
    event = Event.objects.get()
    assert (event.candidate, event.company, event.data) == (
        candidate,
        role.company,
        {"note": "Strong on Spark."},
    )


@pytest.mark.django_db
def test_submission_create_preselects_candidate_and_role_from_the_query(recruiter_client):
    candidate = CandidateFactory()
    role = RoleFactory()

    response = recruiter_client.get("/submissions/new/", {"candidate": candidate.pk, "role": role.pk})

    form = response.context["form"]
    assert (form["candidate"].value(), form["role"].value()) == (str(candidate.pk), str(role.pk))
    page = response.content.decode()
    assert f'<input type="radio" name="role" value="{role.pk}" checked>' in page
    assert f'<input type="radio" name="candidate" value="{candidate.pk}" checked>' in page


@pytest.mark.django_db
def test_submission_create_rejects_duplicate_open_submission_at_field_level(recruiter_client):
    existing = SubmissionFactory(stage=Submission.Stage.INTERVIEWING, candidate__name="Cara Jones")

    response = recruiter_client.post(
        "/submissions/new/", {"candidate": existing.candidate.pk, "role": existing.role.pk, "note": "again"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "role": ["Cara Jones is already in this role's process (stage: Interviewing)."]
    }
    assert list(Submission.objects.all()) == [existing]
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_submission_create_allowed_again_after_the_first_ended(recruiter_client):
    ended = SubmissionFactory(
        stage=Submission.Stage.REJECTED,
        ended_at=datetime(2025, 1, 1, tzinfo=UTC),
        end_reason="company_declined",
    )

    response = recruiter_client.post(
        "/submissions/new/", {"candidate": ended.candidate.pk, "role": ended.role.pk}
    )

    again = Submission.objects.exclude(pk=ended.pk).get()
    assert response.url == f"/submissions/{again.pk}/"
    assert again.stage == Submission.Stage.SUBMITTED


@pytest.mark.django_db
def test_submission_create_refuses_a_closed_role(recruiter_client):
    candidate = CandidateFactory()
    role = RoleFactory(status=Role.Status.FILLED)

    response = recruiter_client.post("/submissions/new/", {"candidate": candidate.pk, "role": role.pk})

    assert response.context["form"].errors == {"role": ["Choose an open role."]}
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_submission_stage_move_saves_and_writes_event(recruiter, recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.INTERVIEWING)

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/stage/", {"stage": "offer", "reason": "", "note": "Offer on Friday"}
    )

    assert response.url == f"/submissions/{submission.pk}/"
    submission.refresh_from_db()
    assert (submission.stage, submission.ended_at, submission.end_reason) == ("offer", None, "")
    assert events_of(submission) == [
        ("submission.stage_changed", recruiter.pk, "Stage: Interviewing → Offer")
    ]
    assert Event.objects.get().data == {
        "from": "interviewing",
        "to": "offer",
        "reason": "",
        "note": "Offer on Friday",
    }


@pytest.mark.django_db
def test_submission_stage_ending_requires_a_reason(recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.INTERVIEWING)

    response = recruiter_client.post(
        f"/submissions/{submission.pk}/stage/",
        {"stage": "withdrawn", "reason": "", "note": "Took another job"},
    )

    assert response.status_code == 200
    assert response.context["stage_form"].errors == {"reason": ["Say why the process ended."]}
    assert "Took another job" in response.content.decode()
    submission.refresh_from_db()
    assert (submission.stage, submission.ended_at) == ("interviewing", None)
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_submission_stage_ending_sets_ended_at_and_reopening_clears_it(recruiter, recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.INTERVIEWING)
    ended_at = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)

    with time_machine.travel(ended_at, tick=False):
        recruiter_client.post(
            f"/submissions/{submission.pk}/stage/",
            {"stage": "withdrawn", "reason": "other_offer", "note": "Took another job"},
        )
    submission.refresh_from_db()
    assert (submission.stage, submission.end_reason, submission.end_note, submission.ended_at) == (
        "withdrawn",
        "other_offer",
        "Took another job",
        ended_at,
    )

    recruiter_client.post(f"/submissions/{submission.pk}/stage/", {"stage": "interviewing", "reason": ""})

    submission.refresh_from_db()
    assert (submission.stage, submission.end_reason, submission.end_note, submission.ended_at) == (
        "interviewing",
        "",
        "",
        None,
    )
    # Ending through the stage form runs the withdrawal service (its tasks and Events are tested there).
    stage_events = [event for event in events_of(submission) if event[0] == "submission.stage_changed"]
    assert [kind_actor_summary[2] for kind_actor_summary in stage_events] == [
        "Stage: Interviewing → Withdrawn (Accepted another offer)",
        "Stage: Withdrawn → Interviewing",
    ]


@pytest.mark.django_db
def test_submission_stage_reopening_refused_when_another_open_submission_exists(recruiter_client):
    ended = SubmissionFactory(
        stage=Submission.Stage.WITHDRAWN,
        ended_at=datetime(2025, 1, 1, tzinfo=UTC),
        end_reason="personal",
        candidate__name="Cara Jones",
    )
    SubmissionFactory(candidate=ended.candidate, role=ended.role, stage=Submission.Stage.SUBMITTED)

    response = recruiter_client.post(f"/submissions/{ended.pk}/stage/", {"stage": "submitted"})

    assert response.context["stage_form"].errors == {
        "stage": [
            "Cara Jones already has another open submission to this role; "
            "end that one before re-opening this one."
        ]
    }
    ended.refresh_from_db()
    assert ended.stage == "withdrawn"
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_submission_stage_to_interviewing_allowed_while_an_interview_is_booked(recruiter, recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.ON_HOLD)
    InterviewFactory(submission=submission)

    recruiter_client.post(f"/submissions/{submission.pk}/stage/", {"stage": "interviewing"})

    submission.refresh_from_db()
    assert submission.stage == "interviewing"
    assert events_of(submission) == [
        ("submission.stage_changed", recruiter.pk, "Stage: On hold → Interviewing")
    ]


@pytest.mark.django_db
def test_submission_stage_refuses_the_current_stage(recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.OFFER)

    response = recruiter_client.post(f"/submissions/{submission.pk}/stage/", {"stage": "offer"})

    assert response.context["stage_form"].errors == {"stage": ["The submission is already at “Offer”."]}
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_submission_stage_get_is_not_allowed(recruiter_client):
    submission = SubmissionFactory()

    response = recruiter_client.get(f"/submissions/{submission.pk}/stage/")

    assert response.status_code == 405


@pytest.mark.django_db
def test_submission_list_filters_by_stage_and_searches_candidate_and_role(recruiter_client):
    ada = SubmissionFactory(candidate__name="Ada Lovelace", role__title="Analyst", stage="offer")
    SubmissionFactory(candidate__name="Ada Byron", role__title="Analyst", stage="interviewing")
    analyst_role = SubmissionFactory(
        candidate__name="Grace Hopper", role__title="Lead Analyst", stage="offer"
    )
    SubmissionFactory(candidate__name="Alan Turing", role__title="Engineer", stage="offer")

    by_stage_and_name = recruiter_client.get("/submissions/", {"stage": "offer", "q": "ada"})
    by_role = recruiter_client.get("/submissions/", {"stage": "open", "q": "lead analyst"})

    assert list(by_stage_and_name.context["page"].object_list) == [ada]
    assert list(by_role.context["page"].object_list) == [analyst_role]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_submission_list_runs_constant_queries(recruiter_client, django_assert_num_queries, rows):
    SubmissionFactory.create_batch(rows)

    # session, user, one page of submissions with candidate, role and company
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = recruiter_client.get("/submissions/")

    assert len(response.context["page"].object_list) == rows


@pytest.mark.django_db
def test_submission_detail_shows_interviews_and_timeline(recruiter, recruiter_client):
    submission = SubmissionFactory(stage=Submission.Stage.SUBMITTED)
    recruiter_client.post(
        f"/submissions/{submission.pk}/stage/", {"stage": "on_hold", "note": "Budget freeze"}
    )
    recruiter_client.post(f"/submissions/{submission.pk}/stage/", {"stage": "interviewing"})
    interview = InterviewFactory(submission=submission)

    response = recruiter_client.get(f"/submissions/{submission.pk}/")

    assert list(response.context["interviews"]) == [interview]
    assert [event.summary for event in response.context["events"]] == [
        "Stage: On hold → Interviewing",
        "Stage: Submitted → On hold",
    ]
    page = response.content.decode()
    assert "Budget freeze" in page
    assert f'href="/candidates/{submission.candidate_id}/"' in page
    assert f'href="/companies/{submission.role.company_id}/"' in page
