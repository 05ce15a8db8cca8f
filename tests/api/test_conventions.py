"""The API's conventions: keys and scopes, problem details, cursor pages, idempotent POSTs, ETags, the rate
limit, bounded queries, E.164 phones and ISO 8601 times."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidly.accounts.api_keys import hash_key, revoke_api_key
from candidly.accounts.models import ApiKey
from candidly.people.models import Candidate, Company
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from tests.api_client import ApiClient
from tests.factories import CandidateFactory, CompanyFactory, InterviewFactory


def test_a_read_key_cannot_write(reader):
    response = reader.post("/companies", {"name": "Acme"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 403
    assert not Company.objects.exists()
    assert reader.get("/companies").status_code == 200


def test_a_revoked_key_gets_401(api, api_user):
    key = ApiKey.objects.get(name="ATS sync")
    assert api.get("/companies").status_code == 200

    revoke_api_key(key, actor=None, now=timezone.now())

    response = api.get("/companies")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["title"] == "Not authenticated"


def test_no_key_or_a_wrong_key_gets_401(api):
    assert api.client.get("/api/v1/companies").status_code == 401
    assert ApiClient("cand_nothing_like_a_key").get("/companies").status_code == 401


def test_create_api_key_command_prints_the_key_once_and_stores_only_its_hash(api_user):
    out, err = StringIO(), StringIO()

    call_command("create_api_key", "--user", "sync", "--scopes", "read,write", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert raw.startswith(f"cand_{key.prefix}_")
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert key.scope_set == {"read", "write"}
    assert ApiClient(raw).post("/companies", {"name": "Acme"}).status_code == 201
    assert Event.objects.filter(kind=EventKind.API_KEY_CREATED).count() == 1
    with pytest.raises(CommandError):
        call_command("create_api_key", "--user", "sync", "--scopes", "admin", stdout=out, stderr=err)


def test_admin_makes_a_key_on_the_page_sees_it_once_and_revokes_it(admin_client_, api_user):
    response = admin_client_.post(
        "/settings/api-keys/", {"name": "ATS", "username": "sync", "scopes": "read"}
    )

    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert raw not in admin_client_.get("/settings/api-keys/").content.decode()
    assert ApiClient(raw).get("/companies").status_code == 200
    key = ApiKey.objects.get(name="ATS")
    assert admin_client_.post(f"/settings/api-keys/{key.pk}/revoke/").status_code == 302
    assert ApiClient(raw).get("/companies").status_code == 401
    kinds = list(
        Event.objects.filter(kind__startswith="api_key.").values_list("kind", "actor_user__username")
    )
    assert sorted(kinds) == [(EventKind.API_KEY_CREATED, "ada"), (EventKind.API_KEY_REVOKED, "ada")]


def test_recruiters_cannot_manage_keys(recruiter_client):
    assert recruiter_client.get("/settings/api-keys/").status_code == 403


def test_lists_page_with_a_cursor_and_filter_by_updated_since(api):
    companies = [CompanyFactory(name=f"Company {n:02}") for n in range(5)]
    seen, cursor = [], None
    for _ in range(3):
        page = api.get("/companies", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [company.pk for company in companies] and cursor is None

    later = timezone.now() + timedelta(seconds=1)
    Company.objects.filter(pk=companies[3].pk).update(updated_at=later + timedelta(seconds=1))
    recent = api.get("/companies", {"updated_since": later.isoformat()}).json()
    assert [item["id"] for item in recent["items"]] == [companies[3].pk]
    assert api.get("/companies", {"updated_since": "2026-01-01T10:00:00"}).status_code == 422  # no offset
    assert api.get("/companies", {"cursor": "garbage"}).status_code == 422


@pytest.mark.parametrize(
    "path", ["/companies", "/candidates", "/interviews", "/submissions", "/roles", "/tasks"]
)
def test_lists_run_the_same_queries_whatever_their_size(api, path, time_machine):
    # One minute, frozen: the key's first request of a minute also opens its rate-limit window.
    time_machine.move_to(timezone.now(), tick=False)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path, {"limit": 100}).status_code == 200
        return len(queries)

    InterviewFactory()
    CandidateFactory()
    count()
    small = count()
    for _ in range(8):
        InterviewFactory()
        CandidateFactory()
    assert count() == small


def test_idempotency_key_replays_the_first_response(api):
    first = api.post("/companies", {"name": "Acme"}, headers={"Idempotency-Key": "abc-1"})
    again = api.post("/companies", {"name": "Acme"}, headers={"Idempotency-Key": "abc-1"})

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Company.objects.count() == 1
    other = api.post("/companies", {"name": "Other"}, headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # Without a key, a repeat is a second request (here refused as a duplicate, with a field error).
    duplicate = api.post("/companies", {"name": "Acme"})
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "name"


def test_updates_honour_if_match(api):
    company = CompanyFactory(name="Acme")
    read = api.get(f"/companies/{company.pk}")
    etag = read["ETag"]

    stale = api.patch(f"/companies/{company.pk}", {"notes": "x"}, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    fresh = api.patch(f"/companies/{company.pk}", {"notes": "Big client"}, headers={"If-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    again = api.patch(f"/companies/{company.pk}", {"notes": "y"}, headers={"If-Match": etag})
    assert again.status_code == 412
    company.refresh_from_db()
    assert company.notes == "Big client"
    event = Event.objects.get(kind=EventKind.COMPANY_UPDATED)
    assert event.actor_user.username == "sync"


def test_rate_limit_answers_429_with_retry_after(api, settings, time_machine):
    time_machine.move_to(timezone.now().replace(second=20, microsecond=0), tick=False)  # all in one minute
    settings.CANDIDLY_API_RATE_LIMIT = 3
    codes = [api.get("/companies").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    limited = api.get("/companies")
    assert limited["Retry-After"] == "41"
    assert limited["Content-Type"] == "application/problem+json"
    time_machine.shift(41)
    assert api.get("/companies").status_code == 200  # a new minute


def test_phones_are_stored_and_shown_in_e164(api):
    response = api.post(
        "/candidates",
        {"name": "Cara", "email": "Cara@Mail.test", "phone": "+1 (415) 555-0123", "preferred_channel": "sms"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+14155550123"
    assert response.json()["email"] == "cara@mail.test"
    bad = api.post("/candidates", {"name": "Dan", "email": "dan@mail.test", "phone": "12"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    no_phone = api.post("/candidates", {"name": "Eve", "email": "eve@mail.test", "preferred_channel": "sms"})
    assert no_phone.status_code == 422
    assert Candidate.objects.count() == 1


def test_times_are_iso_8601_with_an_offset(api):
    company = CompanyFactory()
    created = api.get(f"/companies/{company.pk}").json()["created_at"]
    assert created.endswith("Z") or created[-6] in "+-"


def test_a_candidates_timeline_newest_first(api):
    created = api.post("/candidates", {"name": "Cara", "email": "cara@mail.test"}).json()
    api.patch(f"/candidates/{created['id']}", {"locations": "Leeds"})

    events = api.get(f"/candidates/{created['id']}/events").json()["items"]

    assert [e["kind"] for e in events] == [EventKind.CANDIDATE_UPDATED, EventKind.CANDIDATE_CREATED]
    assert {e["actor_user_id"] for e in events} == {ApiKey.objects.get(name="ATS sync").user_id}
