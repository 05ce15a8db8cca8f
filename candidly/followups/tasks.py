"""Changes a recruiter makes to their tasks (``followups.models.Task``): marking one done.

Each service is one transaction that changes the task and writes the timeline Event saying who did it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from candidly.accounts.models import User
from candidly.followups.models import Task, Touchpoint
from candidly.timeline.services import record_event


@transaction.atomic
def complete_task(task: Task, *, actor: User, now: datetime, outcome: str = "") -> bool:
    """Mark an open task done by ``actor``, with an optional one-line ``outcome``; return True.

    Writes a ``task.done`` Event (who, when, what) on the task's candidate / interview / contact timeline.
    A call step the worker handed over as this task (touchpoint *due*) becomes *done* with it. Returns
    False and changes nothing when the task is no longer open (done by a colleague a moment ago, or
    cancelled): a double click writes one Event. Raises nothing else.
    """
    outcome = outcome.strip()[:300]
    changed = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, done_at=now, done_by=actor, outcome=outcome
    )
    if not changed:
        return False
    task.status, task.done_at, task.done_by, task.outcome = Task.Status.DONE, now, actor, outcome
    if task.touchpoint_id is not None:
        Touchpoint.objects.filter(pk=task.touchpoint_id, status=Touchpoint.Status.DUE).update(
            status=Touchpoint.Status.DONE, done_at=now, updated_at=now
        )
    record_event(
        kind="task.done",
        summary=f"Task done: {task.title}" + (f" ({outcome})" if outcome else ""),
        actor=actor,
        candidate=task.candidate,
        contact=task.contact,
        submission=task.submission,
        interview=task.interview,
        data={"task": task.pk, "task_kind": task.kind, "outcome": outcome},
    )
    return True
