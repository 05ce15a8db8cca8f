"""Today's and the interview list's "mine" read the responsible recruiter stored on each submission
(``Submission.responsible``, issue 11): it follows every change of the rule's three inputs (the submission's
recruiter, else the candidate's, else the role's), so the desk a recruiter sees is the rule's.
Through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from candidly.hiring.models import Submission
from tests.factories import CandidateFactory, InterviewFactory, RoleFactory, SubmissionFactory, UserFactory
from tests.hiring.test_roles import role_form
from tests.people.test_views_candidates import form_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _todays(client: Client) -> list[int]:
    with time_machine.travel(NOW, tick=False):
        response = client.get("/")
    assert response.status_code == 200
    return [interview.pk for interview in response.context["interviews"]]


def _interview(submission: Submission, minutes: int = 0):
    start = NOW + timedelta(hours=3, minutes=minutes)
    return InterviewFactory(submission=submission, starts_at=start, ends_at=start + timedelta(hours=1))


@pytest.fixture
def desks():
    users = [UserFactory(username=name, time_zone="UTC") for name in ("ann", "bob", "cyd")]
    return users


def test_a_new_submission_is_on_its_own_recruiters_desk_else_the_candidates_else_the_roles(desks):
    ann, bob, cyd = desks
    own = _interview(SubmissionFactory(recruiter=ann, candidate=CandidateFactory(recruiter=bob)), 0)
    candidates = _interview(SubmissionFactory(recruiter=None, candidate=CandidateFactory(recruiter=bob)), 5)
    roles = _interview(
        SubmissionFactory(
            recruiter=None, candidate=CandidateFactory(recruiter=None), role=RoleFactory(recruiter=cyd)
        ),
        10,
    )
    nobodys = _interview(
        SubmissionFactory(
            recruiter=None, candidate=CandidateFactory(recruiter=None), role=RoleFactory(recruiter=None)
        ),
        15,
    )

    assert _todays(_client(ann)) == [own.pk, nobodys.pk]
    assert _todays(_client(bob)) == [candidates.pk, nobodys.pk]
    assert _todays(_client(cyd)) == [roles.pk, nobodys.pk]
    assert {s.pk: s.responsible_id for s in Submission.objects.all()} == {
        s.pk: (s.responsible_recruiter.pk if s.responsible_recruiter else None)
        for s in Submission.objects.all()
    }


def test_a_submission_made_on_the_page_is_on_the_candidates_recruiters_desk(desks):
    ann, bob, _ = desks
    candidate, role = CandidateFactory(recruiter=bob), RoleFactory(recruiter=ann)

    response = _client(ann).post("/submissions/new/", {"candidate": candidate.pk, "role": role.pk})

    assert response.status_code == 302
    submission = Submission.objects.get(candidate=candidate, role=role)
    interview = _interview(submission)
    assert _todays(_client(bob)) == [interview.pk]
    assert _todays(_client(ann)) == []


def test_changing_the_candidates_recruiter_moves_the_processes_without_their_own(desks):
    ann, bob, cyd = desks
    candidate = CandidateFactory(recruiter=ann)
    followed = _interview(
        SubmissionFactory(candidate=candidate, recruiter=None, role=RoleFactory(recruiter=cyd)), 0
    )
    kept = _interview(SubmissionFactory(candidate=candidate, recruiter=cyd), 5)
    assert _todays(_client(ann)) == [followed.pk]

    response = _client(ann).post(f"/candidates/{candidate.pk}/edit/", form_data(candidate, recruiter=bob.pk))

    assert response.status_code == 302
    assert _todays(_client(ann)) == []
    assert _todays(_client(bob)) == [followed.pk]
    assert _todays(_client(cyd)) == [kept.pk]

    # No recruiter for the candidate any more: the role's recruiter takes the process over.
    candidate.refresh_from_db()
    _client(ann).post(f"/candidates/{candidate.pk}/edit/", form_data(candidate, recruiter=""))
    assert _todays(_client(cyd)) == [followed.pk, kept.pk] and _todays(_client(bob)) == []


def test_changing_the_roles_recruiter_moves_only_the_processes_nobody_else_has(desks):
    ann, bob, cyd = desks
    role = RoleFactory(recruiter=ann, title="Data Engineer")
    orphan = _interview(
        SubmissionFactory(role=role, recruiter=None, candidate=CandidateFactory(recruiter=None)), 0
    )
    candidates = _interview(
        SubmissionFactory(role=role, recruiter=None, candidate=CandidateFactory(recruiter=cyd)), 5
    )
    assert _todays(_client(ann)) == [orphan.pk]

    response = _client(ann).post(
        f"/roles/{role.pk}/edit/", role_form(role.company, role.hiring_manager, recruiter=bob.pk)
    )

    assert response.status_code == 302
    assert _todays(_client(ann)) == []
    assert _todays(_client(bob)) == [orphan.pk]
    assert _todays(_client(cyd)) == [candidates.pk]
    # Nobody at all: the process shows on every desk (work never drops off).
    _client(ann).post(f"/roles/{role.pk}/edit/", role_form(role.company, role.hiring_manager, recruiter=""))
    assert _todays(_client(ann)) == [orphan.pk] and _todays(_client(bob)) == [orphan.pk]


def test_the_interview_lists_mine_reads_the_same_desk(desks):
    ann, bob, _ = desks
    candidate = CandidateFactory(recruiter=ann)
    interview = _interview(SubmissionFactory(candidate=candidate, recruiter=None))
    _client(ann).post(f"/candidates/{candidate.pk}/edit/", form_data(candidate, recruiter=bob.pk))

    with time_machine.travel(NOW, tick=False):
        anns = _client(ann).get("/interviews/", {"who": "mine"})
        bobs = _client(bob).get("/interviews/", {"who": "mine"})

    assert list(anns.context["page"]) == [] and list(bobs.context["page"]) == [interview]
