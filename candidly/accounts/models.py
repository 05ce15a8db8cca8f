from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from candidly.lib.phones import validate_e164
from candidly.lib.timezones import validate_time_zone


def default_time_zone() -> str:
    return settings.CANDIDLY_DEFAULT_TIME_ZONE


class User(AbstractUser):
    """A person at the agency: a recruiter, or an admin who also configures the agency."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        RECRUITER = "recruiter", "Recruiter"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RECRUITER)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser
