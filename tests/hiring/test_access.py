import pytest
from django.test import Client

from candidly.hiring.models import Submission
from candidly.timeline.models import Event
from tests.factories import InterviewFactory


@pytest.mark.django_db
def test_hiring_pages_send_anonymous_visitors_to_login():
    interview = InterviewFactory()
    submission, role = interview.submission, interview.submission.role
    paths = [
        "/",
        "/roles/",
        "/roles/new/",
        f"/roles/{role.pk}/",
        f"/roles/{role.pk}/edit/",
        "/submissions/",
        "/submissions/new/",
        f"/submissions/{submission.pk}/",
        f"/submissions/{submission.pk}/interviews/new/",
        "/interviews/",
        f"/interviews/{interview.pk}/",
        f"/interviews/{interview.pk}/edit/",
        f"/interviews/{interview.pk}/cancel/",
        f"/interviews/{interview.pk}/invite.ics",
        f"/candidates/{submission.candidate_id}/events/",
    ]

    responses = {path: Client().get(path) for path in paths}

    assert {path: (r.status_code, r.url) for path, r in responses.items()} == {
        path: (302, f"/accounts/login/?next={path}") for path in paths
    }


@pytest.mark.django_db
def test_anonymous_stage_move_changes_nothing():
    submission = InterviewFactory().submission

    response = Client().post(
        f"/submissions/{submission.pk}/stage/", {"stage": "withdrawn", "reason": "personal"}
    )

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    submission.refresh_from_db()
    assert submission.stage == Submission.Stage.INTERVIEWING
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_interview_actions_change_nothing():
    interview = InterviewFactory()
    actions = {
        f"/interviews/{interview.pk}/confirm/": {},
        f"/interviews/{interview.pk}/cancel/": {"reason_kind": "reschedule"},
        f"/interviews/{interview.pk}/outcome/": {"outcome": "no_show"},
    }

    responses = {path: Client().post(path, data) for path, data in actions.items()}

    assert {path: r.url for path, r in responses.items()} == {
        path: f"/accounts/login/?next={path}" for path in actions
    }
    interview.refresh_from_db()
    assert (interview.status, interview.sequence, Event.objects.count()) == ("scheduled", 0, 0)
