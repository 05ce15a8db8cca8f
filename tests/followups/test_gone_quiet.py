"""Gone quiet: the candidate's last step passes without an answer; the company's escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Task, Touchpoint
from candidly.followups.responses import Answers, record_response
from candidly.followups.worker import Outcome
from candidly.hiring.models import Interview, Submission
from candidly.hiring.reliability import reliability_record
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

Kind = Touchpoint.Kind


@pytest.fixture
def interview(clock) -> Interview:
    interview = InterviewFactory(
        starts_at=clock.now - timedelta(hours=2),
        ends_at=clock.now - timedelta(hours=1),
        submission__candidate__name="Cara Candidate",
        submission__role__title="Backend Engineer",
        submission__role__company__name="Acme Robotics",
        submission__role__hiring_manager__name="Hannah Manager",
    )
    plan_follow_up_cadences(interview)
    # Only the last steps are under test here: the earlier ones are done.
    Touchpoint.objects.exclude(kind__in=[Kind.GONE_QUIET, Kind.ESCALATION]).update(
        status=Touchpoint.Status.DONE
    )
    return interview


def run_to(clock, make_worker, moment: datetime):
    clock.set(moment)
    return make_worker().run_batch()


def test_gone_quiet_step_flags_the_submission_alerts_the_recruiter_and_counts_on_the_record(
    interview, clock, make_worker
):
    # The gone-quiet check is due 5 business days after Tuesday 10 March: Tuesday 17 March, 10:00 in New York.
    due = datetime(2026, 3, 17, 14, tzinfo=UTC)

    early = run_to(clock, make_worker, due - timedelta(minutes=1))
    report = run_to(clock, make_worker, due)

    assert (early.claimed, dict(report.outcomes)) == (1, {Outcome.TASK: 1})  # early: the escalation
    submission = Submission.objects.get()
    assert submission.gone_quiet_at == due
    task = Task.objects.get(kind=Task.Kind.GONE_QUIET)
    assert (task.title, task.assigned_to, task.due_at, task.status) == (
        "Cara Candidate has gone quiet about Backend Engineer at Acme Robotics",
        submission.recruiter,
        due,
        Task.Status.OPEN,
    )
    event = Event.objects.get(kind="submission.gone_quiet")
    assert (event.candidate, event.submission, event.occurred_at, event.summary) == (
        submission.candidate,
        submission,
        due,
        "Gone quiet: no answer to any follow-up since round 1",
    )
    record = reliability_record(submission.candidate, now=clock.now)
    assert record.gone_quiet == 1
    assert ("Went quiet after an interview", 1, "submission.gone_quiet") in [
        (f.label, f.count, f.kind) for f in record.figures
    ]


def test_gone_quiet_is_cleared_by_a_later_response_with_an_event(interview, clock, make_worker):
    run_to(clock, make_worker, datetime(2026, 3, 17, 14, tzinfo=UTC))
    clock.advance(timedelta(days=1))

    result = record_response(
        person=interview.submission.candidate,
        interview=interview,
        channel="form",
        answers=Answers(3, "no", "", "not_sure"),
        received_at=clock.now,
    )

    submission = Submission.objects.get()
    assert (result.cleared_gone_quiet, submission.gone_quiet_at) == (True, None)
    cleared = Event.objects.get(kind="submission.gone_quiet_cleared")
    assert (cleared.summary, cleared.actor_type) == (
        "No longer quiet: answered the feedback form",
        "candidate",
    )
    task = Task.objects.get(kind=Task.Kind.GONE_QUIET)
    assert (task.status, task.outcome) == (Task.Status.DONE, "They answered (answered the feedback form).")
    # The record keeps the fact that it happened: a record, not a verdict.
    assert reliability_record(submission.candidate, now=clock.now).gone_quiet == 1


def test_gone_quiet_step_after_the_process_ended_is_skipped(interview, clock, make_worker):
    Submission.objects.update(stage=Submission.Stage.WITHDRAWN, end_reason="other_offer", ended_at=clock.now)

    report = run_to(clock, make_worker, datetime(2026, 3, 17, 14, tzinfo=UTC))

    assert dict(report.outcomes) == {Outcome.SKIPPED: 2}
    assert Submission.objects.get().gone_quiet_at is None
    # Only the (separate) reminder to record whether the candidate attended; no gone-quiet alert.
    assert list(Task.objects.values_list("kind", flat=True)) == [Task.Kind.MARK_INTERVIEW]
    assert Event.objects.filter(kind="submission.gone_quiet").count() == 0


def test_escalation_step_tasks_the_recruiter_and_goes_on_the_companys_record(interview, clock, make_worker):
    # Two business days after Tuesday 10 March 14:00 UTC, in London: Thursday 12 March 14:00.
    report = run_to(clock, make_worker, datetime(2026, 3, 12, 14, tzinfo=UTC))

    assert dict(report.outcomes) == {Outcome.TASK: 1}
    task = Task.objects.exclude(kind=Task.Kind.MARK_INTERVIEW).get()
    hannah = interview.submission.role.hiring_manager
    assert (task.kind, task.title, task.contact) == (
        Task.Kind.CHASE_COMPANY,
        "Chase Acme Robotics for feedback from Hannah Manager about Backend Engineer at Acme Robotics",
        hannah,
    )
    event = Event.objects.get(kind="followup.escalated")
    assert (event.contact, event.company, event.interview) == (hannah, hannah.company, interview)
    assert (
        event.summary
        == "Hannah Manager has not given feedback on Cara Candidate's interview: escalated to the recruiter"
    )
