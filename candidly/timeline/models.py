from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q

from candidly.timeline.kinds import EventKind

# The Events a company's and a hiring manager's responsiveness record counts.
RECORD_KINDS = (EventKind.FOLLOWUP_MANAGER_RESPONDED, EventKind.FOLLOWUP_ESCALATED)

# Events that mean we heard from a candidate or they heard from us (not our own bookkeeping): their "last
# contact" in the talent pool (hiring.pool). Here because the index below needs the same condition.
CONTACT_KINDS = (
    EventKind.TOUCHPOINT_SENT,
    EventKind.EMAIL_REPLIED,
    EventKind.CANDIDATE_ROLES_SUGGESTED,
    EventKind.CANDIDATE_OUTCOME_SENT,
    EventKind.CALL_LOGGED,
)
CONTACT_EVENTS = Q(actor_type="candidate") | Q(kind__in=CONTACT_KINDS)  # "candidate": Event.Actor.CANDIDATE


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a timeline Event."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Timeline events are append-only.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Timeline events are append-only.")

    def redact(self, *, summary: str, data: dict[str, Any]) -> int:
        """The one change an Event may undergo: erasure (``privacy.erasure``) replaces what it said about a
        person with a tombstone, keeping its kind, time, actor and links so every count stays. Returns the
        number of rows changed."""
        return super().update(summary=summary[:500], data=data)


class Event(models.Model):
    """One entry on a timeline: a message, call, response or status change, with who and when.

    Append-only: rows are inserted and never updated or deleted through the ORM.
    """

    class Actor(models.TextChoices):
        USER = "user", "Recruiter"
        CANDIDATE = "candidate", "Candidate"
        CONTACT = "contact", "Company contact"
        SYSTEM = "system", "Candidly"

    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=64)
    summary = models.CharField(max_length=500)
    actor_type = models.CharField(max_length=16, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the event is about; any may be empty. Indexed for the per-object timelines.
    candidate = models.ForeignKey(
        "people.Candidate", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    company = models.ForeignKey(
        "people.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    submission = models.ForeignKey(
        "hiring.Submission", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    interview = models.ForeignKey(
        "hiring.Interview", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "occurred_at"]),
            # A company's and a contact's timeline, newest first (timeline.queries.timeline): walking the
            # occurred_at index for a small company's few events passed hundreds of thousands of others.
            models.Index(fields=["company", "occurred_at", "id"], name="event_company_time_idx"),
            models.Index(fields=["contact", "occurred_at", "id"], name="event_contact_time_idx"),
            # The responsiveness record (followups.responsiveness): a big company has tens of thousands of
            # answers among millions of other Events. ``data`` is carried in the index (PostgreSQL) so the
            # counts and the median are read from it alone: fetching those rows from the table, scattered
            # over ~20,000 pages, was most of the record's time.
            models.Index(
                fields=["company", "kind"],
                include=["data"],
                condition=Q(kind__in=RECORD_KINDS),
                name="event_company_record_idx",
            ),
            models.Index(
                fields=["contact", "kind"],
                include=["data"],
                condition=Q(kind__in=RECORD_KINDS),
                name="event_contact_record_idx",
            ),
            # Who is on *watch* (hiring.reliability.on_watch): the no-shows and late cancellations of the
            # last 12 months and their candidates, read from this small index alone (the heap rows of the
            # window are tens of thousands of scattered pages at agency scale).
            models.Index(
                fields=["occurred_at", "candidate", "kind"],
                condition=Q(kind__in=[EventKind.INTERVIEW_NO_SHOW, EventKind.INTERVIEW_LATE_CANCELLATION]),
                name="event_watch_idx",
            ),
            # A candidate's contacts by time (the pool's "last contact" and its filters): one index probe per
            # candidate, where their Events' rows were read one by one to find the contacts among them.
            models.Index(
                fields=["candidate", "occurred_at"], condition=CONTACT_EVENTS, name="event_contact_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Timeline events are append-only.")

    @property
    def actor_label(self) -> str:
        if self.actor_type == self.Actor.USER and self.actor_user is not None:
            return str(self.actor_user)
        return self.get_actor_type_display()
