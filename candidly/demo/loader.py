"""Write the demo agency into the database, once, in one transaction."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from candidly.accounts.models import AgencySettings, User
from candidly.demo.contact import RECENT_BOOKING
from candidly.demo.generator import DEMO_SEED, DEMO_USERNAME, DemoAgency, build_demo_agency
from candidly.followups.interview_plan import plan_interview_touchpoints
from candidly.followups.models import CadenceRun, Feedback, Task, Touchpoint
from candidly.followups.services import idempotency_key_for
from candidly.hiring.models import Interview, Role, RoleSuggestion, Submission, refresh_responsible
from candidly.hiring.services.pool_figures import refresh_pool_figures
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.models import Event

DEMO_PASSWORD = "demo"


class DemoNotAllowed(Exception):
    """The database is not the embedded SQLite one and the caller did not explicitly allow it."""


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo_agency`` did: ``status`` is ``loaded``, ``already_loaded`` or ``not_empty``."""

    status: str
    counts: dict[str, int]


def demo_counts() -> dict[str, int]:
    """Counts of the demo agency's rows as they are in the database now (for the summary)."""
    demo = User.objects.filter(username=DEMO_USERNAME).first()
    zone = zoneinfo.ZoneInfo(demo.time_zone if demo else "UTC")
    today_start = timezone.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    # Same-zone aware arithmetic is wall-clock: this is the next local midnight, even across DST.
    today_end = today_start + timedelta(days=1)
    return {
        "recruiters": User.objects.count(),
        "companies": Company.objects.count(),
        "hiring managers": Contact.objects.filter(is_hiring_manager=True).count(),
        "interviewers": Contact.objects.filter(is_hiring_manager=False).count(),
        "roles": Role.objects.count(),
        "candidates": Candidate.objects.count(),
        "candidate time zones": Candidate.objects.values("time_zone").distinct().count(),
        "submissions": Submission.objects.count(),
        "open submissions": Submission.objects.filter(stage__in=Submission.OPEN_STAGES).count(),
        "interviews": Interview.objects.count(),
        "interviews today": Interview.objects.filter(
            starts_at__gte=today_start, starts_at__lt=today_end
        ).count(),
        "interviews ahead": Interview.objects.filter(starts_at__gt=timezone.now()).count(),
        "timeline events": Event.objects.count(),
        "planned messages": Touchpoint.objects.filter(status=Touchpoint.Status.PLANNED).count(),
    }


def load_demo_agency(
    *,
    now: datetime | None = None,
    seed: int = DEMO_SEED,
    if_empty: bool = False,
    allow_non_sqlite: bool = False,
) -> DemoSummary:
    """Create the demo agency (3 recruiters, 8 companies, 150 candidates, 220 live submissions and half a year
    of history…) unless present.

    Idempotent: the ``demo`` user marks a loaded demo, and a second call changes nothing
    (``already_loaded``). With ``if_empty`` nothing is loaded into a database that has any user
    (``not_empty``). Raises ``DemoNotAllowed`` on a database other than SQLite unless ``allow_non_sqlite``,
    so the well-known demo/demo login never reaches a production PostgreSQL by accident. Everything is
    written in one transaction: an error (e.g. a company name already taken) leaves nothing behind.
    """
    if connection.vendor != "sqlite" and not allow_non_sqlite:
        raise DemoNotAllowed(
            f"Refusing to load the demo agency (with the login demo/demo) into a {connection.vendor} "
            "database: the demo is meant for the embedded SQLite database. "
            "Pass --allow-non-sqlite if this really is a throwaway database."
        )
    with transaction.atomic():
        if User.objects.filter(username=DEMO_USERNAME).exists():
            return DemoSummary("already_loaded", demo_counts())
        if if_empty and User.objects.exists():
            return DemoSummary("not_empty", demo_counts())
        now = now or timezone.now()
        agency = build_demo_agency(now=now, seed=seed)
        save_demo_agency(agency)
        plan_demo_touchpoints(agency, now=now)
    return DemoSummary("loaded", demo_counts())


def plan_demo_touchpoints(agency: DemoAgency, *, now: datetime) -> list[Touchpoint]:
    """Plan the upcoming interviews' confirmations and reminders through the real planner, as booking them
    would have, so the worker ``make run`` starts has work and the demo inbox fills as the hours pass.

    Only what is still ahead: reminders whose moment has passed are not planned, and a confirmation only
    for interviews booked within ``RECENT_BOOKING``. Returns the touchpoints planned.
    """
    settings_row = AgencySettings.load()
    planned: list[Touchpoint] = []
    for interview in agency.interviews:
        if interview.is_upcoming and interview.starts_at > now:
            planned += plan_interview_touchpoints(
                interview,
                now=now,
                confirmation=interview.created_at >= now - RECENT_BOOKING,
                agency=settings_row,
            )
    return planned


def _insert_keeping_times(model: type[models.Model], rows: list[Any], *, fields: tuple[str, ...]) -> None:
    """``bulk_create`` stamps ``auto_now(_add)`` fields with the wall clock; put the generated history back.

    One ``executemany`` UPDATE: ``bulk_update`` builds a CASE expression per row and is ten times slower.
    """
    stamps = [[getattr(row, name) for name in fields] for row in rows]
    model._default_manager.bulk_create(rows)
    meta = model._meta
    quote = connection.ops.quote_name
    by_name = {field.name: field for field in meta.concrete_fields}
    columns = [by_name[name] for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [column.get_db_prep_value(value, connection) for column, value in zip(columns, values, strict=True)]
        + [row.pk]
        for row, values in zip(rows, stamps, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for row, values in zip(rows, stamps, strict=True):
        for name, value in zip(fields, values, strict=True):
            setattr(row, name, value)


def save_demo_agency(agency: DemoAgency) -> None:
    """Insert the generated rows in dependency order with bulk operations (a few dozen queries)."""
    for user in agency.recruiters:
        if user.username == DEMO_USERNAME:
            user.set_password(DEMO_PASSWORD)
        else:
            # Colleagues exist to populate the pages; only the demo login is meant to be used.
            user.set_unusable_password()
    User.objects.bulk_create(agency.recruiters)

    # Tags are shared vocabulary: reuse any that already exist.
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=[tag.name for tag in agency.tags])}
    Tag.objects.bulk_create([tag for tag in agency.tags if tag.name not in existing])
    for tag in agency.tags:
        if tag.name in existing:
            tag.pk = existing[tag.name].pk

    stamped = ("created_at", "updated_at")
    _insert_keeping_times(Company, agency.companies, fields=stamped)
    _insert_keeping_times(Contact, agency.contacts, fields=stamped)
    _insert_keeping_times(Role, agency.roles, fields=stamped)
    Role.tags.through.objects.bulk_create(
        [Role.tags.through(role=role, tag=tag) for role, tag in agency.role_tags]
    )
    _insert_keeping_times(Candidate, agency.candidates, fields=stamped)
    Candidate.role_tags.through.objects.bulk_create(
        [
            Candidate.role_tags.through(candidate=candidate, tag=tag)
            for candidate, tag in agency.candidate_tags
        ]
    )
    _insert_keeping_times(Submission, agency.submissions, fields=stamped)
    # bulk_create sends no post_save: store each submission's responsible recruiter as its saves would.
    refresh_responsible(Submission.objects.all())
    _insert_keeping_times(Interview, agency.interviews, fields=stamped)
    Interview.interviewers.through.objects.bulk_create(
        [Interview.interviewers.through(interview=i, contact=c) for i, c in agency.interviewers]
    )
    for run in agency.cadence_runs:
        # The mark hiring.services.submissions.move_submission keeps: the history ended many processes.
        run.process_open = run.interview.submission.is_open
    CadenceRun.objects.bulk_create(agency.cadence_runs, batch_size=500)
    Feedback.objects.bulk_create(agency.feedback, batch_size=500)
    RoleSuggestion.objects.bulk_create(agency.suggestions, batch_size=500)
    _insert_keeping_times(Task, agency.tasks, fields=("created_at",))
    for touchpoint in agency.touchpoints:
        assert touchpoint.candidate is not None
        touchpoint.idempotency_key = idempotency_key_for(
            person=touchpoint.candidate,
            kind=touchpoint.kind,
            step=touchpoint.step,
            interview=touchpoint.interview,
            submission=touchpoint.submission,
        )
    _insert_keeping_times(Touchpoint, agency.touchpoints, fields=("created_at", "updated_at"))
    for touchpoint, event in agency.sent_events:
        event.data["touchpoint"] = touchpoint.pk
    # Events are append-only; bulk_create inserts without the save() guard, which only forbids updates.
    Event.objects.bulk_create(agency.events, batch_size=500)
    # Inserted in bulk, past the services that keep the talent pool's copies: computed once for all.
    refresh_pool_figures([candidate.pk for candidate in agency.candidates])
