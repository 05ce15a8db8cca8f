from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower

from candidly.lib.phones import validate_e164
from candidly.lib.text import validate_single_line
from candidly.lib.timezones import validate_time_zone

# Yearly compensation, in any currency: far above any salary, far below PostgreSQL's integer limit (2^31).
MAX_COMPENSATION = 100_000_000


def default_time_zone() -> str:
    return settings.CANDIDLY_DEFAULT_TIME_ZONE


class Tag(models.Model):
    """A role tag (``python``, ``data``, ``sales``) shared by roles and candidates' preferences."""

    name = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    """A client company that hires through the agency."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    website = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, for public holidays.")
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        # Lists are in name order: the index gives a page without sorting the table.
        indexes = [models.Index(fields=["name", "id"], name="company_name_idx")]
        constraints = [models.UniqueConstraint(Lower("name"), name="company_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a company: a hiring manager or an interviewer."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    title = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    is_hiring_manager = models.BooleanField(default=False)
    # Set by privacy.erasure: the row stays (roles, feedback and reports point at it) with no personal data.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="contact_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "email"], name="contact_email_unique_per_company"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="contact_email_lowercase"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})"


# In the talent pool (PRODUCT.md rule 7): not unsubscribed, and did not say "not open to other roles" when
# their last process ended. The pool's filter and its indexes' condition (one Q: PostgreSQL then uses them).
IN_POOL = models.Q(unsubscribed_at__isnull=True) & (
    models.Q(last_open_to_other_roles__isnull=True) | models.Q(last_open_to_other_roles=True)
)


class Candidate(models.Model):
    """A person the agency represents; stays in the talent pool after a process ends."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class ConsentHow(models.TextChoices):
        FORM = "form", "Signed or web form"
        EMAIL = "email", "By email"
        PHONE = "phone", "On the phone"
        IN_PERSON = "in_person", "In person"
        IMPORT = "import", "Imported with their record"
        OTHER = "other", "Other"

    class Remote(models.TextChoices):
        ANY = "any", "No preference"
        REMOTE = "remote", "Remote only"
        HYBRID = "hybrid", "Hybrid"
        ONSITE = "onsite", "On-site"

    name = models.CharField(max_length=200, validators=[validate_single_line])
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166 code: their public holidays count when the agency says so.",
    )
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PHONE)
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="candidates", null=True, blank=True
    )
    # Preferences, used to suggest better-suited roles.
    role_tags = models.ManyToManyField(Tag, blank=True, related_name="candidates")
    locations = models.CharField(max_length=200, blank=True, help_text="Cities or regions, comma-separated.")
    remote = models.CharField(max_length=8, choices=Remote.choices, default=Remote.ANY)
    min_compensation = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_COMPENSATION)],
        help_text="Yearly, in the currency below.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    notes = models.TextField(blank=True)
    # Consent and unsubscribe state. Consent is given and withdrawn through privacy.consent, which says how
    # and writes the Event; the edit form's checkbox sets ``consent_at`` alone (how: not recorded).
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_how = models.CharField(max_length=16, choices=ConsentHow.choices, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_how = models.CharField(max_length=16, choices=ConsentHow.choices, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Per channel: an SMS "STOP" (messaging.sms_inbound) stops SMS only; SMS steps then go by email.
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    # "No emails this week": their non-essential messages wait until this moment (followups.steering).
    messages_paused_until = models.DateTimeField(null=True, blank=True)
    # Set by privacy.erasure: the row stays (submissions, events and reports point at it), anonymised.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Copies of what the talent pool filters on, so a filtered page is read in name order from an index
    # instead of computing every candidate's figures (a million candidates). Written only by
    # ``hiring.services.pool_figures.refresh_pool_figures``, from the candidate's submissions and Events:
    # the stage and "open to other roles" answer of their last ended process ("" / None: none ended yet),
    # how many of their processes are open, and their interview outcomes (``hiring.reliability``).
    last_ended_stage = models.CharField(max_length=16, blank=True, default="", db_default="", editable=False)
    last_open_to_other_roles = models.BooleanField(null=True, blank=True, editable=False)
    open_processes = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    interview_outcomes = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="candidate_name_idx"),
            # The talent pool in name order (everyone who has not opted out, see IN_POOL), with the copies
            # and preferences its filters read: a filtered page is an index-only walk, no table row read.
            models.Index(
                fields=["name", "id"],
                condition=IN_POOL,
                include=[
                    "last_ended_stage",
                    "open_processes",
                    "interview_outcomes",
                    "remote",
                    "min_compensation",
                ],
                name="candidate_pool_idx",
            ),
            # Its rarest filter, "never submitted": at agency scale nobody or a few, never found by a walk.
            models.Index(
                fields=["name", "id"],
                condition=IN_POOL & models.Q(open_processes=0, last_ended_stage=""),
                name="candidate_pool_never_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="candidate_email_lowercase"
            ),
            models.CheckConstraint(
                condition=~models.Q(preferred_channel="sms") | ~models.Q(phone=""),
                name="candidate_sms_needs_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_unsubscribed(self) -> bool:
        return self.unsubscribed_at is not None

    def is_paused(self, now: datetime) -> bool:
        """Their messages are paused at ``now`` (interview logistics still go)."""
        return self.messages_paused_until is not None and self.messages_paused_until > now

    @property
    def accepts_sms(self) -> bool:
        """A phone number on file and no SMS opt-out ("STOP")."""
        return bool(self.phone) and self.sms_opted_out_at is None

    @property
    def prefers_sms(self) -> bool:
        """Their preferred written channel is SMS, and SMS can reach them; otherwise it is email."""
        return self.preferred_channel == self.Channel.SMS and self.accepts_sms
