"""Feedback (recorded through ``followups.responses.record_response``), tasks (``followups.tasks``) and
the timeline of a candidate or a submission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from candidly.api import schemas as s
from candidly.api.conventions import READ, WRITE, actor, by_id, paginate, referenced
from candidly.api.problems import ApiProblem
from candidly.api.responses import created, listed, one
from candidly.followups.models import Feedback, Task
from candidly.followups.responses import Answers, Verdict, record_response
from candidly.followups.tasks import complete_task, create_task
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate, Contact
from candidly.timeline.models import Event

router = Router(tags=["follow-ups"])


# --- feedback ---------------------------------------------------------------------------------------------


@router.get("/feedback", response=listed(s.FeedbackPage), auth=READ)
def list_feedback(
    request: HttpRequest,
    interview_id: s.Id | None = None,
    updated_since: s.Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = Feedback.objects.all()
    if interview_id is not None:
        rows = rows.filter(interview_id=interview_id)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/feedback/{pk}", response=one(s.FeedbackOut), auth=READ)
def get_feedback(request: HttpRequest, pk: s.Id) -> Feedback:
    return by_id(Feedback, pk)


@router.post("/feedback", response=created(s.FeedbackOut), auth=WRITE)
def record_feedback(request: HttpRequest, payload: s.FeedbackIn) -> Status[Any]:
    """Record what the candidate (the three questions) or a contact (``contact_id``, a verdict) said about
    an interview, e.g. on a call: their follow-ups stop and the recruiter gets the same tasks as from the
    feedback page."""
    interview = referenced(Interview, payload.interview_id, "interview_id")
    assert interview is not None
    answers: Answers | Verdict
    person: Candidate | Contact
    if payload.contact_id is not None:
        contact = referenced(Contact, payload.contact_id, "contact_id")
        assert contact is not None
        if contact.company_id != interview.submission.role.company_id:
            raise ApiProblem(
                422,
                "That contact is not at the interview's company.",
                errors=[{"field": "contact_id", "message": "Not at the interview's company."}],
            )
        if not payload.verdict:
            raise ApiProblem(
                422,
                "A contact's feedback is a verdict.",
                errors=[{"field": "verdict", "message": "Give the verdict."}],
            )
        person, answers = contact, Verdict(verdict=payload.verdict, notes=payload.notes)
    else:
        if payload.verdict:
            raise ApiProblem(
                422,
                "Only a contact gives a verdict.",
                errors=[{"field": "verdict", "message": "Only for a contact (contact_id)."}],
            )
        person = interview.submission.candidate
        answers = Answers(
            enjoyment=payload.enjoyment,
            difference=payload.difference,
            excitement=payload.excitement,
            notes=payload.notes,
            call_me=payload.call_me,
            call_window=payload.call_window,
        )
    result = record_response(
        person=person,
        interview=interview,
        channel=payload.channel,
        answers=answers,
        received_at=timezone.now(),
        actor=actor(request),
    )
    assert result.feedback is not None
    return Status(201, result.feedback)


# --- tasks ------------------------------------------------------------------------------------------------


@router.get("/tasks", response=listed(s.TaskPage), auth=READ)
def list_tasks(
    request: HttpRequest,
    status: s.TaskStatus | None = None,
    assigned_to_id: s.Id | None = None,
    submission_id: s.Id | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    rows = Task.objects.all()
    if status:
        rows = rows.filter(status=status)
    if assigned_to_id is not None:
        rows = rows.filter(assigned_to_id=assigned_to_id)
    if submission_id is not None:
        rows = rows.filter(submission_id=submission_id)
    items, next_cursor = paginate(rows, cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/tasks/{pk}", response=one(s.TaskOut), auth=READ)
def get_task(request: HttpRequest, pk: s.Id) -> Task:
    return by_id(Task, pk)


@router.post("/tasks", response=created(s.TaskOut), auth=WRITE)
def add_task(request: HttpRequest, payload: s.TaskIn) -> Status[Any]:
    """A task for the recruiter responsible for what it is about (or the key's user)."""
    user = actor(request)
    task = create_task(
        kind=Task.Kind.OTHER,
        title=payload.title,
        details=payload.details,
        urgent=payload.urgent,
        due_at=payload.due_at or timezone.now(),
        actor=user,
        interview=referenced(Interview, payload.interview_id, "interview_id"),
        submission=referenced(Submission, payload.submission_id, "submission_id"),
        candidate=referenced(Candidate, payload.candidate_id, "candidate_id"),
        fallback_assignee=user,
    )
    return Status(201, task)


@router.post("/tasks/{pk}/completion", response=one(s.TaskDoneOut), auth=WRITE)
def finish_task(request: HttpRequest, pk: s.Id, payload: s.TaskDoneIn) -> dict[str, Any]:
    task = by_id(Task, pk)
    changed = complete_task(task, actor=actor(request), now=timezone.now(), outcome=payload.outcome)
    return {"changed": changed, "task": by_id(Task, pk)}


# --- timeline ---------------------------------------------------------------------------------------------


@router.get("/candidates/{pk}/events", response=listed(s.EventPage), auth=READ, tags=["timeline"])
def candidate_events(
    request: HttpRequest, pk: s.Id, cursor: str | None = None, limit: int = Query(50, ge=1, le=100)
) -> dict[str, Any]:
    """The candidate's timeline, newest first."""
    candidate = by_id(Candidate, pk)
    items, next_cursor = paginate(
        Event.objects.filter(candidate=candidate), cursor=cursor, limit=limit, descending=True
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/submissions/{pk}/events", response=listed(s.EventPage), auth=READ, tags=["timeline"])
def submission_events(
    request: HttpRequest, pk: s.Id, cursor: str | None = None, limit: int = Query(50, ge=1, le=100)
) -> dict[str, Any]:
    """The submission's timeline (its interviews included), newest first."""
    submission = by_id(Submission, pk)
    items, next_cursor = paginate(
        Event.objects.filter(submission=submission), cursor=cursor, limit=limit, descending=True
    )
    return {"items": items, "next_cursor": next_cursor}
