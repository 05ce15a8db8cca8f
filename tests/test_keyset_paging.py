"""Lists page with cursors (lib.paging): "More" and "Previous" walk the whole list once each way, rows with
the same sort values are neither repeated nor skipped, a broken cursor shows the first page, and a row
removed between two clicks loses nothing. Through HTTP, as a recruiter sees them."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.hiring.models import Submission
from candidly.people.models import Candidate
from tests.factories import CandidateFactory, CompanyFactory, RoleFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(body: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)" rel="{rel}"', body)
    return match.group(1).replace("&amp;", "&") if match else None


def _walk(client: Client, path: str, start: str = "") -> tuple[list[list[int]], list[list[int]]]:
    """Every page following "More" from ``start``, then every page following "Previous" back."""
    forward, backward = [], []
    url = path + start
    while True:
        response = client.get(url)
        assert response.status_code == 200, url
        forward.append([row.pk for row in response.context["page"]])
        following = _link(response.content.decode(), "next")
        if not following:
            break
        url = path + following
    while True:
        previous = _link(response.content.decode(), "prev")
        if not previous:
            break
        response = client.get(path + previous)
        backward.append([row.pk for row in response.context["page"]])
    return forward, backward


def test_more_and_previous_walk_every_row_once_even_when_names_tie():
    rita = UserFactory(username="rita")
    # 120 candidates, 70 of them called the same: the page boundaries fall inside the ties.
    for i in range(120):
        CandidateFactory(name="Sam Same" if i % 12 < 7 else f"Person {i:03d}", recruiter=rita)
    expected = list(Candidate.objects.order_by("name", "pk").values_list("pk", flat=True))

    forward, backward = _walk(_client(rita), "/candidates/")

    assert [len(page) for page in forward] == [50, 50, 20]
    assert [pk for page in forward for pk in page] == expected
    assert backward == [forward[1], forward[0]]


def test_descending_lists_page_by_cursor_too():
    rita = UserFactory(username="rita")
    role = RoleFactory(company=CompanyFactory(name="Acme"), recruiter=rita)
    made = [SubmissionFactory(role=role, recruiter=rita) for _ in range(75)]
    # Newest first, 40 of them made in the same instant.
    Submission.objects.filter(pk__in=[s.pk for s in made[10:50]]).update(created_at=timezone.now())
    expected = list(Submission.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))

    forward, backward = _walk(_client(rita), "/submissions/")

    assert [len(page) for page in forward] == [50, 25]
    assert [pk for page in forward for pk in page] == expected
    assert backward == [forward[0]]


@pytest.mark.parametrize(
    "cursor",
    [
        "?after=not-a-cursor",
        "?after=eyJwIjowfQ",  # {"p":0}: no keys
        "?before=W10",  # []
        "?after=eyJwIjowLCJrIjpbMSwyXSwibiI6Mn0",  # keys of the wrong width
        "?after=eyJwIjowLCJrIjpbIngiLDk5OTk5OTk5OTk5OTk5OTk5OTk5OTldLCJuIjoyfQ",  # an id beyond bigint
        "?after=eyJwIjo1LCJrIjpbIngiLDFdLCJuIjoyfQ",  # a part the list does not have
        "?after=" + "A" * 3000,
    ],
)
def test_a_broken_cursor_shows_the_first_page(cursor):
    rita = UserFactory(username="rita")
    for i in range(3):
        CandidateFactory(name=f"Person {i}", recruiter=rita)

    response = _client(rita).get("/candidates/" + cursor)

    assert response.status_code == 200
    assert [c.name for c in response.context["page"]] == ["Person 0", "Person 1", "Person 2"]


def test_a_cursor_whose_values_do_not_fit_the_columns_shows_the_first_page():
    rita = UserFactory(username="rita")
    for i in range(3):
        RoleFactory(title=f"Role {i}", recruiter=rita)
    client = _client(rita)
    # The submissions list sorts by creation time: a cursor carrying text where the time goes.
    raw = base64.urlsafe_b64encode(json.dumps({"p": 0, "k": ["yesterday", 1], "n": 2}).encode()).decode()

    response = client.get("/submissions/?after=" + raw.rstrip("="))

    assert response.status_code == 200 and response.context["page"].number == 1


def test_a_row_removed_between_two_clicks_loses_nothing():
    rita = UserFactory(username="rita")
    people = [CandidateFactory(name=f"Person {i:03d}", recruiter=rita) for i in range(60)]
    client = _client(rita)
    first = client.get("/candidates/")
    # The last row of the page (the cursor's row) and the first of the next go before "More" is pressed.
    Candidate.objects.filter(pk__in=[people[49].pk, people[50].pk]).delete()

    second = client.get("/candidates/" + _link(first.content.decode(), "next"))

    assert [c.name for c in second.context["page"]] == [f"Person {i:03d}" for i in range(51, 60)]


def test_the_task_list_pages_the_viewers_tasks_first_then_everyone_elses_each_once():
    rita = UserFactory(username="rita")
    ada = UserFactory(username="ada")
    now = timezone.now()
    for i in range(70):
        candidate = CandidateFactory(name=f"Person {i}", recruiter=rita if i % 3 == 0 else ada)
        create_task(
            kind=Task.Kind.CALL if i % 2 else Task.Kind.UPDATE_CANDIDATE,
            title=f"Task {i}",
            due_at=now - timedelta(hours=i % 5),
            urgent=i % 11 == 0,
            actor=None,
            candidate=candidate,
        )
    mine = set(Task.objects.filter(assigned_to=rita).values_list("pk", flat=True))

    forward, backward = _walk(_client(rita), "/tasks/")

    shown = [pk for page in forward for pk in page]
    assert sorted(shown) == sorted(Task.objects.values_list("pk", flat=True))
    assert set(shown[: len(mine)]) == mine
    assert [len(page) for page in forward] == [50, 20] and backward == [forward[0]]
