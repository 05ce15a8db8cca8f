"""Agency accounts: creating people and changing their role. Each change lands on the timeline."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from candidly.accounts.models import User
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
