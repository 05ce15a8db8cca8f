"""Outbound webhooks: the endpoints admins add, and one delivery row per (endpoint, timeline Event).

A delivery row holds references only (the Event, the endpoint, the ``webhook-id``) and what happened to it
(status codes, the time of each attempt): the payload is built from the Event when it is sent, so erasing a
person's data leaves nothing personal here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class WebhookEndpoint(models.Model):
    """Where an agency's other systems want to hear about events, and which event types they want."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Standard Webhooks secret: "whsec_" + base64 of 24 random bytes. Admins copy it to the receiver.
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(default=list)
    is_enabled = models.BooleanField(default=True)
    # Set at the first failure of a run of failures, cleared by a success: a day of it disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One Event sent (or to be sent) to one endpoint: the queue row, claimed under a lease like a
    Touchpoint. The unique (endpoint, event) pair means one delivery per event and endpoint, and the claim
    means never two attempts of it in flight at once."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Waiting"
        IN_PROGRESS = "in_progress", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("timeline.Event", on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=40)
    # The Standard Webhooks ``webhook-id``: the same on every attempt, so receivers can drop repeats.
    message_id = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once_per_event")
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="planned"), name="webhook_delivery_due_idx"),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="in_progress"),
                name="webhook_delivery_lease_idx",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the response code (None: no response) and a short error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%H:%M:%S}: {self.status_code or self.error}"
