from __future__ import annotations

from django.db import models


class InboxMessage(models.Model):
    """A copy of an email delivered to the local demo inbox instead of a real mail server."""

    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=500)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    raw = models.TextField(help_text="The full MIME message as it would have gone over SMTP.")
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
