from __future__ import annotations

from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from candidly.lib.businesstime import BusinessHours
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


class AgencySettings(models.Model):
    """The agency's policy, edited by admins. One row; ``load()`` creates it with PRODUCT.md's defaults."""

    business_day_start = models.TimeField(default=time(9, 0))
    business_day_end = models.TimeField(default=time(18, 0))
    business_weekdays = models.CharField(
        max_length=20, default="0,1,2,3,4", help_text="Weekday numbers, Monday = 0, comma-separated."
    )
    use_public_holidays = models.BooleanField(
        default=False, help_text="Skip the recipient's country's public holidays when counting business days."
    )
    notify_manager_on_cancellation = models.BooleanField(
        default=False,
        help_text="Email the hiring manager automatically when a candidate cancels an interview.",
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(default=24)
    silence_business_days = models.PositiveSmallIntegerField(
        default=3, help_text="Every candidate in an active process hears from us at least this often."
    )
    # Retention (privacy.retention): candidates with no activity for this many months and no open process
    # are erased by the worker, once an admin has read the dry run and turned ``retention_active`` on.
    retention_months = models.PositiveSmallIntegerField(null=True, blank=True)
    retention_active = models.BooleanField(default=False)
    # When a worker last claimed the retention pass: one pass an hour across all workers.
    retention_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "agency settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="agency_settings_single_row")]

    def __str__(self) -> str:
        return "Agency settings"

    @classmethod
    def load(cls) -> AgencySettings:
        settings_row, _ = cls.objects.get_or_create(id=1)
        return settings_row

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.business_weekdays.split(",") if day.strip())

    def business_hours(self, *, country: str | None = None) -> BusinessHours:
        """The recipient's business hours; ``country`` counts only when public holidays are on."""
        return BusinessHours(
            start=self.business_day_start,
            end=self.business_day_end,
            weekdays=self.weekdays,
            country=(country or "").upper() or None if self.use_public_holidays else None,
        )


class PasswordResetRequest(models.Model):
    """One "Forgot your password?" request, kept an hour to throttle them per address and per client.

    In the database rather than the cache: LocMem caches are per process, so several gunicorn workers would
    each allow the full budget. The address is stored as a keyed hash: the table never lists who asked.
    """

    address_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField()
    requested_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "requested_at"], name="reset_address_time_idx"),
            models.Index(fields=["ip", "requested_at"], name="reset_ip_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Password reset request from {self.ip} at {self.requested_at:%Y-%m-%d %H:%M}"
