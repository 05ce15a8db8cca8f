from django.contrib import admin
from django.db import models

from candidly.hiring.models import Interview, Role, Submission
from candidly.lib.admin import ReadOnlyAdmin


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    search_fields = ["title", "company__name"]
    list_display = ["title", "company", "status"]
    list_select_related = ["company"]


# Stages and statuses change only through hiring's services (Event + re-planned touchpoints).
@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "role", "stage"]
    list_select_related = ["candidate", "role__company"]
    raw_id_fields = ["candidate", "role"]


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ["submission", "round", "starts_at", "status"]
    list_select_related = ["submission__candidate", "submission__role__company"]
    raw_id_fields = ["submission"]
    # As on the recruiters' interview form: a typed link without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
