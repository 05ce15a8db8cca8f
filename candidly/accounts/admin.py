from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from candidly.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Candidly", {"fields": ["role", "phone", "time_zone"]}))
