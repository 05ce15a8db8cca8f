"""Factories for the domain model. Defaults are valid rows; tests override what they are about."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from candidly.accounts.models import User
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.people.models import Candidate, Company, Contact, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"recruiter{n}")
    first_name = factory.Sequence(lambda n: f"Rita{n}")
    last_name = "Recruiter"
    email = factory.LazyAttribute(lambda u: f"{u.username}@agency.test")
    role = User.Role.RECRUITER
    phone = "+442079460958"
    time_zone = "Europe/London"
    password = factory.django.Password("correct horse battery staple")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"tag-{n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Acme {n}")
    country = "GB"
    time_zone = "Europe/London"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Hannah Manager {n}")
    email = factory.Sequence(lambda n: f"manager{n}@client.test")
    time_zone = "Europe/London"
    is_hiring_manager = True


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    name = factory.Sequence(lambda n: f"Cara Candidate {n}")
    email = factory.Sequence(lambda n: f"candidate{n}@mail.test")
    phone = "+14155550123"
    time_zone = "America/New_York"
    preferred_channel = Candidate.Channel.PHONE
    recruiter = factory.SubFactory(UserFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    company = factory.SubFactory(CompanyFactory)
    hiring_manager = factory.SubFactory(ContactFactory, company=factory.SelfAttribute("..company"))
    title = factory.Sequence(lambda n: f"Backend Engineer {n}")
    location = "London"
    compensation_min = 60000
    compensation_max = 80000


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    candidate = factory.SubFactory(CandidateFactory)
    role = factory.SubFactory(RoleFactory)
    recruiter = factory.SelfAttribute("candidate.recruiter")
    stage = Submission.Stage.INTERVIEWING

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Submission:
        # Written past the services, like a loader: keep the talent pool's copies on the candidate right.
        submission = super()._create(model_class, *args, **kwargs)
        refresh_pool_figures([submission.candidate_id])
        return submission


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    submission = factory.SubFactory(SubmissionFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda i: i.starts_at + timedelta(hours=1))
    time_zone = "Europe/London"
    format = Interview.Format.VIDEO
    video_url = "https://meet.example.com/abc-defg-hij"
