from django.contrib import admin

from candidly.hiring.models import Interview, Role, Submission


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    search_fields = ["title", "company__name"]
    list_display = ["title", "company", "status"]
    list_select_related = ["company"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["candidate", "role", "stage"]
    list_select_related = ["candidate", "role__company"]
    raw_id_fields = ["candidate", "role"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["submission", "round", "starts_at", "status"]
    list_select_related = ["submission__candidate", "submission__role__company"]
    raw_id_fields = ["submission"]
