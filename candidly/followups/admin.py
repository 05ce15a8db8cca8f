from django.contrib import admin

from candidly.followups.models import Feedback, Touchpoint
from candidly.lib.admin import ReadOnlyAdmin


# Touchpoints are the worker's queue and Feedback is a response; both change only through services.
@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyAdmin):
    list_display = ["kind", "channel", "status", "due_at", "candidate", "contact"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["candidate", "contact"]
    raw_id_fields = ["candidate", "contact", "interview", "submission"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["interview", "candidate", "contact", "channel", "created_at"]
    list_filter = ["channel"]
    list_select_related = [
        "interview__submission__candidate",
        "interview__submission__role__company",
        "candidate",
        "contact",
    ]
    raw_id_fields = ["interview", "candidate", "contact", "recorded_by"]
