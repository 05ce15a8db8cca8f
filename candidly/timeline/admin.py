from django.contrib import admin

from candidly.lib.admin import ReadOnlyAdmin
from candidly.timeline.models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only: the timeline is append-only, even for admins."""

    list_display = ["occurred_at", "kind", "summary", "actor_type", "actor_user"]
    list_filter = ["kind", "actor_type"]
