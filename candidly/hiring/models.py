from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save

from candidly.accounts.models import User
from candidly.lib.text import validate_single_line
from candidly.lib.timezones import validate_time_zone
from candidly.people.models import MAX_COMPENSATION, Candidate, Company, Contact, Tag


class Role(models.Model):
    """An open position at a client company."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ON_HOLD = "on_hold", "On hold"
        FILLED = "filled", "Filled"
        CLOSED = "closed", "Closed"

    class Workplace(models.TextChoices):
        ONSITE = "onsite", "On-site"
        HYBRID = "hybrid", "Hybrid"
        REMOTE = "remote", "Remote"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="roles")
    title = models.CharField(max_length=200, validators=[validate_single_line])
    hiring_manager = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="managed_roles")
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roles", null=True, blank=True
    )
    location = models.CharField(max_length=200, blank=True)
    workplace = models.CharField(max_length=8, choices=Workplace.choices, default=Workplace.HYBRID)
    compensation_min = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_COMPENSATION)]
    )
    compensation_max = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_COMPENSATION)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    tags = models.ManyToManyField(Tag, blank=True, related_name="roles")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company__name", "title"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation_min__isnull=True)
                | Q(compensation_max__isnull=True)
                | Q(compensation_min__lte=F("compensation_max")),
                name="role_compensation_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.company}"


class Submission(models.Model):
    """A candidate in one role's process."""

    class Stage(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        INTERVIEWING = "interviewing", "Interviewing"
        OFFER = "offer", "Offer"
        ON_HOLD = "on_hold", "On hold"
        PLACED = "placed", "Placed"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STAGES = (Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER, Stage.ON_HOLD)
    ENDED_STAGES = (Stage.PLACED, Stage.REJECTED, Stage.WITHDRAWN)

    class EndReason(models.TextChoices):
        ROLE_DIFFERENT = "role_different", "Role different from the description"
        TEAM_CULTURE = "team_culture", "Team or culture"
        COMPENSATION = "compensation", "Compensation"
        LOCATION = "location", "Location or remote"
        OTHER_OFFER = "other_offer", "Accepted another offer"
        PROCESS_SLOW = "process_slow", "Process too slow"
        PERSONAL = "personal", "Personal"
        COMPANY_DECLINED = "company_declined", "The company decided not to move forward"
        HIRED = "hired", "Hired"
        OTHER = "other", "Other"

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="submissions")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="submissions")
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions", null=True, blank=True
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.SUBMITTED)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    gone_quiet_at = models.DateTimeField(null=True, blank=True)
    # What the candidate told us when they withdrew (hiring/withdrawal.py). None: not asked or no answer.
    open_to_other_roles = models.BooleanField(null=True, blank=True)
    # Off unless the candidate allows it: only then may the company hear *why* they withdrew.
    share_reason_with_company = models.BooleanField(default=False)
    # {"remote": bool, "min_compensation": int | None, "tags": [str]}: what they would want instead.
    withdrawal_wants = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # ``responsible_recruiter`` stored, for the reads that filter many rows by it (Today's and the lists'
    # "mine"): the rule spans three tables, so "whose is this?" cost three joins per row, and a viewer with
    # few rows walked all of the day's interviews to find theirs. Kept by ``refresh_responsible`` only.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        ordering = ["-created_at"]
        # ended_at: the reports read the processes that ended in a date range.
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["ended_at"], name="submission_ended_idx"),
            # Lists (all submissions, a role's, a company's) are newest first, a page at a time.
            models.Index(fields=["created_at", "id"], name="submission_created_idx"),
            models.Index(fields=["role", "created_at", "id"], name="submission_role_created_idx"),
            # A candidate's latest ended process (the talent pool's opt-out and "last process" figures).
            models.Index(fields=["candidate", "-ended_at", "-id"], name="submission_cand_latest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "role"],
                condition=Q(stage__in=["submitted", "interviewing", "offer", "on_hold"]),
                name="one_open_submission_per_candidate_and_role",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["placed", "rejected", "withdrawn"], ended_at__isnull=False)
                | Q(stage__in=["submitted", "interviewing", "offer", "on_hold"], ended_at__isnull=True),
                name="submission_ended_at_matches_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.role}"

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    @property
    def responsible_recruiter(self) -> User | None:
        """Who works this submission, everywhere it matters (tasks, emails, public pages): its own
        recruiter, else the candidate's (the person the candidate knows), else the role's; or nobody.

        Callers that list many submissions select ``recruiter``, ``candidate__recruiter`` and
        ``role__recruiter`` so this reads no row of its own.
        """
        return self.recruiter or self.candidate.recruiter or self.role.recruiter


def refresh_responsible(submissions: QuerySet[Submission]) -> int:
    """Store ``Submission.responsible_recruiter`` on each of ``submissions`` (one UPDATE): the submission's
    recruiter, else the candidate's, else the role's. The one writer of ``Submission.responsible``; the
    saves of submissions, candidates and roles call it (below), bulk loaders after loading."""
    return submissions.update(
        responsible=Coalesce(
            F("recruiter"),
            Subquery(Candidate.objects.filter(pk=OuterRef("candidate_id")).values("recruiter_id")[:1]),
            Subquery(Role.objects.filter(pk=OuterRef("role_id")).values("recruiter_id")[:1]),
        )
    )


_RESPONSIBILITY = frozenset({"recruiter", "candidate", "role"})


def _changes_responsibility(update_fields: frozenset[str] | None) -> bool:
    return update_fields is None or bool(_RESPONSIBILITY & update_fields)


def _submission_saved(
    sender: type[Submission], instance: Submission, created: bool, **kwargs: object
) -> None:
    if created or _changes_responsibility(kwargs.get("update_fields")):  # type: ignore[arg-type]
        refresh_responsible(Submission.objects.filter(pk=instance.pk))


def _candidate_saved(sender: type[Candidate], instance: Candidate, created: bool, **kwargs: object) -> None:
    # A new candidate has no submission yet; only the ones without their own recruiter follow the candidate.
    if not created and _changes_responsibility(kwargs.get("update_fields")):  # type: ignore[arg-type]
        refresh_responsible(Submission.objects.filter(candidate_id=instance.pk, recruiter__isnull=True))


def _role_saved(sender: type[Role], instance: Role, created: bool, **kwargs: object) -> None:
    if not created and _changes_responsibility(kwargs.get("update_fields")):  # type: ignore[arg-type]
        refresh_responsible(
            Submission.objects.filter(
                role_id=instance.pk, recruiter__isnull=True, candidate__recruiter__isnull=True
            )
        )


post_save.connect(_submission_saved, sender=Submission, dispatch_uid="submission_responsible")
post_save.connect(_candidate_saved, sender=Candidate, dispatch_uid="candidate_responsible")
post_save.connect(_role_saved, sender=Role, dispatch_uid="role_responsible")


class Interview(models.Model):
    """One round of a submission. Times are stored in UTC; ``time_zone`` is where it was arranged."""

    class Format(models.TextChoices):
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        ONSITE = "onsite", "On-site"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        CANCELLED_WITH_NOTICE = "cancelled_with_notice", "Cancelled with notice"
        LATE_CANCELLATION = "late_cancellation", "Late cancellation"
        NO_SHOW = "no_show", "No-show"
        # The company called the round off (it declined the candidate): never on the candidate's record.
        CANCELLED_BY_COMPANY = "cancelled_by_company", "Cancelled by the company"

    UPCOMING_STATUSES = (Status.SCHEDULED, Status.CONFIRMED)
    CANCELLED_STATUSES = frozenset(
        {Status.CANCELLED_WITH_NOTICE, Status.LATE_CANCELLATION, Status.CANCELLED_BY_COMPANY}
    )

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="interviews")
    round = models.PositiveSmallIntegerField(default=1)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.VIDEO)
    video_url = models.URLField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    interviewers = models.ManyToManyField(Contact, blank=True, related_name="interviews")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SCHEDULED)
    # iCalendar SEQUENCE: bumped on every change the candidate's calendar must pick up.
    sequence = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["status", "ends_at"]),
            # Today's "outcome not recorded": interviews over that still say scheduled or confirmed, in the
            # order shown, so the first page is read without sorting every one of them.
            models.Index(
                fields=["ends_at", "id"],
                condition=Q(status__in=["scheduled", "confirmed"]),
                name="interview_upcoming_end_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="interview_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(format="video") | ~Q(video_url=""), name="video_interview_has_link"
            ),
            models.CheckConstraint(
                condition=~Q(format="onsite") | ~Q(address=""), name="onsite_interview_has_address"
            ),
        ]

    def __str__(self) -> str:
        return f"Round {self.round}: {self.submission}"

    @property
    def is_upcoming(self) -> bool:
        return self.status in self.UPCOMING_STATUSES


class RoleSuggestion(models.Model):
    """A role Candidly suggested to a candidate in a "roles you might like" email (hiring/suggestions.py).

    One row per role per email: it keeps what was sent and why (``reasons``), holds the signed link of the
    role's public page, and records the candidate's "I'm interested" click.
    """

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="role_suggestions")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="suggestions")
    # The process that ended and led to the suggestion, when there was one.
    after_submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.IntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    link = models.OneToOneField(
        "messaging.Link", on_delete=models.SET_NULL, null=True, blank=True, related_name="role_suggestion"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    interested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-score", "id"]
        indexes = [models.Index(fields=["candidate", "role"], name="rolesuggestion_candidate_idx")]

    def __str__(self) -> str:
        return f"{self.role} suggested to {self.candidate}"

    @property
    def responsible_recruiter(self) -> User | None:
        """Who follows up a suggested role (no submission yet): the candidate's recruiter, else the role's,
        else whoever sent the suggestion."""
        return self.candidate.recruiter or self.role.recruiter or self.suggested_by
