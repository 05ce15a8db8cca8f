"""Request and response bodies. Times are ISO 8601 with an offset (stored UTC); phone numbers E.164."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field

MAX_ID = 2_147_483_647
MIN_YEAR, MAX_YEAR = 1900, 9000


def _printable(value: str) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses them); say so instead of failing.
    if any(char == "\x00" or "\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("Text may not contain NUL characters or unpaired surrogates.")
    return value


def _utc(value: datetime) -> datetime:
    # Stored and compared in UTC; PostgreSQL refuses offsets beyond ±15:59, so none reaches it.
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("That moment is out of range.") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"Use a year from {MIN_YEAR} to {MAX_YEAR}.")
    return moment


Printable = AfterValidator(_printable)
# ISO 8601 with an offset (a time without one is refused), turned into UTC.
Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
Name = Annotated[str, Field(min_length=1, max_length=200), Printable]
Short = Annotated[str, Field(max_length=200), Printable]
Line = Annotated[str, Field(max_length=300), Printable]
Long = Annotated[str, Field(max_length=10_000), Printable]
Country = Annotated[str, Field(max_length=2), Printable]
Zone = Annotated[str, Field(max_length=64), Printable]
ZoneRequired = Annotated[str, Field(min_length=1, max_length=64), Printable]
Email = Annotated[str, Field(min_length=3, max_length=254), Printable]
Phone = Annotated[str, Field(max_length=40), Printable]
Currency = Annotated[str, Field(min_length=3, max_length=3), Printable]
Reason = Annotated[str, Field(max_length=20), Printable]
TaskStatus = Annotated[str, Field(max_length=12), Printable]
Tag = Annotated[str, Field(min_length=1, max_length=40), Printable]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[int, Field(ge=0, le=100_000_000)]
Tags = Annotated[list[Tag], Field(max_length=50)]


class Page(Schema):
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


# --- people -----------------------------------------------------------------------------------------------


class CompanyOut(Schema):
    id: int
    name: str
    website: str
    country: str
    time_zone: str
    notes: str
    created_at: datetime
    updated_at: datetime


class CompanyIn(Schema):
    name: Name
    website: Short = ""
    country: Country = ""
    time_zone: Zone | None = None
    notes: Long = ""


class CompanyPatch(Schema):
    name: Name | None = None
    website: Short | None = None
    country: Country | None = None
    time_zone: Zone | None = None
    notes: Long | None = None


class CompanyPage(Page):
    items: list[CompanyOut]


class ContactOut(Schema):
    id: int
    company_id: int
    name: str
    title: str
    email: str
    phone: str = Field(description="E.164, e.g. +442079460958; empty when unknown.")
    time_zone: str
    is_hiring_manager: bool
    created_at: datetime
    updated_at: datetime


class ContactIn(Schema):
    company_id: Id
    name: Name
    email: Email
    title: Short = ""
    phone: Phone = Field("", description="With its country code; stored E.164.")
    time_zone: Zone | None = None
    is_hiring_manager: bool = False


class ContactPatch(Schema):
    company_id: Id | None = None
    name: Name | None = None
    email: Email | None = None
    title: Short | None = None
    phone: Phone | None = None
    time_zone: Zone | None = None
    is_hiring_manager: bool | None = None


class ContactPage(Page):
    items: list[ContactOut]


Channel = Literal["phone", "email", "sms"]
Remote = Literal["any", "remote", "hybrid", "onsite"]


class CandidateOut(Schema):
    id: int
    name: str
    email: str
    phone: str = Field(description="E.164; empty when unknown.")
    time_zone: str
    country: str
    preferred_channel: str
    recruiter_id: int | None
    role_tags: list[str]
    locations: str
    remote: str
    min_compensation: int | None
    currency: str
    consent: bool
    unsubscribed: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_role_tags(obj: object) -> list[str]:
        return sorted(tag.name for tag in obj.role_tags.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_consent(obj: object) -> bool:
        return obj.consent_at is not None  # type: ignore[attr-defined]

    @staticmethod
    def resolve_unsubscribed(obj: object) -> bool:
        return obj.unsubscribed_at is not None  # type: ignore[attr-defined]


class CandidateIn(Schema):
    name: Name
    email: Email
    phone: Phone = ""
    time_zone: Zone | None = None
    country: Country = ""
    preferred_channel: Channel = "email"
    recruiter_id: Id | None = None
    role_tags: Tags = []
    locations: Short = ""
    remote: Remote = "any"
    min_compensation: Money | None = None
    currency: Currency = "EUR"
    notes: Long = ""
    consent: bool = False


class CandidatePatch(Schema):
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    time_zone: Zone | None = None
    country: Country | None = None
    preferred_channel: Channel | None = None
    recruiter_id: Id | None = None
    role_tags: Tags | None = None
    locations: Short | None = None
    remote: Remote | None = None
    min_compensation: Money | None = None
    currency: Currency | None = None
    notes: Long | None = None
    consent: bool | None = None
    unsubscribed: bool | None = None


class CandidatePage(Page):
    items: list[CandidateOut]


# --- hiring -------------------------------------------------------------------------------------------------

RoleStatus = Literal["open", "on_hold", "filled", "closed"]
Workplace = Literal["onsite", "hybrid", "remote"]


class RoleOut(Schema):
    id: int
    company_id: int
    title: str
    hiring_manager_id: int
    recruiter_id: int | None
    location: str
    workplace: str
    compensation_min: int | None
    compensation_max: int | None
    currency: str
    tags: list[str]
    description: str
    status: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj: object) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())  # type: ignore[attr-defined]


class RoleIn(Schema):
    company_id: Id
    title: Name
    hiring_manager_id: Id
    recruiter_id: Id | None = None
    location: Short = ""
    workplace: Workplace = "hybrid"
    compensation_min: Money | None = None
    compensation_max: Money | None = None
    currency: Currency = "EUR"
    tags: Tags = []
    description: Long = ""
    status: RoleStatus = "open"


class RolePatch(Schema):
    title: Name | None = None
    hiring_manager_id: Id | None = None
    recruiter_id: Id | None = None
    location: Short | None = None
    workplace: Workplace | None = None
    compensation_min: Money | None = None
    compensation_max: Money | None = None
    currency: Currency | None = None
    tags: Tags | None = None
    description: Long | None = None
    status: RoleStatus | None = None


class RolePage(Page):
    items: list[RoleOut]


Stage = Literal["submitted", "interviewing", "offer", "on_hold", "placed", "rejected", "withdrawn"]


class SubmissionOut(Schema):
    id: int
    candidate_id: int
    role_id: int
    recruiter_id: int | None
    stage: str
    end_reason: str
    ended_at: datetime | None
    gone_quiet_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubmissionIn(Schema):
    candidate_id: Id
    role_id: Id
    note: Long = ""


class SubmissionPatch(Schema):
    stage: Stage
    reason: Reason = Field("", description="Why it ended: needed for placed or rejected.")
    note: Long = ""


class SubmissionPage(Page):
    items: list[SubmissionOut]


WithdrawalReason = Literal[
    "",
    "role_different",
    "team_culture",
    "compensation",
    "location",
    "other_offer",
    "process_slow",
    "personal",
    "other",
]


class WithdrawalIn(Schema):
    reason: WithdrawalReason = ""
    note: Long = Field("", description="The candidate's own words: kept by the agency, never sent on.")
    open_to_other_roles: bool | None = None
    share_reason: bool = False


class WithdrawalOut(Schema):
    withdrawn: bool = Field(description="False when the process had already ended: nothing changed.")
    submission: SubmissionOut
    cancelled_interview_ids: list[int]


Format = Literal["phone", "video", "onsite"]


class InterviewOut(Schema):
    id: int
    submission_id: int
    round: int
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    format: str
    video_url: str
    address: str
    interviewer_ids: list[int]
    status: str
    sequence: int
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_interviewer_ids(obj: object) -> list[int]:
        return sorted(contact.pk for contact in obj.interviewers.all())  # type: ignore[attr-defined]


class InterviewIn(Schema):
    submission_id: Id
    starts_at: Moment
    ends_at: Moment
    time_zone: ZoneRequired
    format: Format = "video"
    video_url: Short = ""
    address: Line = ""
    interviewer_ids: Annotated[list[Id], Field(max_length=20)] = []
    notes: Long = ""


class InterviewPatch(Schema):
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    time_zone: ZoneRequired | None = None
    format: Format | None = None
    video_url: Short | None = None
    address: Line | None = None
    interviewer_ids: Annotated[list[Id], Field(max_length=20)] | None = None
    notes: Long | None = None


class InterviewPage(Page):
    items: list[InterviewOut]


class CancellationIn(Schema):
    reason_kind: Literal["reschedule", "not_interested"]
    note: Long = ""


class CancellationOut(Schema):
    result: Literal[
        "cancelled_with_notice", "late_cancellation", "already_cancelled", "already_started", "not_scheduled"
    ]
    late: bool = Field(description="Less than the agency's notice (24 hours by default) before the start.")
    interview: InterviewOut


class OutcomeIn(Schema):
    outcome: Literal["completed", "no_show"]
    note: Long = ""


class OutcomeOut(Schema):
    changed: bool
    interview: InterviewOut


class ConfirmationOut(Schema):
    result: Literal["confirmed", "already_confirmed", "already_started", "not_scheduled"]
    interview: InterviewOut


# --- follow-ups ---------------------------------------------------------------------------------------------


class FeedbackOut(Schema):
    id: int
    interview_id: int
    candidate_id: int | None
    contact_id: int | None
    channel: str
    enjoyment: int | None
    difference: str
    excitement: str
    call_me: bool
    call_window: str
    verdict: str
    created_at: datetime
    updated_at: datetime


class FeedbackIn(Schema):
    interview_id: Id
    contact_id: Id | None = Field(
        None, description="The hiring manager or interviewer answering; omit for the candidate."
    )
    channel: Literal["phone", "email", "sms"] = "phone"
    enjoyment: Annotated[int, Field(ge=1, le=5)] | None = None
    difference: Literal["", "no", "a_little", "a_lot"] = ""
    excitement: Literal["", "yes", "not_sure", "no"] = ""
    call_me: bool = False
    call_window: Literal["", "any", "morning", "midday", "afternoon"] = ""
    verdict: Literal["", "advance", "reject", "hold", "did_not_attend"] = ""
    notes: Long = ""


class FeedbackPage(Page):
    items: list[FeedbackOut]


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    urgent: bool
    status: str
    assigned_to_id: int | None
    due_at: datetime
    candidate_id: int | None
    contact_id: int | None
    submission_id: int | None
    interview_id: int | None
    done_at: datetime | None
    outcome: str
    created_at: datetime


class TaskIn(Schema):
    title: Name
    details: Long = ""
    urgent: bool = False
    due_at: Moment | None = None
    candidate_id: Id | None = None
    submission_id: Id | None = None
    interview_id: Id | None = None


class TaskDoneIn(Schema):
    outcome: Line = ""


class TaskDoneOut(Schema):
    changed: bool
    task: TaskOut


class TaskPage(Page):
    items: list[TaskOut]


# --- timeline -----------------------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    summary: str
    actor_type: str
    actor_user_id: int | None
    candidate_id: int | None
    company_id: int | None
    contact_id: int | None
    submission_id: int | None
    interview_id: int | None


class EventPage(Page):
    items: list[EventOut]
