"""The withdrawal service: one transaction that ends the process and tidies up after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError

from candidly.followups.models import Task, Touchpoint
from candidly.hiring.endings.withdraw import Wants, withdraw_submission
from candidly.hiring.models import Interview, Submission
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.hiring.endings_support import (
    NOW,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    interview_in,
    make_world,
    touchpoint,
)

pytestmark = pytest.mark.django_db

Kind, Status = Touchpoint.Kind, Touchpoint.Status


def kinds_of_events() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def test_withdraw_submission_ends_the_process_and_everything_around_it():
    world = make_world()
    past = interview_in(world.submission, -timedelta(days=1), round=1, status=Interview.Status.COMPLETED)
    next_week = interview_in(world.submission, timedelta(days=3), round=2)
    nudge = touchpoint(interview=past, kind=Kind.NUDGE, key="nudge")
    reminder = touchpoint(interview=past, kind=Kind.FEEDBACK_REMINDER, contact=world.hannah, key="hm")
    upcoming_reminder = touchpoint(interview=next_week, kind=Kind.INTERVIEW_REMINDER, key="rem")
    sent = touchpoint(interview=past, kind=Kind.FOLLOW_UP_EMAIL, status=Status.DONE, key="sent")
    call = touchpoint(
        interview=past, kind=Kind.FOLLOW_UP_CALL, channel=Touchpoint.Channel.CALL, status=Status.DUE, key="c"
    )
    call_task = Task.objects.create(
        kind=Task.Kind.CALL, title="Call Cara", due_at=NOW, touchpoint=call, submission=world.submission
    )
    other = make_world_elsewhere(world)

    outcome = withdraw_submission(
        world.submission,
        reason=Submission.EndReason.COMPENSATION,
        note="They offered far too little, honestly.",
        open_to_other_roles=True,
        wants=Wants(remote=True, min_compensation=90000, tags=("data", "python")),
        via="email",
        now=NOW,
    )

    submission = Submission.objects.get(pk=world.submission.pk)
    assert outcome.withdrawn is True
    assert (submission.stage, submission.end_reason, submission.end_note) == (
        "withdrawn",
        "compensation",
        "They offered far too little, honestly.",
    )
    assert (submission.open_to_other_roles, submission.share_reason_with_company) == (True, False)
    assert submission.withdrawal_wants == {
        "remote": True,
        "min_compensation": 90000,
        "tags": ["data", "python"],
    }
    past.refresh_from_db()
    next_week.refresh_from_db()
    assert (past.status, next_week.status, next_week.sequence) == ("completed", "cancelled_with_notice", 1)
    statuses = {
        tp.pk: (tp.status, tp.skip_reason)
        for tp in Touchpoint.objects.filter(
            pk__in=[nudge.pk, reminder.pk, upcoming_reminder.pk, sent.pk, call.pk]
        )
    }
    assert statuses == {
        nudge.pk: ("skipped", "The candidate withdrew."),
        reminder.pk: ("skipped", "The candidate withdrew."),
        # Cancelling the interview (the 24-hour rule) already stopped its reminders.
        upcoming_reminder.pk: ("skipped", "The interview was cancelled."),
        sent.pk: ("done", ""),
        call.pk: ("skipped", "The candidate withdrew."),
    }
    assert sorted(outcome.skipped_touchpoints) == sorted([nudge.pk, reminder.pk, call.pk])
    # ...and the candidate still gets the calendar cancel for it.
    assert list(
        Touchpoint.objects.filter(status="planned", interview=next_week).values_list("kind", flat=True)
    ) == [Kind.INTERVIEW_CANCELLED]
    call_task.refresh_from_db()
    assert (call_task.status, call_task.outcome) == ("cancelled", "The candidate withdrew.")
    other.refresh_from_db()
    assert other.status == "planned"
    tasks = list(
        Task.objects.filter(submission=submission, status="open")
        .order_by("pk")
        .values_list("kind", "title", "urgent", "assigned_to__username")
    )
    assert tasks == [
        (
            "cancel-with-company",
            "Cancel with Acme Robotics: Cara Candidate, interview round 2",
            False,
            "rita",
        ),
        ("tell-company", "Tell Acme Robotics: Cara Candidate withdrew from Backend Engineer", False, "rita"),
    ]
    cara = Candidate.objects.get(pk=world.cara.pk)
    assert (cara.remote, cara.min_compensation) == ("remote", 90000)
    assert sorted(cara.role_tags.values_list("name", flat=True)) == ["data", "python"]
    assert kinds_of_events() == [
        "submission.stage_changed",
        "interview.cancelled_with_notice",
        "task.created",
        "touchpoint.skipped",
        "task.created",
        "candidate.preferences_updated",
        "submission.withdrawn",
    ]
    withdrawn = Event.objects.get(kind="submission.withdrawn")
    assert withdrawn.actor_type == "candidate"
    assert withdrawn.summary == (
        "Withdrew from Backend Engineer at Acme Robotics: Compensation (through the link in an email)"
    )
    assert withdrawn.data["cancelled_interviews"] == [next_week.pk]
    assert withdrawn.data["task"] == outcome.task.pk


def make_world_elsewhere(world):
    """A planned touchpoint of another process of the same candidate: a withdrawal must not touch it."""
    from tests.factories import InterviewFactory, RoleFactory, SubmissionFactory

    elsewhere = SubmissionFactory(candidate=world.cara, role=RoleFactory(title="Data Engineer"))
    return touchpoint(interview=InterviewFactory(submission=elsewhere), kind=Kind.NUDGE, key="elsewhere")


def test_withdraw_24h_or_more_before_an_interview_cancels_it_with_notice():
    world = make_world()
    interview = interview_in(world.submission, timedelta(hours=24))

    outcome = withdraw_submission(world.submission, reason="", via="link", now=NOW)

    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
    assert [c.result for c in outcome.cancellations] == ["cancelled_with_notice"]
    assert list(Task.objects.order_by("pk").values_list("kind", "urgent")) == [
        ("cancel-with-company", False),
        ("tell-company", False),
    ]


def test_withdraw_under_24h_before_an_interview_is_a_late_cancellation_with_urgent_tasks():
    world = make_world()
    interview = interview_in(world.submission, timedelta(hours=23, minutes=59, seconds=59))

    withdraw_submission(world.submission, reason=Submission.EndReason.OTHER_OFFER, via="email", now=NOW)

    interview.refresh_from_db()
    assert (interview.status, interview.sequence) == (Interview.Status.LATE_CANCELLATION, 1)
    assert list(Task.objects.order_by("pk").values_list("kind", "urgent")) == [
        ("cancel-with-company", True),
        ("call", True),
        ("tell-company", False),
    ]
    assert Event.objects.filter(kind="interview.late_cancellation").count() == 1


def test_withdraw_leaves_an_interview_that_already_started_alone():
    world = make_world()
    started = interview_in(world.submission, -timedelta(minutes=10))

    outcome = withdraw_submission(world.submission, reason="personal", via="email", now=NOW)

    started.refresh_from_db()
    assert started.status == Interview.Status.SCHEDULED
    assert outcome.cancellations == ()


def test_withdraw_twice_changes_nothing_more():
    world = make_world()
    interview_in(world.submission, timedelta(days=3))
    withdraw_submission(world.submission, reason="personal", via="email", now=NOW)
    events, tasks = Event.objects.count(), Task.objects.count()

    again = withdraw_submission(
        world.submission,
        reason="compensation",
        note="second thoughts",
        wants=Wants(remote=True),
        via="feedback",
        now=NOW + timedelta(minutes=1),
    )

    submission = Submission.objects.get(pk=world.submission.pk)
    assert again.withdrawn is False
    assert (submission.end_reason, submission.end_note) == ("personal", "")
    assert (Event.objects.count(), Task.objects.count()) == (events, tasks)
    assert Candidate.objects.get(pk=world.cara.pk).remote == "any"


def test_withdraw_failure_midway_leaves_nothing_half_done():
    world = make_world()
    interview = interview_in(world.submission, timedelta(days=3))
    nudge = touchpoint(interview=interview, kind=Kind.INTERVIEW_REMINDER, key="r")
    Candidate.objects.filter(pk=world.cara.pk).update(min_compensation=None)

    # The last step, saving the preferences, hits the database's CHECK (minimum >= 0) after the others ran.
    with pytest.raises(IntegrityError):
        withdraw_submission(
            world.submission, reason="compensation", wants=Wants(min_compensation=-1), via="email", now=NOW
        )

    submission = Submission.objects.get(pk=world.submission.pk)
    interview.refresh_from_db()
    nudge.refresh_from_db()
    assert (submission.stage, submission.ended_at, submission.withdrawal_wants) == ("interviewing", None, {})
    assert (interview.status, interview.sequence) == ("scheduled", 0)
    assert nudge.status == "planned"
    assert (Task.objects.count(), Event.objects.count()) == (0, 0)
    assert Candidate.objects.get(pk=world.cara.pk).min_compensation is None


def test_withdraw_tell_company_message_keeps_the_candidates_words_and_reason_private():
    world = make_world()
    interview_in(world.submission, timedelta(days=3))

    outcome = withdraw_submission(
        world.submission,
        reason=Submission.EndReason.TEAM_CULTURE,
        note="The manager was rude to me.",
        wants=Wants(min_compensation=95000),
        via="email",
        now=NOW,
    )

    task = Task.objects.get(kind="tell-company")
    email = outcome.company_email
    assert (email.to_name, email.to_email, email.subject) == (
        "Hannah Manager",
        "hannah@acme.test",
        "Cara Candidate and the Backend Engineer role",
    )
    assert email.body == (
        "Dear Hannah,\n\n"
        "Thank you for the time you and your team have given Cara Candidate for the Backend Engineer role. "
        "Cara Candidate has decided to withdraw from the process.\n\n"
        "This means the interview planned for Friday 13 March 2026 at 15:00 (Europe/London) will not go "
        "ahead. I am sorry for the change of plans.\n\n"
        "Thank you for considering Cara Candidate. I will keep working on the role and be in touch with "
        "other candidates.\n\n"
        "Kind regards,\nRita Recruiter\n+44 20 7946 0958\nrita@agency.test\n"
    )
    # Neither the words, nor the reason (team or culture), nor what they want instead reach the task.
    for private in ("rude", "culture", "fit", "95000", "95,000"):
        assert private not in task.details.lower()
    assert task.details.endswith(email.body.strip())
    assert "hannah@acme.test" in task.details and "+44 20 7946 0000" in task.details


def test_withdraw_tell_company_message_gives_the_reason_when_allowed():
    world = make_world()

    outcome = withdraw_submission(
        world.submission,
        reason=Submission.EndReason.COMPENSATION,
        note="Too little money",
        share_reason=True,
        via="email",
        now=NOW,
    )

    assert (
        "Cara Candidate has decided to withdraw from the process, as the compensation does not match what "
        "they are looking for.\n" in outcome.company_email.body
    )
    assert "Too little money" not in outcome.company_email.body


def test_withdraw_by_phone_is_the_recruiters_action_on_the_timeline():
    world = make_world()
    interview_in(world.submission, timedelta(hours=5))

    withdraw_submission(
        world.submission, reason="location", via="phone", actor=world.rita, now=NOW, open_to_other_roles=False
    )

    actors = list(Event.objects.order_by("pk").values_list("kind", "actor_type", "actor_user__username"))
    assert actors == [
        ("submission.stage_changed", "user", "rita"),
        ("interview.late_cancellation", "user", "rita"),
        ("task.created", "user", "rita"),
        ("task.created", "user", "rita"),
        ("task.created", "user", "rita"),
        ("submission.withdrawn", "user", "rita"),
    ]
    assert Event.objects.get(kind="submission.withdrawn").summary.endswith(
        ": Location or remote (by phone, recorded by the recruiter)"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "company_declined", "via": "email"}, "not a reason a candidate gives"),
        ({"reason": "personal", "via": "carrier-pigeon"}, "carrier-pigeon"),
        ({"reason": "personal", "via": "phone"}, "needs the recruiter"),
    ],
)
def test_withdraw_refuses_bad_arguments_and_changes_nothing(kwargs, message):
    world = make_world()

    with pytest.raises(ValueError, match=message):
        withdraw_submission(world.submission, now=NOW, **kwargs)

    assert Submission.objects.get(pk=world.submission.pk).stage == "interviewing"
    assert Event.objects.count() == 0


def test_withdraw_preferences_only_widen():
    world = make_world()
    Candidate.objects.filter(pk=world.cara.pk).update(min_compensation=100000, remote="remote")

    outcome = withdraw_submission(
        world.submission, reason="", wants=Wants(remote=True, min_compensation=90000), via="email", now=NOW
    )

    cara = Candidate.objects.get(pk=world.cara.pk)
    assert (cara.min_compensation, cara.remote, outcome.preferences_changed) == (100000, "remote", ())
    assert not Event.objects.filter(kind="candidate.preferences_updated").exists()
