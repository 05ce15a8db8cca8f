from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidly.hiring.models import Submission
from tests.factories import InterviewFactory, SubmissionFactory, UserFactory


@pytest.mark.django_db
def test_interview_must_end_after_it_starts():
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewFactory(starts_at=start, ends_at=start - timedelta(minutes=1))


@pytest.mark.django_db
def test_one_open_submission_per_candidate_and_role():
    first = SubmissionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SubmissionFactory(candidate=first.candidate, role=first.role)


@pytest.mark.django_db
def test_ended_submission_allows_a_new_one_for_the_same_role():
    first = SubmissionFactory(stage=Submission.Stage.WITHDRAWN, ended_at=timezone.now())

    again = SubmissionFactory(candidate=first.candidate, role=first.role)

    assert list(Submission.objects.filter(candidate=first.candidate).order_by("id")) == [first, again]


@pytest.mark.django_db
def test_responsible_recruiter_is_the_submissions_then_the_candidates_then_the_roles():
    ann, bob, cy = UserFactory(username="ann"), UserFactory(username="bob"), UserFactory(username="cy")
    submission = SubmissionFactory(candidate__recruiter=bob, role__recruiter=cy, recruiter=ann)
    chosen = [submission.responsible_recruiter]
    submission.recruiter = None
    chosen.append(submission.responsible_recruiter)
    submission.candidate.recruiter = None
    chosen.append(submission.responsible_recruiter)
    submission.role.recruiter = None
    chosen.append(submission.responsible_recruiter)

    assert chosen == [ann, bob, cy, None]
