"""Erasure reaches the API's saved responses: a create sent with an ``Idempotency-Key`` keeps its response
(the person's name and address) for a day of replays, and erasing the person deletes it."""

from __future__ import annotations

from candidly.accounts.models import ApiIdempotentRequest, User
from candidly.people.models import Candidate
from tests.factories import UserFactory
from tests.privacy.test_pages import client_for


def test_erasing_a_candidate_deletes_the_api_responses_that_show_them(api):
    ada = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True)
    created = api.post(
        "/candidates",
        {"name": "Zed Marker", "email": "zed.marker@mail.test", "phone": "+44 7911 123456"},
        headers={"Idempotency-Key": "create-zed"},
    )
    other = api.post(
        "/candidates",
        {"name": "Una Other", "email": "una@mail.test"},
        headers={"Idempotency-Key": "create-una"},
    )
    assert created.status_code == other.status_code == 201
    assert ApiIdempotentRequest.objects.filter(body__contains="zed.marker@mail.test").count() == 1

    zed = Candidate.objects.get(email="zed.marker@mail.test")
    response = client_for(ada).post(f"/candidates/{zed.pk}/erase/", {"confirm": "Zed Marker"})

    assert response.status_code == 302
    assert not ApiIdempotentRequest.objects.filter(body__contains="zed.marker").exists()
    assert not ApiIdempotentRequest.objects.filter(body__contains="7911123456").exists()
    assert ApiIdempotentRequest.objects.filter(body__contains="una@mail.test").count() == 1
