"""The reports' daily rollup: what the reports count, pre-aggregated per local day, so a year is a few rows.

The rows are derived, never edited by hand: ``reports.rollup`` recomputes them from the records (Events,
submissions, cadence runs, feedback) and can rebuild them from scratch. A row carries no person's id, so a
candidate's erasure leaves the figures intact (anonymised).

``day`` is the local date in the **reporting zone** (``RollupState.zone``, the agency's
``CANDIDLY_DEFAULT_TIME_ZONE``) of the moment the figure counts at, so weeks and months are sums of whole
local days, DST included. The dimensions are the process's: responsible recruiter, the role's company and
hiring manager, the role; ``contact`` / ``contact_company`` are who a response or escalation was about (the
Event's own contact and company, which the manager rankings group by).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

_ID = {"on_delete": models.DO_NOTHING, "db_constraint": False, "null": True, "related_name": "+"}


class DailyFigure(models.Model):
    """How many times ``metric`` (with ``detail``) happened on ``day`` for one combination of dimensions.

    Each day is kept at three grains, so a year of the whole agency or of one desk is a few thousand rows:
    ``FINE`` (every dimension), ``DESK`` (summed over company, manager and role) and ``AGENCY`` (summed over
    the recruiters too). ``contact`` / ``contact_company`` are kept at every grain (set for escalations only).
    The figures a year of the whole agency reads most (``PERIOD_METRICS``: the hour histograms, a hundred
    thousand escalations per manager) are also kept summed per local ``WEEK`` and ``MONTH`` (``day``: its
    Monday, its 1st): a year is then some fifty weeks or twelve months of rows, the edges of a range that
    does not start or end with a whole period read from the ``AGENCY`` days.
    """

    class Grain(models.IntegerChoices):
        FINE = 0
        DESK = 1
        AGENCY = 2
        WEEK = 3
        MONTH = 4

    grain = models.PositiveSmallIntegerField(choices=Grain.choices, db_default=Grain.FINE)
    day = models.DateField()
    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, **_ID)  # type: ignore[arg-type]
    company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    manager = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    role = models.ForeignKey("hiring.Role", **_ID)  # type: ignore[arg-type]
    contact = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    contact_company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    metric = models.CharField(max_length=64)
    detail = models.CharField(max_length=64, default="", blank=True)
    value = models.IntegerField()

    class Meta:
        indexes = [
            # A page reads a range of days by metric; the incremental refresh deletes (day, role) cells.
            models.Index(fields=["grain", "metric", "day"], name="daily_figure_metric_day_idx"),
            # One recruiter's desk: its rows only, not every desk's of the range.
            models.Index(fields=["grain", "recruiter", "metric", "day"], name="daily_figure_desk_idx"),
            models.Index(fields=["day", "role"], name="daily_figure_day_role_idx"),
            # The hour histograms of the response times (the agency's or a desk's year: tens of thousands of
            # rows), read from the index alone rather than a heap page per row.
            models.Index(
                fields=["grain", "recruiter", "metric", "day"],
                include=["detail", "value"],
                condition=models.Q(metric__in=["followup.responded.hour", "followup.manager_responded.hour"]),
                name="daily_figure_answer_hour_idx",
            ),
            # The escalations per hiring manager and company (time to answer's ranking): a year of the
            # agency's is a hundred thousand rows, read from the index alone rather than a heap page each.
            models.Index(
                fields=["grain", "recruiter", "metric", "day"],
                include=["contact", "contact_company", "value"],
                condition=models.Q(metric__in=["followup.escalated"]),
                name="daily_figure_escalation_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.detail} = {self.value}"


class ResponseTime(models.Model):
    """One response after an interview (``followup.responded`` / ``.manager_responded``): its time, for
    exact medians (the hour histogram finds the hour holding a median; these rows give its exact value), on
    the local day it came, with the same dimensions."""

    day = models.DateField()
    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, **_ID)  # type: ignore[arg-type]
    company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    manager = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    role = models.ForeignKey("hiring.Role", **_ID)  # type: ignore[arg-type]
    contact = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    contact_company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    kind = models.CharField(max_length=64)
    # NULL: the Event had no usable time (the direct reading skips those for medians, but counts them).
    seconds = models.FloatField(null=True)
    within_window = models.BooleanField(default=False)
    # The whole hours of ``seconds`` (NULL with it): the bucket of the hour histogram (``DailyFigure``
    # metrics ``<kind>.hour``), so a median reads only the times of the hour that holds it.
    hour = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "day"], name="response_time_kind_day_idx"),
            # One hour's times of one period: the second step of a median (``figures``).
            models.Index(fields=["kind", "hour", "day"], include=["seconds"], name="response_time_hour_idx"),
            models.Index(fields=["day", "role"], name="response_time_day_role_idx"),
            # The managers' and companies' medians (``figures``): each one's times in order, read from the
            # index alone (PostgreSQL), not a sort of the range's rows. Partial on the managers' answers
            # (spelt out: a migration must not import ``EventKind``; a test keeps them equal), so no entry
            # repeats the kind's 26 characters: a third of the pages to read, each page read per request.
            models.Index(
                fields=["contact", "seconds"],
                include=["day", "within_window"],
                condition=models.Q(kind="followup.manager_responded"),
                name="response_time_manager_idx",
            ),
            models.Index(
                fields=["contact_company", "seconds"],
                include=["day", "within_window"],
                condition=models.Q(kind="followup.manager_responded"),
                name="response_time_mgr_company_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.seconds}"


class SharedComment(models.Model):
    """A comment a candidate wrote with their recommendation score: which Feedback, when, and the process's
    dimensions, so the newest comments of a desk are an index read, not a walk through every answer."""

    feedback = models.ForeignKey("followups.Feedback", **_ID)  # type: ignore[arg-type]
    created_at = models.DateTimeField()
    day = models.DateField()
    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, **_ID)  # type: ignore[arg-type]
    company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    manager = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    role = models.ForeignKey("hiring.Role", **_ID)  # type: ignore[arg-type]

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="shared_comment_created_idx"),
            models.Index(fields=["recruiter", "created_at"], name="shared_comment_desk_idx"),
            models.Index(fields=["day", "role"], name="shared_comment_day_role_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment of feedback {self.feedback_id}"


class OpenProcess(models.Model):
    """Processes open now (and of those, flagged gone quiet) for one combination of dimensions: the desk
    today's counts, kept with the rollup (a stage change or a gone-quiet flag is an Event about it)."""

    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, **_ID)  # type: ignore[arg-type]
    company = models.ForeignKey("people.Company", **_ID)  # type: ignore[arg-type]
    manager = models.ForeignKey("people.Contact", **_ID)  # type: ignore[arg-type]
    role = models.ForeignKey("hiring.Role", **_ID)  # type: ignore[arg-type]
    open = models.IntegerField()
    quiet = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["role"], name="open_process_role_idx")]

    def __str__(self) -> str:
        return f"{self.open} open, {self.quiet} quiet"


class RollupState(models.Model):
    """Where the rollup stands (one row): built in ``zone``, complete for Events up to ``event_id`` but
    the ids in ``pending``, and for the time-dependent figures (overdue feedback) up to ``refreshed_at``."""

    zone = models.CharField(max_length=64)
    event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField()
    # Ids up to ``event_id`` that no committed Event had when they were read: [id, first seen (ISO)] each.
    # A transaction still running then commits them later (read again next pass); a rolled-back one never
    # does (forgotten after ``rollup.GAP_PATIENCE``).
    pending = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="rollup_state_single_row")]

    def __str__(self) -> str:
        return f"Report rollup ({self.zone}) up to Event {self.event_id}"
