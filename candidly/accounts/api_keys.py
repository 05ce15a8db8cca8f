"""API keys: creating one (the key is shown once), revoking it, and finding the key a request carries.

Only ``sha256(key)`` is stored, so a leaked database does not leak working keys; the short ``prefix`` lets
people tell keys apart. Creating and revoking write ``api_key.created`` / ``api_key.revoked`` Events.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from candidly.accounts.models import ApiKey, User
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

KEY_START = "cand_"
# Writing last_used_at on every request would make every read a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_scopes(text: str) -> list[str]:
    """``"read,write"`` → ``["read", "write"]``; raises ``ValidationError`` keyed ``scopes`` otherwise.

    Writing implies reading: a ``write`` key can also read.
    """
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [part for part in wanted if part not in ApiKey.Scope.values]
    if unknown or not wanted:
        raise ValidationError({"scopes": "Scopes are “read” or “read,write”."})
    if ApiKey.Scope.WRITE in wanted and ApiKey.Scope.READ not in wanted:
        wanted.append(ApiKey.Scope.READ)
    return [scope for scope in ApiKey.Scope.values if scope in wanted]


@transaction.atomic
def create_api_key(
    *, user: User, name: str, scopes: Collection[str], actor: User | None, now: datetime
) -> tuple[ApiKey, str]:
    """Make a key acting as ``user``; returns the row and the key itself, which is never shown again.

    ``actor`` is the admin who made it (None: the command line). Raises ``ValidationError`` for an empty
    name, unknown scopes or an inactive user.
    """
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the key a name, e.g. the system that will use it."
    if not scopes or set(scopes) - set(ApiKey.Scope.values):
        errors["scopes"] = "Scopes are “read” or “read,write”."
    if not user.is_active:
        errors["user"] = f"{user} cannot sign in; a key acting as them would not work."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    raw = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name[:100],
        user=user,
        prefix=prefix,
        key_hash=hash_key(raw),
        scopes=",".join(scope for scope in ApiKey.Scope.values if scope in scopes),
        created_by=actor,
        created_at=now,
    )
    record_event(
        kind=EventKind.API_KEY_CREATED,
        summary=f"API key “{key.name}” ({KEY_START}{prefix}…) created for {user}, scopes {key.scopes}",
        actor=actor,
        data={"api_key": key.pk, "prefix": prefix, "user": user.pk, "scopes": key.scopes},
    )
    return key, raw


@transaction.atomic
def revoke_api_key(key: ApiKey, *, actor: User | None, now: datetime) -> bool:
    """Stop ``key`` working at once; False (and no Event) when it was already revoked."""
    changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not changed:
        return False
    key.revoked_at = now
    record_event(
        kind=EventKind.API_KEY_REVOKED,
        summary=f"API key “{key.name}” ({KEY_START}{key.prefix}…) revoked",
        actor=actor,
        data={"api_key": key.pk, "prefix": key.prefix, "user": key.user_id},
    )
    return True


def authenticate(raw: str, *, now: datetime) -> ApiKey | None:
    """The active key ``raw`` is, with its user (one query), or None; notes when it was last used."""
    if not raw.startswith(KEY_START) or len(raw) > 200:
        return None
    key = ApiKey.objects.select_related("user").filter(key_hash=hash_key(raw)).first()
    if key is None or not key.is_active or not key.user.is_active:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
