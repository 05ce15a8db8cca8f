"""A Django admin base for rows whose state only services may change. Imports none of our models."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admins may list and view these rows, never add, change or delete them.

    Their status changes through the recruiter pages' services, which write the timeline Event and
    re-plan what people hear; an edit here would skip both. Change and delete answer 403, even to a POST.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
