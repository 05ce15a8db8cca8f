from __future__ import annotations

from datetime import timedelta

from candidly.followups.models import Task, Touchpoint
from candidly.followups.queries import due_touchpoints, open_tasks_for
from tests.followups.support import plan_email

Status = Touchpoint.Status


def test_due_touchpoints_are_planned_rows_due_by_now_oldest_first(interview, clock):
    later = plan_email(interview, due_at=clock.now - timedelta(minutes=1), step=1)
    earlier = plan_email(interview, due_at=clock.now - timedelta(minutes=5), step=2)
    plan_email(interview, due_at=clock.now + timedelta(minutes=1), step=3)
    failed = plan_email(interview, due_at=clock.now - timedelta(hours=1), step=4)
    Touchpoint.objects.filter(pk=failed.pk).update(status=Status.FAILED)

    assert list(due_touchpoints(clock.now)) == [earlier, later]


def test_open_tasks_for_puts_urgent_first_then_by_due_time(interview, clock):
    rita = interview.submission.recruiter
    common = {"kind": Task.Kind.CALL, "assigned_to": rita, "candidate": interview.submission.candidate}
    later = Task.objects.create(title="later", due_at=clock.now + timedelta(hours=2), **common)
    sooner = Task.objects.create(title="sooner", due_at=clock.now, **common)
    urgent = Task.objects.create(title="urgent", due_at=clock.now + timedelta(days=1), urgent=True, **common)
    Task.objects.create(title="done", due_at=clock.now, status=Task.Status.DONE, **common)
    Task.objects.create(title="someone else's", due_at=clock.now, kind=Task.Kind.CALL)

    assert list(open_tasks_for(rita, mine_only=True)) == [urgent, sooner, later]
