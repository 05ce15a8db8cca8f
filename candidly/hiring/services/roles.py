"""Roles: create and update an open position, with its tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from candidly.accounts.models import User
from candidly.hiring.models import Role
from candidly.people.models import Company, Contact, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

ROLE_FIELDS = frozenset(
    {
        "company",
        "title",
        "hiring_manager",
        "recruiter",
        "location",
        "workplace",
        "compensation_min",
        "compensation_max",
        "currency",
        "description",
        "status",
    }
)


def parse_tag_names(text: str) -> list[str]:
    """Turn ``"Python, data , python"`` into ``["python", "data"]``; ``ValidationError`` for a bad tag."""
    names: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        name = slugify(raw.strip())
        if not name or len(name) > Tag._meta.get_field("name").max_length:  # type: ignore[operator]
            raise ValidationError(
                "“%(tag)s” is not a usable tag: use letters, digits and hyphens, at most 40 characters.",
                params={"tag": raw.strip()},
                code="bad_tag",
            )
        if name not in names:
            names.append(name)
    return names


def check_role(
    *,
    company: Company | None,
    hiring_manager: Contact | None,
    compensation_min: int | None,
    compensation_max: int | None,
) -> None:
    """Raise ``ValidationError`` (keyed by field) if the manager works elsewhere or the band is inverted."""
    errors: dict[str, str] = {}
    if company is not None and hiring_manager is not None and hiring_manager.company_id != company.pk:
        errors["hiring_manager"] = f"{hiring_manager.name} is not a contact at {company.name}."
    if compensation_min is not None and compensation_max is not None and compensation_min > compensation_max:
        errors["compensation_max"] = "The maximum must be at least the minimum."
    if errors:
        raise ValidationError(errors)


def _set_tags(role: Role, names: Sequence[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    role.tags.set(tags)


@transaction.atomic
def create_role(*, fields: Mapping[str, Any], tag_names: Sequence[str] = (), actor: User) -> Role:
    """Create a role from ``fields`` (names in ``ROLE_FIELDS``) with its tags, and a ``role.created`` Event.

    Raises ``ValidationError`` (see ``check_role``) and saves nothing when the role breaks a rule.
    """
    unknown = set(fields) - ROLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown role fields: {sorted(unknown)}")
    role = Role(**fields)
    check_role(
        company=role.company,
        hiring_manager=role.hiring_manager,
        compensation_min=role.compensation_min,
        compensation_max=role.compensation_max,
    )
    role.save()
    _set_tags(role, tag_names)
    record_event(
        kind=EventKind.ROLE_CREATED,
        summary=f"Role opened: {role.title} at {role.company.name}",
        actor=actor,
        company=role.company,
        contact=role.hiring_manager,
        data={"role": role.pk, "tags": list(tag_names)},
    )
    return role


@transaction.atomic
def update_role(
    role: Role, *, changes: Mapping[str, Any], tag_names: Sequence[str] | None = None, actor: User
) -> Role:
    """Apply ``changes`` (and replace the tags when given); one ``role.updated`` Event names what changed.

    Returns the saved role (a fresh instance). A call that changes nothing writes no Event. Raises
    ``ValidationError`` as ``create_role`` does, leaving the row untouched.
    """
    unknown = set(changes) - ROLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown role fields: {sorted(unknown)}")
    # Work on a locked fresh copy: the caller's instance may carry unsaved edits (a ModelForm's does).
    role = Role.objects.select_for_update().get(pk=role.pk)
    changed = [name for name, value in changes.items() if getattr(role, name) != value]
    for name in changed:
        setattr(role, name, changes[name])
    check_role(
        company=role.company,
        hiring_manager=role.hiring_manager,
        compensation_min=role.compensation_min,
        compensation_max=role.compensation_max,
    )
    if tag_names is not None:
        before = sorted(role.tags.values_list("name", flat=True))
        if before != sorted(tag_names):
            _set_tags(role, tag_names)
            changed.append("tags")
    if not changed:
        return role
    role.save(update_fields=[name for name in changed if name != "tags"] + ["updated_at"])
    record_event(
        kind=EventKind.ROLE_UPDATED,
        summary=f"Role changed: {role.title} at {role.company.name} ({', '.join(changed)})",
        actor=actor,
        company=role.company,
        data={"role": role.pk, "changed": changed},
    )
    return role
