"""Planning the follow-up cadences after an interview (PRODUCT.md rule 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from candidly.followups.cadences import load_cadence, plan_follow_up_cadences, plan_for_ended_interviews
from candidly.followups.models import Cadence, CadenceRun, CadenceStep, Task, Touchpoint
from candidly.followups.worker import Outcome
from candidly.hiring.models import Interview
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.factories import InterviewFactory
from tests.followups.support import in_threads, postgres_only

pytestmark = pytest.mark.django_db

Kind = Touchpoint.Kind
Status = Touchpoint.Status


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ended_at(moment: datetime, **fields) -> Interview:
    """An interview of Cara (New York) with Hannah (London, GB) as hiring manager, ending at ``moment``."""
    fields.setdefault("submission__candidate__name", "Cara Candidate")
    fields.setdefault("submission__candidate__time_zone", "America/New_York")
    fields.setdefault("submission__role__hiring_manager__name", "Hannah Manager")
    fields.setdefault("submission__role__hiring_manager__time_zone", "Europe/London")
    return InterviewFactory(starts_at=moment - timedelta(hours=1), ends_at=moment, **fields)


def plan_rows(interview: Interview) -> list[tuple[str, str, str, datetime]]:
    return [
        ("candidate" if tp.candidate_id else "manager", tp.kind, tp.channel, tp.due_at)
        for tp in Touchpoint.objects.filter(interview=interview).order_by("candidate", "step")
    ]


def test_plan_follow_up_cadences_plans_both_default_cadences_in_each_recipients_zone(clock):
    # Tuesday 10 March 2026, 15:00 UTC: 11:00 in New York (EDT since 8 March), 15:00 in London (GMT).
    interview = ended_at(clock.now)

    planned = plan_follow_up_cadences(interview)

    manager = [
        ("manager", Kind.FEEDBACK_REQUEST, "email", utc(2026, 3, 10, 16)),  # +1 h: 16:00 London
        ("manager", Kind.FEEDBACK_REMINDER, "email", utc(2026, 3, 11, 15)),  # +1 business day
        ("manager", Kind.ESCALATION, "task", utc(2026, 3, 12, 15)),  # +2 business days
    ]
    candidate = [
        ("candidate", Kind.FOLLOW_UP_CALL, "call", utc(2026, 3, 10, 16)),  # +1 h: 12:00 in New York
        ("candidate", Kind.FOLLOW_UP_EMAIL, "email", utc(2026, 3, 10, 18)),  # +3 h: 14:00 in New York
        ("candidate", Kind.NUDGE, "email", utc(2026, 3, 11, 15)),  # Wednesday 11:00 New York
        ("candidate", Kind.LAST_CALL, "email", utc(2026, 3, 13, 15)),  # Friday 11:00
        ("candidate", Kind.GONE_QUIET, "task", utc(2026, 3, 17, 15)),  # next Tuesday 11:00
    ]
    assert sorted(plan_rows(interview)) == sorted(manager + candidate)
    assert sorted(tp.pk for tp in planned) == sorted(Touchpoint.objects.values_list("pk", flat=True))
    runs = CadenceRun.objects.order_by("audience")
    assert [(run.audience, run.respond_by, run.responded_at) for run in runs] == [
        (Cadence.Audience.CANDIDATE, None, None),
        (Cadence.Audience.HIRING_MANAGER, utc(2026, 3, 12, 15), None),
    ]
    assert [e.summary for e in Event.objects.filter(kind="followup.planned").order_by("id")] == [
        "Follow-ups planned for Cara Candidate after round 1: follow-up call, follow-up email, nudge, "
        "“it is fine to tell us you are out”, gone quiet check",
        "Follow-ups planned for Hannah Manager after round 1: feedback request to the hiring manager, "
        "feedback reminder to the hiring manager, escalation: chase the company",
    ]


def test_plan_follow_up_cadences_twice_plans_once(clock):
    interview = ended_at(clock.now)
    first = plan_follow_up_cadences(interview)

    second = plan_follow_up_cadences(interview)

    assert (len(first), second) == (8, [])
    assert Touchpoint.objects.count() == 8
    assert Event.objects.filter(kind="followup.planned").count() == 2


def test_plan_follow_up_cadences_over_a_weekend_moves_steps_to_monday(clock):
    # Friday 13 March 2026, 17:30 in London and 13:30 in New York.
    interview = ended_at(
        utc(2026, 3, 13, 17, 30),
        submission__candidate__time_zone="Europe/London",
        submission__role__hiring_manager__time_zone="Europe/London",
    )

    plan_follow_up_cadences(interview)

    rows = dict(((who, kind), due) for who, kind, _, due in plan_rows(interview))
    assert rows[("candidate", Kind.FOLLOW_UP_CALL)] == utc(2026, 3, 16, 9)  # 18:30 Friday → Monday 09:00
    assert rows[("candidate", Kind.FOLLOW_UP_EMAIL)] == utc(2026, 3, 16, 9)
    assert rows[("candidate", Kind.NUDGE)] == utc(2026, 3, 16, 17, 30)  # one business day: Monday 17:30
    assert rows[("candidate", Kind.GONE_QUIET)] == utc(2026, 3, 20, 17, 30)  # five: next Friday
    assert rows[("manager", Kind.ESCALATION)] == utc(2026, 3, 17, 17, 30)


def test_plan_follow_up_cadences_across_the_dst_change_keeps_the_local_time(clock):
    # Thursday 26 March 2026 15:00 UTC = 15:00 GMT in London; clocks go forward on Sunday 29 March.
    interview = ended_at(utc(2026, 3, 26, 15), submission__candidate__time_zone="Europe/London")

    plan_follow_up_cadences(interview)

    rows = dict(((who, kind), due) for who, kind, _, due in plan_rows(interview))
    assert rows[("candidate", Kind.NUDGE)] == utc(2026, 3, 27, 15)  # Friday 15:00 GMT
    assert rows[("candidate", Kind.LAST_CALL)] == utc(2026, 3, 31, 14)  # Tuesday 15:00 BST
    assert rows[("manager", Kind.ESCALATION)] == utc(2026, 3, 30, 14)  # Monday 15:00 BST


def test_plan_follow_up_cadences_uses_the_candidates_preferred_written_channel(clock):
    interview = ended_at(clock.now, submission__candidate__preferred_channel=Candidate.Channel.SMS)

    plan_follow_up_cadences(interview)

    channels = {kind: channel for who, kind, channel, _ in plan_rows(interview) if who == "candidate"}
    assert channels == {
        Kind.FOLLOW_UP_CALL: "call",
        Kind.FOLLOW_UP_EMAIL: "email",  # the feedback link is an email step in the default cadence
        Kind.NUDGE: "sms",
        Kind.LAST_CALL: "sms",
        Kind.GONE_QUIET: "task",
    }


def test_plan_follow_up_cadences_leaves_out_the_call_for_a_candidate_without_a_phone(clock):
    interview = ended_at(
        clock.now, submission__candidate__phone="", submission__candidate__preferred_channel="email"
    )

    plan_follow_up_cadences(interview)

    kinds = [kind for who, kind, _, _ in plan_rows(interview) if who == "candidate"]
    assert kinds == [Kind.FOLLOW_UP_EMAIL, Kind.NUDGE, Kind.LAST_CALL, Kind.GONE_QUIET]


def test_editing_a_cadence_changes_interviews_ending_afterwards_only(clock, admin_client_):
    before = ended_at(clock.now - timedelta(hours=2))
    plan_follow_up_cadences(before)
    planned_before = plan_rows(before)
    cadence = load_cadence(Cadence.Audience.CANDIDATE)
    # The admin drops the call and moves the nudge to two business days.
    data = {
        "audience": "candidate",
        "candidate-TOTAL_FORMS": "5",
        "candidate-INITIAL_FORMS": "5",
        "candidate-MIN_NUM_FORMS": "0",
        "candidate-MAX_NUM_FORMS": "12",
    }
    for index, step in enumerate(cadence.steps.all()):
        data.update(
            {
                f"candidate-{index}-offset": str(2 if step.kind == Kind.NUDGE else step.offset),
                f"candidate-{index}-unit": step.unit,
                f"candidate-{index}-kind": step.kind,
                f"candidate-{index}-channel": step.channel,
                f"candidate-{index}-respects_business_hours": "on",
            }
        )
        if step.kind == Kind.FOLLOW_UP_CALL:
            data[f"candidate-{index}-DELETE"] = "on"

    response = admin_client_.post("/settings/cadences/", data)

    assert response.status_code == 302
    after = ended_at(clock.now)
    plan_follow_up_cadences(after)
    assert plan_rows(before) == planned_before
    assert [(kind, due) for who, kind, _, due in plan_rows(after) if who == "candidate"] == [
        (Kind.FOLLOW_UP_EMAIL, utc(2026, 3, 10, 18)),
        (Kind.NUDGE, utc(2026, 3, 12, 15)),
        (Kind.LAST_CALL, utc(2026, 3, 13, 15)),
        (Kind.GONE_QUIET, utc(2026, 3, 17, 15)),
    ]


# --- interviews that pass as completed -----------------------------------------------------------------


def test_sweep_plans_cadences_for_interviews_ended_half_an_hour_ago_and_still_scheduled(clock):
    due = ended_at(clock.now - timedelta(minutes=30), status=Interview.Status.CONFIRMED)
    too_recent = ended_at(clock.now - timedelta(minutes=29))
    marked = ended_at(clock.now - timedelta(hours=2), status=Interview.Status.COMPLETED)
    no_show = ended_at(clock.now - timedelta(hours=2), status=Interview.Status.NO_SHOW)
    long_ago = ended_at(clock.now - timedelta(days=8))

    first = plan_for_ended_interviews(now=clock.now)
    again = plan_for_ended_interviews(now=clock.now)

    assert (first, again) == (1, 0)
    assert sorted(set(Touchpoint.objects.values_list("interview", flat=True))) == [due.pk]
    assert [i.pk for i in (too_recent, marked, no_show, long_ago) if i.cadence_runs.exists()] == []


def test_worker_skips_cadence_steps_once_the_interview_is_marked_a_no_show(clock, make_worker):
    interview = ended_at(clock.now - timedelta(hours=1))
    plan_follow_up_cadences(interview)
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.NO_SHOW)

    report = make_worker().run_batch()  # the +1 h call and feedback request are due now

    assert dict(report.outcomes) == {Outcome.SKIPPED: 2}
    assert sorted(Touchpoint.objects.filter(status=Status.SKIPPED).values_list("kind", "skip_reason")) == [
        (Kind.FEEDBACK_REQUEST, "The interview is now “no-show”."),
        (Kind.FOLLOW_UP_CALL, "The interview is now “no-show”."),
    ]
    assert list(Task.objects.all()) == []


def test_worker_with_periodic_checks_plans_and_then_performs_the_cadence(clock, make_worker, smtp_sink):
    interview = ended_at(clock.now - timedelta(hours=1))

    report = make_worker(checks_every_seconds=0).run_batch()

    assert report.checks["cadences_planned"] == 1
    assert dict(report.outcomes) == {Outcome.TASK: 1, Outcome.SENT: 1}
    assert [mail.rcpt_tos for mail in smtp_sink.received] == [
        [interview.submission.role.hiring_manager.email]
    ]
    assert list(Task.objects.values_list("kind", "title")) == [
        (Task.Kind.CALL, f"Call Cara Candidate about {interview.submission.role}")
    ]


@postgres_only
def test_plan_follow_up_cadences_two_triggers_racing_plan_one_cadence(clock):
    interview = ended_at(clock.now)

    results = in_threads(
        lambda: plan_follow_up_cadences(interview), lambda: plan_follow_up_cadences(interview)
    )

    assert sorted(len(result) for result in results) == [0, 8]
    assert Touchpoint.objects.filter(interview=interview).count() == 8
    assert CadenceRun.objects.filter(interview=interview).count() == 2
    assert Event.objects.filter(kind="followup.planned").count() == 2


# --- the settings page -------------------------------------------------------------------------------


def test_cadence_settings_refuse_a_recruiter(recruiter_client):
    response = recruiter_client.get("/settings/cadences/")

    assert response.status_code == 403


def test_cadence_settings_show_the_defaults_to_an_admin(admin_client_):
    response = admin_client_.get("/settings/cadences/")

    assert response.status_code == 200
    sections = response.context["sections"]
    assert [(s["cadence"].audience, len(s["steps"].initial)) for s in sections] == [
        ("candidate", 5),
        ("hiring_manager", 3),
    ]
    page = response.content.decode()
    assert '<label for="id_candidate-0-offset" class="visually-hidden">After</label>' in page
    assert 'id="id_hiring-manager-window-window_business_days"' in page


def test_cadence_settings_bad_step_is_refused_field_by_field_and_saves_nothing(admin_client_, admin_user):
    load_cadence(Cadence.Audience.HIRING_MANAGER)
    data = {
        "audience": "hiring_manager",
        "hiring-manager-TOTAL_FORMS": "2",
        "hiring-manager-INITIAL_FORMS": "0",
        "hiring-manager-MIN_NUM_FORMS": "0",
        "hiring-manager-MAX_NUM_FORMS": "12",
        "hiring-manager-0-offset": "4",
        "hiring-manager-0-unit": "hours",
        "hiring-manager-0-kind": "feedback-request",
        "hiring-manager-0-channel": "call",
        "hiring-manager-1-offset": "-1",
        "hiring-manager-1-unit": "business_days",
        "hiring-manager-1-kind": "escalation",
        "hiring-manager-1-channel": "task",
        "hiring-manager-window-window_business_days": "3",
    }

    response = admin_client_.post("/settings/cadences/", data)

    assert response.status_code == 400
    [_, manager] = response.context["sections"]
    assert manager["steps"].errors == [
        {"channel": ["“Feedback request to the hiring manager” goes by: email."]},
        {"offset": ["Ensure this value is greater than or equal to 0."]},
    ]
    assert 'value="4"' in response.content.decode()  # what was typed is kept
    steps = CadenceStep.objects.filter(cadence__audience="hiring_manager").values_list("offset", "kind")
    assert list(steps) == [(1, Kind.FEEDBACK_REQUEST), (1, Kind.FEEDBACK_REMINDER), (2, Kind.ESCALATION)]
    assert Event.objects.filter(kind="cadence.updated").count() == 0


def test_cadence_settings_save_writes_the_steps_and_an_event(admin_client_, admin_user):
    load_cadence(Cadence.Audience.HIRING_MANAGER)
    data = {
        "audience": "hiring_manager",
        "hiring-manager-TOTAL_FORMS": "3",
        "hiring-manager-INITIAL_FORMS": "0",
        "hiring-manager-MIN_NUM_FORMS": "0",
        "hiring-manager-MAX_NUM_FORMS": "12",
        "hiring-manager-0-offset": "2",
        "hiring-manager-0-unit": "hours",
        "hiring-manager-0-kind": "feedback-request",
        "hiring-manager-0-channel": "email",
        "hiring-manager-0-respects_business_hours": "on",
        "hiring-manager-1-offset": "3",
        "hiring-manager-1-unit": "business_days",
        "hiring-manager-1-kind": "escalation",
        "hiring-manager-1-channel": "task",
        "hiring-manager-window-window_business_days": "3",
    }

    response = admin_client_.post("/settings/cadences/", data)

    assert response.status_code == 302
    cadence = Cadence.objects.get(audience="hiring_manager")
    assert (cadence.window_business_days, cadence.updated_by) == (3, admin_user)
    assert list(
        cadence.steps.values_list("position", "offset", "unit", "kind", "respects_business_hours")
    ) == [
        (1, 2, "hours", Kind.FEEDBACK_REQUEST, True),
        (2, 3, "business_days", Kind.ESCALATION, False),
    ]
    event = Event.objects.get(kind="cadence.updated")
    assert (event.actor_user, event.data["after"]) == (
        admin_user,
        [
            "+2 hours: Feedback request to the hiring manager (email)",
            "+3 business days: Escalation: chase the company (task)",
        ],
    )
