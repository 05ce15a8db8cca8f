from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """An uploaded file between its preview and its import: the rows as validated, and what each will do.

    Owned by the admin who uploaded it and only theirs to confirm; it expires (``expires_at``) so an old
    preview of a since-changed agency cannot be confirmed. The confirm imports exactly ``rows``: nothing is
    read from the file again.
    """

    class Kind(models.TextChoices):
        CANDIDATES = "candidates", "Candidates"
        COMPANIES = "companies", "Companies"
        CONTACTS = "contacts", "Contacts"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    columns = models.JSONField(default=list)
    # One entry per data row: {"row": line number, "action": create|update|skip|error, "values": {...},
    # "target": pk or null, "changed": [...], "reason": "..."}.
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    # What the import did: counts per action.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"
