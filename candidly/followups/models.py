from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from candidly.people.models import Candidate, Contact


class Touchpoint(models.Model):
    """One planned or done step for one person about one interview. The table is the worker's queue.

    Life cycle: planned → in_progress (claimed under a lease) → done / skipped / failed / ambiguous.
    A call step becomes ``due`` when it is handed to the recruiter as a Task, and ``done`` once logged.
    """

    class Kind(models.TextChoices):
        INTERVIEW_CONFIRMATION = "interview-confirmation", "Interview confirmation"
        INTERVIEW_REMINDER = "interview-reminder", "Interview reminder"
        FOLLOW_UP_CALL = "follow-up-call", "Follow-up call"
        FOLLOW_UP_EMAIL = "follow-up-email", "Follow-up email"
        NUDGE = "nudge", "Nudge"
        LAST_CALL = "last-call", "“It is fine to tell us you are out”"
        GONE_QUIET = "gone-quiet", "Gone quiet check"
        FEEDBACK_REQUEST = "feedback-request", "Feedback request to the hiring manager"
        FEEDBACK_REMINDER = "feedback-reminder", "Feedback reminder to the hiring manager"
        ESCALATION = "escalation", "Escalation: chase the company"
        MISSED_YOU = "missed-you", "“We missed you”"
        UPDATE = "candidate-update", "Update to the candidate"
        INTERVIEW_CANCELLED = "interview-cancelled", "Interview cancellation"
        MANAGER_CANCELLATION = "manager-cancellation", "Cancellation to the hiring manager"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        CALL = "call", "Phone call (recruiter task)"
        TASK = "task", "Recruiter task"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DUE = "due", "Due (with the recruiter)"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        AMBIGUOUS = "ambiguous", "Maybe sent — check"

    # Logistics an unsubscribed candidate still needs: when and where the interview is, or that it is off.
    ESSENTIAL_KINDS = frozenset(
        {Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_REMINDER, Kind.INTERVIEW_CANCELLED}
    )
    # Channels the worker hands to messaging; the others become a recruiter's Task.
    MESSAGE_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})
    # Outcomes a recruiter must look at: maybe sent, or given up on.
    STUCK_STATUSES = (Status.AMBIGUOUS, Status.FAILED)

    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.PROTECT, null=True, blank=True, related_name="touchpoints"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="touchpoints"
    )
    interview = models.ForeignKey(
        "hiring.Interview", on_delete=models.PROTECT, null=True, blank=True, related_name="touchpoints"
    )
    submission = models.ForeignKey(
        "hiring.Submission", on_delete=models.PROTECT, null=True, blank=True, related_name="touchpoints"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    step = models.PositiveSmallIntegerField(default=0)
    # Unique per (person, interview, kind, step): the same step can never be planned twice.
    idempotency_key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField()
    # False for logistics that must go out whatever the hour (the 2-hour reminder).
    respects_business_hours = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) just before a message is handed to a provider: after a crash it means "maybe sent".
    handoff_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="planned"), name="touchpoint_planned_due_idx"),
            models.Index(
                fields=["lease_expires_at"], condition=Q(status="in_progress"), name="touchpoint_lease_idx"
            ),
            models.Index(fields=["interview", "status"], name="touchpoint_interview_idx"),
            models.Index(
                fields=["updated_at"],
                condition=Q(status__in=["ambiguous", "failed"]),
                name="touchpoint_stuck_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, contact__isnull=True)
                | Q(candidate__isnull=True, contact__isnull=False),
                name="touchpoint_exactly_one_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} via {self.channel} at {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def person(self) -> Candidate | Contact:
        person = self.candidate or self.contact
        assert person is not None, "the database guarantees exactly one person"
        return person

    @property
    def is_message(self) -> bool:
        return self.channel in self.MESSAGE_CHANNELS

    @property
    def is_essential(self) -> bool:
        return self.kind in self.ESSENTIAL_KINDS

    def is_due(self, now: datetime) -> bool:
        return self.status == self.Status.PLANNED and self.due_at <= now


class Task(models.Model):
    """Something a recruiter must do by hand: a call, cancelling with a company, chasing feedback."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        CANCEL_WITH_COMPANY = "cancel-with-company", "Cancel with the company"
        TELL_COMPANY = "tell-company", "Tell the company"
        CHASE_COMPANY = "chase-company", "Chase the company for feedback"
        UPDATE_CANDIDATE = "update-candidate", "Update the candidate"
        MARK_INTERVIEW = "mark-interview", "Mark the interview's outcome"
        CHECK_MESSAGE = "check-message", "Check a message that may not have been sent"
        MESSAGE_FAILED = "message-failed", "A message could not be sent"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    due_at = models.DateTimeField()
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    submission = models.ForeignKey(
        "hiring.Submission", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    interview = models.ForeignKey(
        "hiring.Interview", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="task"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-urgent", "due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="task_open_due_idx")]

    def __str__(self) -> str:
        return self.title
