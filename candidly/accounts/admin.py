from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from candidly.accounts.models import AgencySettings, User
from candidly.accounts.services import set_role
from candidly.lib.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Candidly", {"fields": ["role", "phone", "time_zone"]}))
    # Staff status follows the role (see set_role); editing it separately would let the two disagree.
    readonly_fields = ["is_staff"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change or "role" not in form.changed_data:
            obj.is_staff = obj.role == User.Role.ADMIN or obj.is_superuser
            super().save_model(request, obj, form, change)
            return
        # Save the other edits with the old role, then let the service change the role and record it.
        new_role = obj.role
        obj.role = form.initial["role"]
        super().save_model(request, obj, form, change)
        try:
            set_role(obj, role=new_role, actor=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level="error")


@admin.register(AgencySettings)
class AgencySettingsAdmin(ReadOnlyAdmin):
    """Shown read-only: the agency settings page checks the values and records each change on the timeline."""

    list_display = ["__str__", "updated_at"]

    def _point_to_the_page(self, request: HttpRequest) -> None:
        if request.method == "GET":
            url = reverse("accounts:agency-settings")
            self.message_user(
                request, format_html('Change these on the <a href="{}">Agency settings</a> page.', url)
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._point_to_the_page(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        self._point_to_the_page(request)
        return super().change_view(request, object_id, form_url, extra_context)
