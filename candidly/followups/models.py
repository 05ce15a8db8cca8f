from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from candidly.accounts.models import User
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
    # The message's own words when a recruiter wrote them (the honest update, edited before it goes);
    # empty: the kind's template says it.
    message_text = models.TextField(blank=True)
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
    def channel_shown(self) -> str:
        """The channel a recruiter is shown for this row: the one it will really go by. A planned SMS to a
        candidate SMS cannot reach (``Candidate.accepts_sms``: a STOP, no number) goes by email
        (``messaging.delivery``), and the page says so rather than promising an SMS."""
        candidate = self.candidate
        if self.channel != self.Channel.SMS or candidate is None or candidate.accepts_sms:
            return self.get_channel_display()
        why = "they texted STOP" if candidate.sms_opted_out_at is not None else "no mobile number"
        return f"Email (planned as SMS; {why})"

    @property
    def responsible_recruiter(self) -> User | None:
        """Who acts on this touchpoint: its submission's responsible recruiter (``Submission``'s one
        rule), else the candidate's recruiter; or nobody."""
        submission = self.submission or (self.interview.submission if self.interview is not None else None)
        if submission is not None:
            return submission.responsible_recruiter
        return self.candidate.recruiter if self.candidate is not None else None

    @property
    def is_essential(self) -> bool:
        return self.kind in self.ESSENTIAL_KINDS

    def is_due(self, now: datetime) -> bool:
        return self.status == self.Status.PLANNED and self.due_at <= now


# Routine bookkeeping a person gets to after everything someone is waiting on: the honest update the silence
# check prepares, marking an outcome, anything else. The rest (calls, escalations to chase a company,
# cancellations to pass on, messages that failed, verdicts to relay) have a person waiting on the other end.
ROUTINE_KIND_VALUES = ("update-candidate", "mark-interview", "other")


def task_attention() -> models.Case:
    """How soon a task needs a person, smallest first: 0 urgent (a late cancellation's call), 1 someone is
    waiting (an escalation, a call, a company to tell), 2 routine (:data:`ROUTINE_KIND_VALUES`).

    The task list's indexes are built on this very expression: PostgreSQL uses an expression index only for
    a query ordering by the same expression, so the list and the indexes both take it from here."""
    return models.Case(
        models.When(urgent=True, then=models.Value(0)),
        models.When(kind__in=ROUTINE_KIND_VALUES, then=models.Value(2)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


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
        GONE_QUIET = "gone-quiet", "The candidate has gone quiet"
        RELAY_VERDICT = "relay-verdict", "Tell the candidate the company's verdict"
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
        indexes = [
            models.Index(fields=["status", "due_at"], name="task_open_due_idx"),
            # Today's sections: one kind of open task, the viewer's (or nobody's), by due time.
            models.Index(
                fields=["kind", "assigned_to", "due_at"],
                condition=Q(status="open"),
                name="task_open_kind_idx",
            ),
            # The task list (followups.queries.task_list_parts): the viewer's open tasks, then everyone
            # else's, each in attention order (``task_attention``, an expression), then due time.
            models.Index(
                "assigned_to",
                task_attention(),
                "due_at",
                "id",
                condition=Q(status="open"),
                name="task_open_mine_attention_idx",
            ),
            models.Index(
                task_attention(),
                "due_at",
                "id",
                condition=Q(status="open"),
                name="task_open_attention_idx",
            ),
        ]
        constraints = [
            # Two workers running the silence check at once must not give the recruiter two "Update" tasks.
            models.UniqueConstraint(
                fields=["submission"],
                condition=Q(kind="update-candidate", status="open"),
                name="task_one_open_update_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Cadence(models.Model):
    """The admin's ordered list of follow-up steps for one audience after an interview ends (rule 1).

    Steps are copied into Touchpoints when an interview's cadences are planned: editing a cadence changes
    interviews that end afterwards, never touchpoints already planned.
    """

    class Audience(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        HIRING_MANAGER = "hiring_manager", "Hiring manager"

    audience = models.CharField(max_length=16, choices=Audience.choices, unique=True)
    # Hiring managers only: feedback within this many business days of the interview's end counts as
    # "within the window" on the company's responsiveness record.
    window_business_days = models.PositiveSmallIntegerField(default=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["audience"]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} cadence"


class CadenceStep(models.Model):
    """One step of a cadence: ``offset`` hours or business days after the interview's end."""

    class Unit(models.TextChoices):
        HOURS = "hours", "hours"
        BUSINESS_DAYS = "business_days", "business days"

    class Channel(models.TextChoices):
        CALL = "call", "Phone call (recruiter task)"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        WRITTEN = "written", "The candidate's preferred written channel"
        TASK = "task", "Recruiter task"

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    offset = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=16, choices=Unit.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=32, choices=Touchpoint.Kind.choices)
    respects_business_hours = models.BooleanField(default=True)

    class Meta:
        ordering = ["cadence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "position"], name="cadence_step_position_unique"),
        ]

    def __str__(self) -> str:
        return f"+{self.offset} {self.get_unit_display()}: {self.get_kind_display()} ({self.channel})"


class CadenceRun(models.Model):
    """One audience's cadence planned for one interview: the marker that makes planning happen once.

    Also the hiring manager's side of the responsiveness record: when feedback was asked for, when it
    was due to count as "within the window", and when it came.
    """

    interview = models.ForeignKey("hiring.Interview", on_delete=models.PROTECT, related_name="cadence_runs")
    audience = models.CharField(max_length=16, choices=Cadence.Audience.choices)
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.PROTECT, null=True, blank=True, related_name="cadence_runs"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="cadence_runs"
    )
    planned_at = models.DateTimeField()
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # A copy of "the submission's stage is an open one", kept by ``cadences.mark_process_runs`` (called by
    # ``hiring.services.submissions.move_submission``, the one place a stage changes): most runs belong to
    # processes that ended long ago, and the lists of feedback still owed (Today, responsiveness) read
    # the open ones through a small index instead of joining every run to its submission.
    process_open = models.BooleanField(default=True, db_default=True)

    class Meta:
        ordering = ["-planned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "audience"], name="cadence_run_once_per_interview"),
        ]
        indexes = [
            models.Index(
                fields=["contact", "respond_by"],
                condition=Q(audience="hiring_manager", responded_at__isnull=True),
                name="cadence_run_awaiting_idx",
            ),
            # The ghosting report counts the managers' windows that ended in a date range.
            models.Index(
                fields=["respond_by"], condition=Q(audience="hiring_manager"), name="cadence_run_window_idx"
            ),
            # Today's "feedback overdue": the managers' unanswered runs of open processes, oldest first.
            models.Index(
                fields=["respond_by", "id"],
                condition=Q(audience="hiring_manager", responded_at__isnull=True, process_open=True),
                name="cadence_run_owed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} cadence for interview {self.interview_id}"


class Feedback(models.Model):
    """The answers about one interview: the candidate's three questions, or the hiring manager's verdict.

    One row per (interview, person): correcting answers through a live link updates it (with an Event).
    """

    class Channel(models.TextChoices):
        FORM = "form", "Feedback form"
        PHONE = "phone", "Phone call"
        EMAIL = "email", "Email reply"
        SMS = "sms", "SMS reply"

    class Difference(models.TextChoices):
        NO = "no", "No"
        A_LITTLE = "a_little", "A little"
        A_LOT = "a_lot", "A lot"

    class Excitement(models.TextChoices):
        YES = "yes", "Yes"
        NOT_SURE = "not_sure", "Not sure"
        NO = "no", "No"

    class Verdict(models.TextChoices):
        ADVANCE = "advance", "Move forward"
        REJECT = "reject", "Not moving forward"
        HOLD = "hold", "On hold"
        DID_NOT_ATTEND = "did_not_attend", "The candidate did not attend"

    class CallWindow(models.TextChoices):
        ANY = "any", "Any time in working hours"
        MORNING = "morning", "Morning, 9:00 to 12:00"
        MIDDAY = "midday", "Around lunch, 12:00 to 14:00"
        AFTERNOON = "afternoon", "Afternoon, 14:00 to 18:00"

    interview = models.ForeignKey("hiring.Interview", on_delete=models.PROTECT, related_name="feedback")
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The candidate's three questions (blank when they only asked to be called).
    enjoyment = models.PositiveSmallIntegerField(null=True, blank=True)
    difference = models.CharField(max_length=12, choices=Difference.choices, blank=True)
    difference_note = models.TextField(blank=True)
    excitement = models.CharField(max_length=12, choices=Excitement.choices, blank=True)
    call_me = models.BooleanField(default=False)
    call_window = models.CharField(max_length=12, choices=CallWindow.choices, blank=True)
    # "How likely are you to recommend working with us to a friend?" (0-10): optional, never one of the
    # answers the form needs; the candidate experience report (cNPS) counts it.
    recommend_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Why that score, in the candidate's words: shared with the agency's reports, which they are told.
    recommend_comment = models.TextField(blank=True)
    # The hiring manager's verdict.
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    # Free text from either: the candidate's own words, the manager's notes for the recruiter.
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The candidate experience report reads scores by when they were given.
            models.Index(
                fields=["created_at"],
                condition=Q(recommend_score__isnull=False),
                name="feedback_recommend_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, contact__isnull=True)
                | Q(candidate__isnull=True, contact__isnull=False),
                name="feedback_exactly_one_person",
            ),
            models.CheckConstraint(
                condition=Q(enjoyment__isnull=True) | Q(enjoyment__gte=1, enjoyment__lte=5),
                name="feedback_enjoyment_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(recommend_score__isnull=True) | Q(recommend_score__lte=10),
                name="feedback_recommend_0_to_10",
            ),
            models.UniqueConstraint(
                fields=["interview", "candidate"],
                condition=Q(candidate__isnull=False),
                name="feedback_once_per_candidate_interview",
            ),
            models.UniqueConstraint(
                fields=["interview", "contact"],
                condition=Q(contact__isnull=False),
                name="feedback_once_per_contact_interview",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback on interview {self.interview_id} from {self.candidate or self.contact}"

    @property
    def is_verdict(self) -> bool:
        return self.contact_id is not None


class WorkerHeartbeat(models.Model):
    """One row per worker process (by its id), touched every few seconds while the worker loops.

    The newest ``last_seen_at`` tells the pages, ``/healthz`` and ``/metrics`` whether anyone is sending.
    Rows of workers long gone are pruned by the workers themselves (``followups.health``).
    """

    worker_id = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.last_seen_at:%Y-%m-%d %H:%M:%S})"
