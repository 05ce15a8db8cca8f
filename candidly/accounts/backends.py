"""Permissions that follow the role: an admin may use every part of Django admin, a recruiter none of it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from candidly.accounts.models import User


class AdminRoleBackend(BaseBackend):
    """Grants every permission to active users with the admin role; authenticates nobody.

    The role is the one source of truth, so admins need no hand-picked permission rows that go stale when
    an app adds a model. Recruiters get nothing here and ``is_staff`` keeps them out of /admin/ anyway.
    """

    def _is_admin(self, user_obj: Any) -> bool:
        return bool(user_obj.is_active and getattr(user_obj, "role", None) == User.Role.ADMIN)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return self._is_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self._is_admin(user_obj)
