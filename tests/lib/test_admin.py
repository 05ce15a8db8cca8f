"""ReadOnlyAdmin: every row whose state only a service may change is shown in Django admin, never edited."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Feedback, Touchpoint
from candidly.lib.admin import ReadOnlyAdmin
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link, MessageWording
from candidly.timeline.services import record_event
from tests.factories import InterviewFactory

READ_ONLY_MODELS = [
    "accounts.agencysettings",
    "hiring.interview",
    "hiring.submission",
    "followups.touchpoint",
    "followups.feedback",
    "timeline.event",
    "messaging.link",
    "messaging.messagewording",
]


@pytest.fixture
def one_of_each(db) -> dict[str, int]:
    """One row of every read-only model, keyed like READ_ONLY_MODELS, all about one interview."""
    now = timezone.now()
    interview = InterviewFactory()
    candidate = interview.submission.candidate
    touchpoint = Touchpoint.objects.create(
        candidate=candidate,
        interview=interview,
        kind=Touchpoint.Kind.FOLLOW_UP_EMAIL,
        channel=Touchpoint.Channel.EMAIL,
        idempotency_key="admin-test",
        due_at=now,
    )
    feedback = Feedback.objects.create(
        interview=interview,
        candidate=candidate,
        channel=Feedback.Channel.FORM,
        enjoyment=4,
        created_at=now,
        updated_at=now,
    )
    issue_link(Link.Purpose.FEEDBACK, candidate=candidate, interview=interview)
    event = record_event(kind="test.noted", summary="Noted", interview=interview)
    return {
        "accounts.agencysettings": AgencySettings.load().pk,
        "hiring.interview": interview.pk,
        "hiring.submission": interview.submission_id,
        "followups.touchpoint": touchpoint.pk,
        "followups.feedback": feedback.pk,
        "timeline.event": event.pk,
        "messaging.link": Link.objects.get().pk,
        "messaging.messagewording": MessageWording.objects.create(kind="nudge", subject="Hi", body="Yo").pk,
    }


def test_read_only_admin_covers_exactly_the_rows_services_own():
    read_only = sorted(
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ReadOnlyAdmin)
    )

    assert read_only == sorted(READ_ONLY_MODELS)


@pytest.mark.parametrize("label", READ_ONLY_MODELS)
def test_read_only_admin_list_and_row_answer_an_admin(admin_client_, one_of_each, label):
    url = "/admin/{}/{}/".format(*label.split("."))

    changelist = admin_client_.get(url)
    row = admin_client_.get(f"{url}{one_of_each[label]}/change/")

    assert (changelist.status_code, row.status_code) == (200, 200)
    assert [obj.pk for obj in changelist.context["cl"].result_list] == [one_of_each[label]]
    assert (row.context["has_change_permission"], row.context["has_delete_permission"]) == (False, False)


@pytest.mark.parametrize("label", READ_ONLY_MODELS)
def test_read_only_admin_refuses_add_change_and_delete(admin_client_, one_of_each, label):
    url = "/admin/{}/{}/".format(*label.split("."))
    model = apps.get_model(label)

    add = admin_client_.post(f"{url}add/", {})
    change = admin_client_.post(f"{url}{one_of_each[label]}/change/", {})
    delete = admin_client_.post(f"{url}{one_of_each[label]}/delete/", {"post": "yes"})
    bulk_delete = admin_client_.post(
        url, {"action": "delete_selected", "_selected_action": [one_of_each[label]], "post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    # No "delete selected" action is offered, so the POST only shows the list again.
    assert bulk_delete.status_code == 200
    assert list(model.objects.values_list("pk", flat=True)) == [one_of_each[label]]
