"""Arrange and look-up helpers for the data protection tests: a whole process with markers in every field a
person fills, and a search of every text and JSON column of every table for them."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models.functions import Cast

from candidly.accounts.models import User
from candidly.reports import queries
from candidly.reports.scope import Period, Scope

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


def searchable_columns() -> list[tuple[type[models.Model], models.Field]]:
    """Every text, JSON and binary column of every table the app registry knows (Django's own and third
    parties' included), so a model added later is searched without anyone remembering to."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                found.append((model, field))
    return found


def occurrences(marker: str) -> list[str]:
    """``table.column #pk`` for every row holding ``marker`` (case-insensitive) anywhere."""
    hits = []
    needle = marker.lower()
    for model, field in searchable_columns():
        rows = model._base_manager.all()
        where = f"{model._meta.db_table}.{field.column}"
        if isinstance(field, models.BinaryField):
            for pk, value in rows.values_list("pk", field.attname):
                if value is not None and needle.encode() in bytes(value).lower():
                    hits.append(f"{where} #{pk}")
            continue
        if isinstance(field, models.JSONField):
            rows = rows.annotate(_as_text=Cast(field.attname, models.TextField()))
            lookup = "_as_text__icontains"
        else:
            lookup = f"{field.attname}__icontains"
        hits += [f"{where} #{pk}" for pk in rows.filter(**{lookup: marker}).values_list("pk", flat=True)]
    # Session data is signed and encoded: look inside it too.
    for session in Session.objects.all():
        if needle in repr(session.get_decoded()).lower():
            hits.append(f"django_session.session_data {session.session_key}")
    return hits


def report_numbers(*, start: date, end: date, now, users: dict[int, User]) -> dict[str, list[list[float]]]:
    """Every number of every report for the agency over ``start``-``end``: each table's numeric cells, by
    table. The comments table is left out: it quotes what candidates wrote, it counts nothing."""
    scope = Scope(start=start, end=end, zone=ZoneInfo("UTC"), period=Period.WEEK)
    built = [
        queries.ghosting(scope, now=now),
        queries.time_to_answer(scope, now=now),
        queries.follow_up_steps(scope, now=now),
        queries.experience(scope, now=now, users=users),
        queries.withdrawals(scope, now=now),
        queries.desk_today(scope, now=now, users=users),
    ]
    numbers = {}
    for report in built:
        for table in report.tables:
            if table.slug == "comments":
                continue
            rows = [*table.rows, *([table.total] if table.total else [])]
            numbers[f"{report.slug}/{table.slug}"] = [
                [cell.value for cell in row if cell.value is not None] for row in rows
            ]
    return numbers


LINK = re.compile(r"http://127\.0\.0\.1:8000(/l/(?:cancel|feedback|withdraw)/[a-z2-7]{26}/)")


def links_in(text: str, kind: str) -> list[str]:
    return [path for path in LINK.findall(text) if path.startswith(f"/l/{kind}/")]
