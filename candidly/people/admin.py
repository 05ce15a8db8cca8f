from django.contrib import admin

from candidly.people.models import Candidate, Company, Contact, Tag


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "country", "time_zone"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    search_fields = ["name", "email", "company__name"]
    list_display = ["name", "company", "email", "is_hiring_manager"]
    list_select_related = ["company"]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    search_fields = ["name", "email"]
    list_display = ["name", "email", "time_zone", "preferred_channel", "recruiter"]
    list_select_related = ["recruiter"]


admin.site.register(Tag)
