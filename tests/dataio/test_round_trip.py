"""The demo agency's people, exported with "Download CSV" and imported into an empty database, come back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from candidly.accounts.models import User
from candidly.people.models import Candidate, Company, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.dataio.support import confirm, latest_batch, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def people_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    candidates = Candidate.objects.select_related("recruiter").prefetch_related("role_tags").order_by("email")
    return {
        "companies": list(
            Company.objects.order_by("name").values_list("name", "website", "country", "time_zone", "notes")
        ),
        "contacts": list(
            Contact.objects.order_by("company__name", "email").values_list(
                "company__name", "name", "title", "email", "phone", "time_zone", "is_hiring_manager"
            )
        ),
        "candidates": [
            (
                c.name,
                c.email,
                c.phone,
                c.time_zone,
                c.country,
                c.preferred_channel,
                c.recruiter.username if c.recruiter else None,
                sorted(tag.name for tag in c.role_tags.all()),
                c.locations,
                c.remote,
                c.min_compensation,
                c.currency,
                c.notes,
                c.consent_at is not None,
                c.unsubscribed_at is not None,
            )
            for c in candidates
        ],
    }


def export(client: Client, name: str) -> bytes:
    response = client.get(reverse(f"dataio:{name}-export"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_demo_people_exported_then_imported_into_an_empty_database_are_recreated():
    with transaction.atomic():
        call_command("load_demo", allow_non_sqlite=True, stdout=io.StringIO())
        demo = User.objects.get(username="demo")
        client = Client()
        client.force_login(demo)
        files = {name: export(client, name) for name in ("company", "contact", "candidate")}
        expected = people_snapshot()
        users = list(User.objects.values("username", "first_name", "last_name", "email", "role"))
        transaction.set_rollback(True)  # back to an empty database, as a fresh install
    assert (
        Company.objects.count(),
        Contact.objects.count(),
        Candidate.objects.count(),
        User.objects.count(),
    ) == (
        0,
        0,
        0,
        0,
    )
    assert len(expected["candidates"]) == 150
    # Users are not imported: the agency's recruiters have accounts first, with the same usernames.
    for user in users:
        UserFactory(**user)
    importer = UserFactory(username="importer", role=User.Role.ADMIN, is_staff=True)
    client = Client()
    client.force_login(importer)

    for kind, name in (("companies", "company"), ("contacts", "contact"), ("candidates", "candidate")):
        upload(client, kind, files[name], name=f"{kind}.csv")
        batch = latest_batch()
        assert batch.summary == {"create": len(expected[kind]), "update": 0, "skip": 0, "error": 0}, [
            (entry["reason"], entry["values"]) for entry in batch.rows if entry["reason"]
        ][:5]
        confirm(client, batch)

    assert people_snapshot() == expected
    assert Event.objects.filter(kind=EventKind.CANDIDATE_CREATED, actor_user=importer).count() == 150
    # Importing the same files again changes nothing: every row is already like this.
    upload(client, "candidates", files["candidate"])
    assert latest_batch().summary == {"create": 0, "update": 0, "skip": 150, "error": 0}
