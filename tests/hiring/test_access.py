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
