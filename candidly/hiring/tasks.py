"""Recruiter tasks that hiring rules create or close (``followups.models.Task`` rows).

The follow-ups app owns the Task model and the to-do list; hiring only adds rows through these two helpers,
so every task hiring creates is announced on the timeline the same way. Call them inside the caller's
transaction: they do not open their own.
"""

from __future__ import annotations

from datetime import datetime

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.hiring.models import Interview, Submission
from candidly.timeline.services import record_event


def recruiter_for(submission: Submission) -> User | None:
    """Who works this submission: its own recruiter, else the role's, else the candidate's (or nobody)."""
    return submission.recruiter or submission.role.recruiter or submission.candidate.recruiter


def create_interview_task(
    interview: Interview,
    *,
    kind: str,
    title: str,
    details: str,
    urgent: bool,
    due_at: datetime,
    actor: User | None,
    actor_type: str | None = None,
) -> Task:
    """Add a task about ``interview`` for the submission's recruiter, and a ``task.created`` Event.

    The task is tied to the interview, its submission and candidate so it shows on their pages. ``actor``
    (or ``actor_type`` without one) is whoever's action made the task necessary. Never fails on its own
    (an unassigned task is allowed: nobody owns the submission yet).
    """
    submission = interview.submission
    assignee = recruiter_for(submission)
    task = Task.objects.create(
        kind=kind,
        title=title[: Task._meta.get_field("title").max_length],  # type: ignore[index]
        details=details,
        urgent=urgent,
        assigned_to=assignee,
        due_at=due_at,
        candidate=submission.candidate,
        submission=submission,
        interview=interview,
    )
    record_event(
        kind="task.created",
        summary=f"{'Urgent task' if urgent else 'Task'} for {assignee or 'the team'}: {task.title}",
        actor=actor,
        actor_type=actor_type,
        interview=interview,
        data={"task": task.pk, "task_kind": kind, "urgent": urgent},
    )
    return task


def close_interview_tasks(
    interview: Interview, *, kind: str, now: datetime, done_by: User | None, outcome: str
) -> list[Task]:
    """Mark the interview's open tasks of ``kind`` done (what made them pointless already happened).

    Returns the tasks it closed, possibly none. The caller records the Event that explains why.
    """
    tasks = list(Task.objects.filter(interview=interview, kind=kind, status=Task.Status.OPEN))
    if tasks:
        Task.objects.filter(pk__in=[task.pk for task in tasks], status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=done_by, outcome=outcome[:300]
        )
    return tasks
