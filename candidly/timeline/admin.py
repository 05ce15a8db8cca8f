from django.contrib import admin
from django.http import HttpRequest

from candidly.timeline.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the timeline is append-only, even for admins."""

    list_display = ["occurred_at", "kind", "summary", "actor_type", "actor_user"]
    list_filter = ["kind", "actor_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
