"""Agency accounts and policy: creating people, changing their role, the agency's settings.
Each change lands on the timeline."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Collection
from datetime import datetime, time, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from candidly.accounts.models import AgencySettings, PasswordResetRequest, User
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event


def _check_actor(actor: User | None) -> None:
    # None means the command line (production set-up), which is trusted like the server itself.
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only an admin can manage accounts.")


@transaction.atomic
def create_user(
    *,
    username: str,
    email: str,
    role: str,
    password: str | None,
    actor: User | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create an account with ``role``; ``is_staff`` follows the role (admins may open Django admin).

    ``password`` is checked against the password validators; ``None`` leaves the account without a usable
    password, so the person sets one through "Forgot your password?". Appends a ``user.created`` Event.
    Raises ``ValidationError`` (field-keyed: username, email, role, password) and creates nothing on bad
    input; ``PermissionDenied`` when ``actor`` is not an admin.
    """
    _check_actor(actor)
    user = User(
        username=User.normalize_username(username.strip()),
        email=User.objects.normalize_email(email.strip()).lower(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_staff=role == User.Role.ADMIN,
    )
    errors: dict[str, list[str]] = {}
    if role not in User.Role.values:
        errors["role"] = [f"Choose one of: {', '.join(User.Role.values)}."]
    try:
        validate_email(user.email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = ["A user with that username already exists."]
    if password is not None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    record_event(
        kind=EventKind.USER_CREATED,
        summary=f"Account {user.username} created ({user.get_role_display()})",
        actor=actor,
        data={"user_id": user.pk, "role": user.role},
    )
    return user


@transaction.atomic
def set_role(user: User, *, role: str, actor: User | None) -> User:
    """Make ``user`` an admin or a recruiter, keeping ``is_staff`` in step; returns the saved user.

    Admins are staff (they may use Django admin, where AdminRoleBackend grants every permission);
    recruiters are not, unless they are superusers.

    Appends a ``user.role_changed`` Event when the role changes (nothing is written when it is already
    ``role``). Raises ``ValidationError`` for an unknown role or when it would demote the last active admin
    (the agency would lose its settings pages), ``PermissionDenied`` when ``actor`` is not an admin.
    """
    _check_actor(actor)
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(User.Role.values)}."]})
    # Lock the user and every admin, in one statement and in pk order (no deadlock), so two admins
    # demoting each other at the same moment cannot both pass the last-admin check.
    rows = {
        row.pk: row
        for row in User.objects.select_for_update()
        .filter(Q(pk=user.pk) | Q(role=User.Role.ADMIN, is_active=True))
        .order_by("pk")
    }
    locked = rows[user.pk]
    previous = locked.role
    # Superusers (from createsuperuser) keep their staff status whatever their role.
    staff = role == User.Role.ADMIN or locked.is_superuser
    if previous == role and locked.is_staff == staff:
        return locked
    if previous == User.Role.ADMIN and role != User.Role.ADMIN:
        other_admins = [row for pk, row in rows.items() if pk != user.pk and row.role == User.Role.ADMIN]
        if not other_admins:
            raise ValidationError({"role": ["This is the last admin; make someone else an admin first."]})
    locked.role = role
    locked.is_staff = staff
    locked.save(update_fields=["role", "is_staff"])
    user.role, user.is_staff = locked.role, locked.is_staff
    if previous != role:
        record_event(
            kind=EventKind.USER_ROLE_CHANGED,
            summary=f"{locked} is now {locked.get_role_display().lower()} (was {previous})",
            actor=actor,
            data={"user_id": locked.pk, "from": previous, "to": role},
        )
    return locked


# Bounds the agency settings page enforces (and shows). A week of notice at most; silence is counted in
# business days, and more than six weeks of it would defeat the "nobody goes dark" promise.
NOTICE_HOURS = (1, 168)
SILENCE_BUSINESS_DAYS = (1, 30)
# Retention in months: at least half a year (a process and its follow-ups end well within it), at most ten.
RETENTION_MONTHS = (6, 120)


class AgencySettingsChanges(TypedDict, total=False):
    business_day_start: time
    business_day_end: time
    business_weekdays: Collection[int]  # Monday = 0 … Sunday = 6
    use_public_holidays: bool
    cancellation_notice_hours: int
    silence_business_days: int
    notify_manager_on_cancellation: bool
    retention_months: int | None
    retention_active: bool


def _stored(field: str, value: Any) -> Any:
    """``value`` as the model field stores it."""
    if field == "business_weekdays":
        return ",".join(str(day) for day in sorted(set(value)))
    return value


def _shown(field: str, value: Any) -> Any:
    """A stored value as the timeline's Event data shows it: times "HH:MM", weekdays a list of numbers."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if field == "business_weekdays":
        return sorted(int(day) for day in value.split(",") if day.strip())
    return value


def _check_agency_settings(row: AgencySettings) -> None:
    errors: dict[str, list[str]] = {}
    if row.business_day_end <= row.business_day_start:
        errors["business_day_end"] = ["The business day must end after it starts."]
    if not row.weekdays:
        errors["business_weekdays"] = ["Choose at least one business day."]
    elif not row.weekdays <= set(range(7)):
        errors["business_weekdays"] = ["Weekdays are numbered 0 (Monday) to 6 (Sunday)."]
    low, high = NOTICE_HOURS
    if not low <= row.cancellation_notice_hours <= high:
        errors["cancellation_notice_hours"] = [f"Choose between {low} and {high} hours."]
    low, high = SILENCE_BUSINESS_DAYS
    if not low <= row.silence_business_days <= high:
        errors["silence_business_days"] = [f"Choose between {low} and {high} business days."]
    low, high = RETENTION_MONTHS
    if row.retention_months is not None and not low <= row.retention_months <= high:
        errors["retention_months"] = [f"Choose between {low} and {high} months, or leave it empty."]
    if row.retention_active and row.retention_months is None:
        errors["retention_active"] = ["Choose how many months first."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_agency_settings(*, changes: AgencySettingsChanges, actor: User) -> list[str]:
    """Apply ``changes`` (any subset of the fields) to the agency's settings; returns the fields that changed.

    Saves only those fields and appends one ``agency.settings_changed`` Event whose data is
    ``{field: {"from": old, "to": new}}`` per change; nothing changed means no save and no Event. Values
    already planned (touchpoints' due times) keep theirs; the next planning and the worker's next batch
    read the new ones. Raises ``ValidationError`` keyed by field (end not after start, no weekday, notice
    outside NOTICE_HOURS, silence outside SILENCE_BUSINESS_DAYS) and changes nothing; ``PermissionDenied``
    unless ``actor`` is an admin; ``ValueError`` for a key that is not a setting.
    """
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can change the agency's settings.")
    unknown = set(changes) - set(AgencySettingsChanges.__annotations__)
    if unknown:
        raise ValueError(f"Not agency settings: {', '.join(sorted(unknown))}.")
    AgencySettings.load()
    # Locked, so two admins saving at once each record the change from what the other left.
    row = AgencySettings.objects.select_for_update().get(pk=1)
    diff: dict[str, dict[str, Any]] = {}
    for field, value in changes.items():
        before, after = getattr(row, field), _stored(field, value)
        if _shown(field, before) != _shown(field, after):
            diff[field] = {"from": _shown(field, before), "to": _shown(field, after)}
            setattr(row, field, after)
    if not diff:
        return []
    _check_agency_settings(row)
    row.save(update_fields=[*diff, "updated_at"])
    record_event(
        kind=EventKind.AGENCY_SETTINGS_CHANGED,
        summary=f"Agency settings changed: {', '.join(field.replace('_', ' ') for field in diff)}",
        actor=actor,
        data=diff,
    )
    return list(diff)


# "Forgot your password?": at most this many requests an hour per address and per client (IP address).
# Enough for a person who mistyped twice; a prober learns nothing and floods nobody's mailbox.
RESET_WINDOW = timedelta(hours=1)
RESET_LIMIT_PER_ADDRESS = 3
RESET_LIMIT_PER_CLIENT = 10


def _address_hash(email: str) -> str:
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return hmac.new(
        settings.SECRET_KEY.encode(), f"password-reset:{folded}".encode(), hashlib.sha256
    ).hexdigest()


def allow_password_reset(*, email: str, ip: str, now: datetime) -> bool:
    """Count one password-reset request for ``email`` from ``ip`` and say whether its email may be sent.

    False once RESET_LIMIT_PER_ADDRESS requests for the address (any client) or RESET_LIMIT_PER_CLIENT from
    the client (any address) arrived within RESET_WINDOW, this one included; the page must then answer
    exactly as when it sends, so the limit reveals nothing. Every request counts, refused ones too, and rows
    older than the window are forgotten. Never raises for a strange address: it is only hashed.
    """
    since = now - RESET_WINDOW
    address = _address_hash(email)
    PasswordResetRequest.objects.filter(requested_at__lte=since).delete()
    PasswordResetRequest.objects.create(address_hash=address, ip=ip, requested_at=now)
    recent = PasswordResetRequest.objects.filter(requested_at__gt=since)
    return (
        recent.filter(address_hash=address).count() <= RESET_LIMIT_PER_ADDRESS
        and recent.filter(ip=ip).count() <= RESET_LIMIT_PER_CLIENT
    )
