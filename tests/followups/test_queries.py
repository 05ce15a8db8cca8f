from __future__ import annotations

from datetime import timedelta

from candidly.followups.models import Touchpoint
from candidly.followups.queries import due_touchpoints
from tests.followups.support import plan_email

Status = Touchpoint.Status


def test_due_touchpoints_are_planned_rows_due_by_now_oldest_first(interview, clock):
    later = plan_email(interview, due_at=clock.now - timedelta(minutes=1), step=1)
    earlier = plan_email(interview, due_at=clock.now - timedelta(minutes=5), step=2)
    plan_email(interview, due_at=clock.now + timedelta(minutes=1), step=3)
    failed = plan_email(interview, due_at=clock.now - timedelta(hours=1), step=4)
    Touchpoint.objects.filter(pk=failed.pk).update(status=Status.FAILED)

    assert list(due_touchpoints(clock.now)) == [earlier, later]
