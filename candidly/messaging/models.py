from __future__ import annotations

from django.db import models
from django.db.models import Q


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
    account_security = models.BooleanField(
        default=False,
        help_text="A password-reset (or other account-security) email: only its envelope is kept.",
    )
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class Link(models.Model):
    """A signed link (or reply address) given to a person without an account.

    Only a keyed hash of the token is stored: a database leak reveals no working link. The hash is
    salted with the purpose, so a token issued for one purpose is unknown under any other.
    """

    class Purpose(models.TextChoices):
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
        CONFIRM = "confirm", "Confirm an interview"
        CANCEL = "cancel", "Cancel an interview"
        WITHDRAW = "withdraw", "Withdraw from a process"
        FEEDBACK = "feedback", "Give feedback on an interview"
        REPLY = "reply", "Reply-To address"

    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    interview = models.ForeignKey(
        "hiring.Interview", on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    submission = models.ForeignKey(
        "hiring.Submission", on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    touchpoint = models.ForeignKey(
        "followups.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, contact__isnull=True)
                | Q(candidate__isnull=True, contact__isnull=False),
                name="link_exactly_one_person",
            ),
        ]
        # The worker prunes expired links oldest first (links.prune_expired_links).
        indexes = [models.Index(fields=["expires_at"], name="link_expires_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link #{self.pk}"

    @property
    def person(self) -> object:
        return self.candidate or self.contact


class BadLinkAttempt(models.Model):
    """One request with an unknown token, kept an hour to rate-limit guessing per IP.

    In the database rather than the cache: LocMem caches are per process, so several gunicorn workers
    would each allow the full budget.
    """

    ip = models.GenericIPAddressField()
    attempted_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "attempted_at"], name="badlink_ip_time_idx")]

    def __str__(self) -> str:
        return f"{self.ip} at {self.attempted_at:%Y-%m-%d %H:%M}"


class InboundEmail(models.Model):
    """A message that came back to us (a reply), kept raw whether or not we could place it."""

    class Status(models.TextChoices):
        MATCHED = "matched", "Attached to a timeline"
        # Tied to a person only by threading headers and From:, both forgeable: nothing happens until a
        # recruiter accepts it (then MATCHED) or dismisses it.
        REVIEW = "review", "Waiting for review"
        DISMISSED = "dismissed", "Dismissed"
        UNMATCHED = "unmatched", "No matching message"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe request"
        # An iTIP REPLY (accept / decline) to a reply address: ``messaging.calendar_replies`` acted on it.
        CALENDAR = "calendar", "Calendar answer"

    received_at = models.DateTimeField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    from_email = models.CharField(max_length=320, blank=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True, help_text="The reply without quoted text and signature.")
    raw = models.BinaryField(help_text="The message exactly as received.")
    status = models.CharField(max_length=12, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    touchpoint = models.ForeignKey(
        "followups.Touchpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_emails"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_emails"
    )
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["received_at", "id"], condition=Q(status="review"), name="inbound_review_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_email}"


class MessageWording(models.Model):
    """The agency's own words for one message kind: subject, body (between greeting and signature) and SMS.

    A row exists only for a kind an admin changed; without one the kind's files in ``templates/emails/``
    speak (``messaging.wording``). Django template language, checked when saved, never when sent.
    """

    kind = models.CharField(max_length=32, unique=True)
    subject = models.TextField()
    body = models.TextField()
    sms = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"Wording of {self.kind}"
