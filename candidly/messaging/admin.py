from django.contrib import admin

from candidly.lib.admin import ReadOnlyAdmin
from candidly.messaging.models import InboundEmail, InboxMessage, Link, MessageWording


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "delivered_at"]
    search_fields = ["subject", "message_id"]
    readonly_fields = [field.name for field in InboxMessage._meta.fields]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "from_email", "status", "received_at"]
    list_filter = ["status"]
    search_fields = ["subject", "from_email", "message_id"]
    exclude = ["raw"]
    readonly_fields = [field.name for field in InboundEmail._meta.fields if field.name != "raw"]


@admin.register(Link)
class LinkAdmin(ReadOnlyAdmin):
    # Tokens are never stored in clear, so there is nothing to edit here; a person's links are revoked
    # from their page ("Revoke all links"), which records who did it on the timeline.
    list_display = ["purpose", "candidate", "contact", "created_at", "expires_at", "revoked_at", "used_at"]
    list_filter = ["purpose"]
    list_select_related = ["candidate", "contact"]
    raw_id_fields = ["candidate", "contact", "interview", "submission", "touchpoint"]


@admin.register(MessageWording)
class MessageWordingAdmin(ReadOnlyAdmin):
    # Saved through /settings/messages/ only: the words are checked there, and the change is an Event.
    list_display = ["kind", "subject", "updated_at", "updated_by"]
    list_select_related = ["updated_by"]
