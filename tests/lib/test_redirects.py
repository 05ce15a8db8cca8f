"""``next`` after a one-click action (lib.redirects.safe_next), through the "Attended" button of an interview.

Found by the bad-input sweep (tests/test_bad_input.py): ``next=null`` was a 500 (``redirect()`` took it for
a view name), and a line break in it could not go into the Location header.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InterviewFactory


@pytest.fixture
def ended_interview(db):
    now = timezone.now()
    return InterviewFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2))


@pytest.mark.parametrize(
    "target",
    [
        "null",
        "candidates",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/candidates/\nLocation: https://evil.example/",
        "/candidates/\x00",
        "/candidates/ 1",
        "/" + "x" * 2000,
        "",
    ],
    ids=[
        "word",
        "relative",
        "other-host",
        "scheme-relative",
        "backslash",
        "newline",
        "nul",
        "space",
        "long",
        "empty",
    ],
)
def test_interview_outcome_with_a_next_that_is_no_page_of_ours_goes_back_to_the_interview(
    recruiter_client, ended_interview, target
):
    url = reverse("hiring:interview-outcome", args=[ended_interview.pk])

    response = recruiter_client.post(url, {"outcome": "completed", "next": target})

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("hiring:interview-detail", args=[ended_interview.pk]),
    )


def test_interview_outcome_with_a_path_of_ours_goes_there(recruiter_client, ended_interview):
    url = reverse("hiring:interview-outcome", args=[ended_interview.pk])

    response = recruiter_client.post(url, {"outcome": "completed", "next": "/candidates/?q=cara&page=2"})

    assert (response.status_code, response["Location"]) == (302, "/candidates/?q=cara&page=2")
