"""Django admin shows submissions and interviews but never changes them: statuses go through services."""

from __future__ import annotations

from candidly.hiring.models import Interview, Submission
from candidly.timeline.models import Event
from tests.factories import InterviewFactory, SubmissionFactory


def test_interview_admin_post_of_a_changed_status_is_refused_and_changes_nothing(admin_client_):
    interview = InterviewFactory()
    data = {
        "submission": str(interview.submission_id),
        "round": str(interview.round),
        "status": Interview.Status.COMPLETED,
    }

    response = admin_client_.post(f"/admin/hiring/interview/{interview.pk}/change/", data)

    assert response.status_code == 403
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED
    assert list(Event.objects.values_list("kind", flat=True)) == []


def test_submission_admin_post_of_a_changed_stage_is_refused_and_changes_nothing(admin_client_):
    submission = SubmissionFactory()
    data = {
        "candidate": str(submission.candidate_id),
        "role": str(submission.role_id),
        "stage": Submission.Stage.PLACED,
    }

    response = admin_client_.post(f"/admin/hiring/submission/{submission.pk}/change/", data)

    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.stage == Submission.Stage.INTERVIEWING


def test_interview_admin_shows_the_list_and_the_row_to_an_admin(admin_client_):
    interview = InterviewFactory()

    changelist = admin_client_.get("/admin/hiring/interview/")
    view = admin_client_.get(f"/admin/hiring/interview/{interview.pk}/change/")

    assert (changelist.status_code, view.status_code) == (200, 200)
    assert list(changelist.context["cl"].result_list) == [interview]
    assert (view.context["has_change_permission"], view.context["has_delete_permission"]) == (False, False)


def test_interview_admin_refuses_add_and_delete(admin_client_):
    interview = InterviewFactory()

    add = admin_client_.post("/admin/hiring/interview/add/", {"status": Interview.Status.SCHEDULED})
    delete = admin_client_.post(f"/admin/hiring/interview/{interview.pk}/delete/", {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert list(Interview.objects.values_list("pk", flat=True)) == [interview.pk]


def test_submission_admin_refuses_add_and_delete(admin_client_):
    submission = SubmissionFactory()

    add = admin_client_.get("/admin/hiring/submission/add/")
    delete = admin_client_.post(f"/admin/hiring/submission/{submission.pk}/delete/", {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert list(Submission.objects.values_list("pk", flat=True)) == [submission.pk]


def test_submission_admin_list_answers_an_admin(admin_client_):
    submission = SubmissionFactory()

    response = admin_client_.get("/admin/hiring/submission/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [submission]
