from __future__ import annotations

from django.db import models


class KeptRecord(models.Model):
    """What the law makes the agency keep of an erased person (``settings.CANDIDLY_KEPT_BY_LAW``), and until
    when. Minimal on purpose: a placement keeps the name, role, company and date an invoice needs, nothing
    else; the retention pass deletes the row once ``kept_until`` has passed."""

    class What(models.TextChoices):
        PLACEMENT = "placements", "A placement (for invoicing the client company)"

    what = models.CharField(max_length=16, choices=What.choices)
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    kept_until = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} kept until {self.kept_until:%Y-%m-%d}"
