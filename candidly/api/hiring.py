"""Roles, submissions (and their withdrawal) and interviews (booking, changes, cancellation, outcome):
through ``hiring.services`` and ``hiring.endings``, like the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from candidly.accounts.models import User
from candidly.api import schemas as s
from candidly.api.conventions import (
    READ,
    WRITE,
    actor,
    by_id,
    check_fields,
    check_if_match,
    etag_of,
    only_set,
    paginate,
    referenced,
)
from candidly.api.problems import ApiProblem, field_errors
from candidly.api.responses import created, listed, one
from candidly.hiring.endings import withdraw
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.services import interview_status, interviews, roles, submissions
from candidly.people.models import Candidate, Company, Contact

router = Router(tags=["hiring"])


def _service(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        raise ApiProblem(
            422, "The change breaks a rule; nothing was saved.", errors=field_errors(exc)
        ) from None


def _tags(names: list[str], field: str) -> list[str]:
    try:
        return roles.parse_tag_names(",".join(names))
    except ValidationError as exc:
        raise ApiProblem(
            422, "A tag is not usable.", errors=[{"field": field, "message": m} for m in exc.messages]
        ) from None


# --- roles ------------------------------------------------------------------------------------------------

_ROLES = Role.objects.prefetch_related("tags")


@router.get("/roles", response=listed(s.RolePage), auth=READ)
def list_roles(
    request: HttpRequest,
    company_id: s.Id | None = None,
    status: s.RoleStatus | None = None,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = _ROLES.all()
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    if status is not None:
        rows = rows.filter(status=status)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/roles/{pk}", response=one(s.RoleOut), auth=READ)
def get_role(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.RoleOut:
    out = s.RoleOut.from_orm(by_id(Role, pk, rows=_ROLES.all()))
    response["ETag"] = etag_of(out)
    return out


def _role_fields(values: dict[str, Any]) -> tuple[dict[str, Any], list[str] | None]:
    tags = _tags(values.pop("tags"), "tags") if values.get("tags") is not None else None
    values.pop("tags", None)
    if "company_id" in values:
        values["company"] = referenced(Company, values.pop("company_id"), "company_id")
    if "hiring_manager_id" in values:
        values["hiring_manager"] = referenced(Contact, values.pop("hiring_manager_id"), "hiring_manager_id")
    if "recruiter_id" in values:
        values["recruiter"] = referenced(User, values.pop("recruiter_id"), "recruiter_id")
    check_fields(Role, values, ["title", "location", "currency"])
    return values, tags


@router.post("/roles", response=created(s.RoleOut), auth=WRITE)
def create_role(request: HttpRequest, payload: s.RoleIn) -> Status[Any]:
    fields, tags = _role_fields(payload.dict())
    role = _service(roles.create_role, fields=fields, tag_names=tags or [], actor=actor(request))
    return Status(201, s.RoleOut.from_orm(by_id(Role, role.pk, rows=_ROLES.all())))


@router.patch("/roles/{pk}", response=one(s.RoleOut), auth=WRITE)
def update_role(request: HttpRequest, pk: s.Id, payload: s.RolePatch, response: HttpResponse) -> s.RoleOut:
    role = by_id(Role, pk, rows=_ROLES.all())
    check_if_match(request, s.RoleOut.from_orm(role))
    nullable = {"recruiter_id", "compensation_min", "compensation_max"}
    values = {k: v for k, v in only_set(payload).items() if v is not None or k in nullable}
    changes, tags = _role_fields(values)
    _service(roles.update_role, role, changes=changes, tag_names=tags, actor=actor(request))
    out = s.RoleOut.from_orm(by_id(Role, pk, rows=_ROLES.all()))
    response["ETag"] = etag_of(out)
    return out


# --- submissions --------------------------------------------------------------------------------------------


@router.get("/submissions", response=listed(s.SubmissionPage), auth=READ)
def list_submissions(
    request: HttpRequest,
    candidate_id: s.Id | None = None,
    role_id: s.Id | None = None,
    stage: s.Stage | None = None,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = Submission.objects.all()
    if candidate_id is not None:
        rows = rows.filter(candidate_id=candidate_id)
    if role_id is not None:
        rows = rows.filter(role_id=role_id)
    if stage is not None:
        rows = rows.filter(stage=stage)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/submissions/{pk}", response=one(s.SubmissionOut), auth=READ)
def get_submission(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.SubmissionOut:
    out = s.SubmissionOut.from_orm(by_id(Submission, pk))
    response["ETag"] = etag_of(out)
    return out


@router.post("/submissions", response=created(s.SubmissionOut), auth=WRITE)
def create_submission(request: HttpRequest, payload: s.SubmissionIn) -> Status[Any]:
    candidate = referenced(Candidate, payload.candidate_id, "candidate_id")
    role = referenced(Role, payload.role_id, "role_id")
    assert candidate is not None and role is not None
    submission = _service(
        submissions.create_submission, candidate=candidate, role=role, note=payload.note, actor=actor(request)
    )
    return Status(201, submission)


@router.patch("/submissions/{pk}", response=one(s.SubmissionOut), auth=WRITE)
def move_submission(
    request: HttpRequest, pk: s.Id, payload: s.SubmissionPatch, response: HttpResponse
) -> s.SubmissionOut:
    """Move to another stage (an ending stage needs a ``reason``). A withdrawal has its own operation."""
    submission = by_id(Submission, pk)
    check_if_match(request, s.SubmissionOut.from_orm(submission))
    if payload.stage == Submission.Stage.WITHDRAWN:
        raise ApiProblem(
            422,
            "Record a withdrawal with POST /submissions/{id}/withdrawal.",
            errors=[{"field": "stage", "message": "Use the withdrawal operation."}],
        )
    _service(
        submissions.move_submission,
        submission,
        stage=payload.stage,
        reason=payload.reason,
        note=payload.note,
        actor=actor(request),
    )
    out = s.SubmissionOut.from_orm(by_id(Submission, pk))
    response["ETag"] = etag_of(out)
    return out


@router.post("/submissions/{pk}/withdrawal", response=one(s.WithdrawalOut), auth=WRITE)
def withdraw_submission(request: HttpRequest, pk: s.Id, payload: s.WithdrawalIn) -> dict[str, Any]:
    """The candidate withdrew (told the recruiter or another system): the same flow as the recruiter's
    page: stage, interviews cancelled under the 24-hour rule, follow-ups stopped, a task to tell the
    company."""
    submission = by_id(Submission, pk)
    outcome = withdraw.withdraw_submission(
        submission,
        reason=payload.reason,
        note=payload.note,
        open_to_other_roles=payload.open_to_other_roles,
        share_reason=payload.share_reason,
        via=withdraw.Via.RECRUITER,
        actor=actor(request),
        now=timezone.now(),
    )
    return {
        "withdrawn": outcome.withdrawn,
        "submission": by_id(Submission, pk),
        "cancelled_interview_ids": [c.interview.pk for c in outcome.cancellations if c.cancelled],
    }


# --- interviews ---------------------------------------------------------------------------------------------

_INTERVIEWS = Interview.objects.prefetch_related(
    Prefetch("interviewers", queryset=Contact.objects.only("pk"))
)


@router.get("/interviews", response=listed(s.InterviewPage), auth=READ)
def list_interviews(
    request: HttpRequest,
    submission_id: s.Id | None = None,
    status: str | None = Query(None, max_length=24),
    starts_after: s.Moment | None = None,
    starts_before: s.Moment | None = None,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = _INTERVIEWS.all()
    if submission_id is not None:
        rows = rows.filter(submission_id=submission_id)
    if status:
        rows = rows.filter(status=status)
    if starts_after is not None:
        rows = rows.filter(starts_at__gte=starts_after)
    if starts_before is not None:
        rows = rows.filter(starts_at__lt=starts_before)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


def _interview(pk: int) -> Interview:
    return by_id(Interview, pk, rows=_INTERVIEWS.all())


@router.get("/interviews/{pk}", response=one(s.InterviewOut), auth=READ)
def get_interview(request: HttpRequest, pk: s.Id, response: HttpResponse) -> s.InterviewOut:
    out = s.InterviewOut.from_orm(_interview(pk))
    response["ETag"] = etag_of(out)
    return out


def _interviewers(ids: list[int], field: str = "interviewer_ids") -> list[Contact]:
    found = list(Contact.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ApiProblem(
            422, "An interviewer does not exist.", errors=[{"field": field, "message": "Unknown contact id."}]
        )
    return found


@router.post("/interviews", response=created(s.InterviewOut), auth=WRITE)
def book_interview(request: HttpRequest, payload: s.InterviewIn) -> Status[Any]:
    """Book the next round of a submission: the candidate gets the same invitation as from the page."""
    submission = referenced(Submission, payload.submission_id, "submission_id")
    assert submission is not None
    check_fields(Interview, payload.dict(), ["time_zone", "video_url", "address"])
    interview = _service(
        interviews.schedule_interview,
        submission,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        time_zone=payload.time_zone,
        format=payload.format,
        video_url=payload.video_url,
        address=payload.address,
        interviewers=_interviewers(payload.interviewer_ids),
        notes=payload.notes,
        actor=actor(request),
    )
    return Status(201, s.InterviewOut.from_orm(_interview(interview.pk)))


@router.patch("/interviews/{pk}", response=one(s.InterviewOut), auth=WRITE)
def update_interview(
    request: HttpRequest, pk: s.Id, payload: s.InterviewPatch, response: HttpResponse
) -> s.InterviewOut:
    """Change the time, place, format or interviewers; the calendar invite and reminders follow."""
    interview = _interview(pk)
    check_if_match(request, s.InterviewOut.from_orm(interview))
    values = {k: v for k, v in only_set(payload).items() if v is not None}
    ids = values.pop("interviewer_ids", None)
    check_fields(Interview, values, ["time_zone", "video_url", "address"])
    _service(
        interviews.update_interview,
        interview,
        changes=values,
        interviewers=_interviewers(ids) if ids is not None else None,
        actor=actor(request),
    )
    out = s.InterviewOut.from_orm(_interview(pk))
    response["ETag"] = etag_of(out)
    return out


@router.post("/interviews/{pk}/cancellation", response=one(s.CancellationOut), auth=WRITE)
def cancel_interview(request: HttpRequest, pk: s.Id, payload: s.CancellationIn) -> dict[str, Any]:
    """The candidate can't make it: the 24-hour rule decides between *cancelled with notice* and *late
    cancellation* (with the same tasks and messages as the recruiter's page)."""
    outcome = interview_status.cancel_interview_for_candidate(
        _interview(pk),
        now=timezone.now(),
        reason_kind=payload.reason_kind,
        note=payload.note,
        via=interview_status.Via.RECRUITER,
        actor=actor(request),
    )
    return {"result": str(outcome.result), "late": outcome.late, "interview": _interview(pk)}


@router.post("/interviews/{pk}/confirmation", response=one(s.ConfirmationOut), auth=WRITE)
def confirm_interview(request: HttpRequest, pk: s.Id) -> dict[str, Any]:
    outcome = interview_status.confirm_interview(
        _interview(pk), now=timezone.now(), via=interview_status.Via.RECRUITER, actor=actor(request)
    )
    return {"result": str(outcome.result), "interview": _interview(pk)}


@router.post("/interviews/{pk}/outcome", response=one(s.OutcomeOut), auth=WRITE)
def mark_outcome(request: HttpRequest, pk: s.Id, payload: s.OutcomeIn) -> dict[str, Any]:
    """Attended (``completed``) or ``no_show``, once the interview has ended."""
    result = _service(
        interview_status.mark_interview_outcome,
        _interview(pk),
        outcome=payload.outcome,
        now=timezone.now(),
        actor=actor(request),
        note=payload.note,
    )
    return {"changed": result.changed, "interview": _interview(pk)}
