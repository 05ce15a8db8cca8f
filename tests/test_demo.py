"""The demo agency: ``manage.py load_demo`` as `make run` uses it."""

from __future__ import annotations

import hashlib
import io
import zoneinfo
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.models import User
from candidly.demo.generator import build_demo_agency
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.people.models import Candidate, Company, Contact
from candidly.timeline.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The tests load on either database; on PostgreSQL the command needs the explicit flag.
ALLOW = {"allow_non_sqlite": True}


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The demo hashes one password; the default PBKDF2 rounds would dominate these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, **options)
    return out.getvalue()


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its rows' values, in primary key order."""
    fingerprint = {}
    for model in apps.get_models(include_auto_created=True):
        columns = [field.attname for field in model._meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        fingerprint[model._meta.db_table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return fingerprint


def test_load_demo_creates_the_demo_agency():
    output = load_demo(**ALLOW)

    demo = User.objects.get(username="demo")
    assert (demo.role, demo.is_staff, demo.get_full_name()) == (User.Role.ADMIN, True, "Dana Whitfield")
    assert demo.check_password("demo")
    assert User.objects.count() == 3
    assert all(user.first_name and user.last_name for user in User.objects.all())
    assert Company.objects.count() == 8
    assert Company.objects.values("time_zone").distinct().count() >= 5
    assert Company.objects.values("country").distinct().count() >= 4
    assert Contact.objects.filter(is_hiring_manager=True).count() == 20
    assert Contact.objects.filter(is_hiring_manager=False).count() >= 3
    assert Role.objects.count() == 25
    assert not Role.objects.filter(tags=None).exists()
    assert Candidate.objects.count() == 150
    assert Candidate.objects.values("time_zone").distinct().count() >= 5
    assert {
        "America/New_York",
        "America/Los_Angeles",
        "Europe/London",
        "Europe/Berlin",
        "Australia/Sydney",
    } <= set(Candidate.objects.values_list("time_zone", flat=True))
    assert set(Candidate.objects.values_list("preferred_channel", flat=True)) == {"phone", "email", "sms"}
    # The live desk (interviews around today) and half a year of ended processes before it (demo.history).
    past = Submission.objects.filter(interviews__ends_at__lt=timezone.now() - timedelta(days=10, hours=12))
    past = past.distinct()
    assert Submission.objects.count() - past.count() == 220
    assert past.count() > 500
    assert set(past.values_list("stage", flat=True)) == {"placed", "rejected", "withdrawn"}
    assert set(Submission.objects.values_list("stage", flat=True)) == set(Submission.Stage.values)
    assert Event.objects.filter(kind="submission.created").count() == Submission.objects.count()
    assert "Demo agency loaded" in output and "demo / demo" in output
    # Every phone is a valid number stored E.164, and no two candidates share one.
    phones = [
        *Candidate.objects.values_list("phone", flat=True),
        *Contact.objects.values_list("phone", flat=True),
        *User.objects.values_list("phone", flat=True),
    ]
    assert len(phones) == 150 + 28 + 3
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    assert len(set(Candidate.objects.values_list("phone", flat=True))) == 150


def test_load_demo_history_is_consistent_with_the_clock():
    now = datetime(2025, 6, 11, 10, 15, tzinfo=UTC)

    with time_machine.travel(now, tick=False):
        load_demo(**ALLOW)

    ended = Submission.objects.filter(stage__in=Submission.ENDED_STAGES)
    assert ended.count() > 50
    assert not ended.filter(end_reason="").exists()
    assert not ended.filter(ended_at=None).exists()
    assert not ended.filter(ended_at__gt=now).exists()
    assert set(ended.filter(stage="placed").values_list("end_reason", flat=True)) == {"hired"}
    assert not Submission.objects.filter(stage__in=Submission.OPEN_STAGES).exclude(end_reason="").exists()
    upcoming = Interview.objects.filter(starts_at__gt=now)
    finished = Interview.objects.filter(ends_at__lte=now)
    assert upcoming.count() > 40
    assert set(upcoming.values_list("status", flat=True)) == {"scheduled", "confirmed"}
    assert set(finished.values_list("status", flat=True)) == {
        "completed",
        "no_show",
        "late_cancellation",
        "cancelled_with_notice",
    }
    # Only live processes have interviews ahead; nothing happened in the future.
    assert set(upcoming.values_list("submission__stage", flat=True)) == {"interviewing"}
    assert Event.objects.filter(kind="interview.scheduled").count() == Interview.objects.count()
    assert not Event.objects.filter(occurred_at__gt=now).exists()
    assert not Candidate.objects.filter(created_at__gt=now).exists()
    # The talent pool's copies on the candidate rows agree with the history loaded in bulk.
    fields = ("pk", "last_ended_stage", "last_open_to_other_roles", "open_processes", "interview_outcomes")
    loaded = list(Candidate.objects.order_by("pk").values_list(*fields))
    refresh_pool_figures(None)
    assert list(Candidate.objects.order_by("pk").values_list(*fields)) == loaded
    assert {row[1] for row in loaded} >= {"", "placed", "rejected", "withdrawn"}
    assert any(row[3] for row in loaded) and any(row[4] for row in loaded)


@pytest.mark.parametrize(
    ("now", "at_least_today"),
    [
        (datetime(2025, 6, 11, 10, 15, tzinfo=UTC), 5),  # a Wednesday morning in London
        # Sunday 23:50 in London, the day clocks went forward: interviews happen on working days only
        # (issue 15), so "today" holds just the ones already on Monday where the company is (Sydney).
        (datetime(2025, 3, 30, 22, 50, tzinfo=UTC), 1),
        (datetime(2025, 11, 3, 0, 5, tzinfo=UTC), 5),  # just after midnight on a Monday in London
    ],
    ids=["weekday", "sunday-night-dst", "monday-midnight"],
)
def test_load_demo_interviews_fall_within_the_window_with_some_today(now, at_least_today):
    with time_machine.travel(now, tick=False):
        load_demo(**ALLOW)

    everything = list(Interview.objects.select_related("submission"))
    # The live desk's interviews are around today; the history's all ended 11 days ago or more, in processes
    # that ended too (demo.history).
    interviews = [i for i in everything if i.ends_at > now - timedelta(days=10, hours=12)]
    past = [i for i in everything if i.ends_at <= now - timedelta(days=10, hours=12)]
    assert all(
        now - timedelta(days=10) <= i.starts_at < i.ends_at <= now + timedelta(days=14) for i in interviews
    )
    assert past and all(i.ends_at <= now - timedelta(days=11) for i in past)
    assert {i.submission.stage for i in past} == {"placed", "rejected", "withdrawn"}
    assert min(i.starts_at for i in interviews) < now - timedelta(days=6)
    assert max(i.starts_at for i in interviews) > now + timedelta(days=10)
    demo = User.objects.get(username="demo")
    today = now.astimezone(zoneinfo.ZoneInfo(demo.time_zone)).date()
    demo_today = [
        i for i in interviews if i.starts_at.astimezone(zoneinfo.ZoneInfo(demo.time_zone)).date() == today
    ]
    assert len([i for i in demo_today if i.submission.recruiter_id == demo.pk]) >= at_least_today
    for interview in everything:
        # Business hours on a working day in the company's zone (and the candidate's: test_demo_interviews).
        zone = zoneinfo.ZoneInfo(interview.time_zone)
        start, end = interview.starts_at.astimezone(zone), interview.ends_at.astimezone(zone)
        assert (start.hour, start.minute) >= (9, 0) and (end.hour, end.minute) <= (18, 0), interview
        assert start.date() == end.date()
        assert start.weekday() < 5, interview


def test_load_demo_twice_changes_nothing():
    load_demo(**ALLOW)
    before = database_fingerprint()

    output = load_demo(**ALLOW)

    assert database_fingerprint() == before
    assert "already loaded" in output


def test_load_demo_if_empty_skips_a_database_with_users():
    UserFactory(username="someone")
    before = database_fingerprint()

    output = load_demo("--if-empty", **ALLOW)

    assert database_fingerprint() == before
    assert "already has users" in output


def test_load_demo_refuses_a_non_sqlite_database_without_the_flag():
    if connection.vendor == "sqlite":
        load_demo()
        assert User.objects.filter(username="demo").exists()
    else:
        with pytest.raises(CommandError, match="--allow-non-sqlite"):
            load_demo()
        assert not User.objects.exists()


def test_build_demo_agency_is_deterministic_for_a_seed_and_a_clock():
    now = datetime(2025, 6, 11, 10, 15, tzinfo=UTC)

    def describe(seed: int) -> dict[str, list[object]]:
        def row(obj: object) -> object:
            if isinstance(obj, tuple):
                return tuple(row(part) for part in obj)
            return [
                str(getattr(obj, f.name)) if f.is_relation else getattr(obj, f.name)
                for f in obj._meta.concrete_fields  # type: ignore[attr-defined]
                if not f.primary_key and f.name != "password"
            ]

        return {
            name: [row(obj) for obj in rows]
            for name, rows in vars(build_demo_agency(now=now, seed=seed)).items()
        }

    first = describe(7)

    assert describe(7) == first
    assert describe(8) != first


def test_demo_login_shows_todays_interviews_on_the_home_page():
    # A working day: the demo books interviews only inside working hours, so a weekend has none today.
    with time_machine.travel(datetime(2025, 6, 11, 10, 15, tzinfo=UTC), tick=True):
        load_demo(**ALLOW)
        client = Client()

        response = client.post(
            reverse("accounts:login"), {"username": "demo", "password": "demo"}, follow=True
        )
        today = datetime.now(zoneinfo.ZoneInfo(User.objects.get(username="demo").time_zone)).date()

    assert response.redirect_chain[-1][0] == reverse("hiring:today")
    page = response.content.decode()
    demo = User.objects.get(username="demo")
    zone = zoneinfo.ZoneInfo(demo.time_zone)
    todays = [
        i.submission.candidate.name
        for i in Interview.objects.select_related("submission__candidate")
        if i.starts_at.astimezone(zone).date() == today and i.submission.recruiter_id == demo.pk
    ]
    assert len(todays) >= 5
    for name in todays:
        assert name.replace("'", "&#x27;") in page
