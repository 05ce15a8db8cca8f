"""The 24-hour rule: cancel_interview_for_candidate and the recruiter's "can't make it" page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from candidly.accounts.models import AgencySettings
from candidly.followups.models import Task
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationTiming, classify_cancellation
from candidly.hiring.services.interview_status import CancellationResult, cancel_interview_for_candidate
from candidly.timeline.models import Event
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)

# Thu 20 Mar 2025: 14:00 GMT in London, 10:00 EDT in New York.
START = datetime(2025, 3, 20, 14, 0, tzinfo=UTC)


def booked_interview(**fields):
    """An interview at START with named people, so task and email texts can be compared exactly."""
    recruiter = UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Recruiter",
        email="rita@agency.test",
        phone="+442079460958",
    )
    company = CompanyFactory(name="Northwind")
    manager = ContactFactory(
        company=company,
        name="Hannah Moore",
        title="Head of Data",
        email="hannah@northwind.test",
        phone="+442079460000",
        time_zone="Europe/London",
    )
    role = RoleFactory(company=company, hiring_manager=manager, title="Data Engineer")
    candidate = CandidateFactory(
        name="Cara Diaz",
        email="cara@mail.test",
        phone="+14155550123",
        time_zone="America/New_York",
        recruiter=None,
    )
    submission = SubmissionFactory(candidate=candidate, role=role, recruiter=recruiter)
    defaults = {"starts_at": START, "ends_at": START + timedelta(hours=1), "time_zone": "Europe/London"}
    return InterviewFactory(submission=submission, **{**defaults, **fields})


def cancel_at(interview, moment, **options):
    options = {"reason_kind": "reschedule", "note": "", "via": "link", **options}
    with time_machine.travel(moment, tick=False):
        return cancel_interview_for_candidate(interview, now=timezone.now(), **options)


# --- the rule itself ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_start", "timing"),
    [
        (timedelta(days=3), CancellationTiming.WITH_NOTICE),
        (timedelta(hours=24), CancellationTiming.WITH_NOTICE),
        (timedelta(hours=24) - timedelta(seconds=1), CancellationTiming.LATE),
        (timedelta(seconds=1), CancellationTiming.LATE),
        (timedelta(0), CancellationTiming.STARTED),
        (-timedelta(minutes=5), CancellationTiming.STARTED),
    ],
)
def test_classify_cancellation_boundaries(before_start, timing):
    assert classify_cancellation(starts_at=START, now=START - before_start) == timing


def test_classify_cancellation_refuses_naive_times():
    with pytest.raises(ValueError, match="aware"):
        classify_cancellation(starts_at=START.replace(tzinfo=None), now=START)


# --- the service at the boundary ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_exactly_24h_before_is_cancelled_with_notice():
    interview = booked_interview()

    outcome = cancel_at(interview, START - timedelta(hours=24))

    interview.refresh_from_db()
    assert (outcome.result, outcome.cancelled, outcome.late) == (
        CancellationResult.CANCELLED_WITH_NOTICE,
        True,
        False,
    )
    assert (interview.status, interview.sequence) == (Interview.Status.CANCELLED_WITH_NOTICE, 1)
    assert [(t.kind, t.urgent) for t in Task.objects.order_by("pk")] == [("cancel-with-company", False)]


@pytest.mark.django_db
def test_cancel_24h_minus_1s_before_is_late_cancellation():
    interview = booked_interview()

    outcome = cancel_at(interview, START - timedelta(hours=24) + timedelta(seconds=1))

    interview.refresh_from_db()
    assert (outcome.result, outcome.late) == (CancellationResult.LATE_CANCELLATION, True)
    assert (interview.status, interview.sequence) == (Interview.Status.LATE_CANCELLATION, 1)
    assert [(t.kind, t.urgent) for t in Task.objects.order_by("pk")] == [
        ("cancel-with-company", True),
        ("call", True),
    ]


@pytest.mark.django_db
def test_cancel_notice_period_comes_from_agency_settings():
    policy = AgencySettings.load()
    policy.cancellation_notice_hours = 48
    policy.save()
    interview = booked_interview()

    outcome = cancel_at(interview, START - timedelta(hours=30))

    assert outcome.result == CancellationResult.LATE_CANCELLATION


@pytest.mark.django_db
@pytest.mark.parametrize("after_start", [timedelta(0), timedelta(minutes=10), timedelta(days=1)])
def test_cancel_after_the_start_is_refused_and_changes_nothing(after_start):
    interview = booked_interview(status=Interview.Status.CONFIRMED)

    outcome = cancel_at(interview, START + after_start)

    interview.refresh_from_db()
    assert (outcome.result, outcome.cancelled, outcome.tasks) == (
        CancellationResult.ALREADY_STARTED,
        False,
        (),
    )
    assert (interview.status, interview.sequence) == (Interview.Status.CONFIRMED, 0)
    assert (Task.objects.count(), Event.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_cancel_twice_does_one_thing_then_says_it_is_done():
    interview = booked_interview()
    first = cancel_at(interview, START - timedelta(hours=2), reason_kind="not_interested")

    second = cancel_at(interview, START - timedelta(hours=1), reason_kind="reschedule")

    interview.refresh_from_db()
    assert (first.result, second.result) == (
        CancellationResult.LATE_CANCELLATION,
        CancellationResult.ALREADY_CANCELLED,
    )
    assert (second.cancelled, second.tasks, second.notify_manager) == (False, (), False)
    assert (interview.status, interview.sequence) == (Interview.Status.LATE_CANCELLATION, 1)
    assert Task.objects.count() == 2
    assert list(Event.objects.order_by("id").values_list("kind", flat=True)) == [
        "interview.late_cancellation",
        "task.created",
        "task.created",
    ]


@pytest.mark.django_db
def test_cancel_of_a_marked_interview_is_refused():
    interview = booked_interview(
        starts_at=START + timedelta(days=3),
        ends_at=START + timedelta(days=3, hours=1),
        status=Interview.Status.COMPLETED,
    )

    outcome = cancel_at(interview, START)

    interview.refresh_from_db()
    assert (outcome.result, interview.status) == (
        CancellationResult.NOT_SCHEDULED,
        Interview.Status.COMPLETED,
    )
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_cancel_refuses_unknown_reason_or_recruiter_without_actor():
    interview = booked_interview()

    with pytest.raises(ValueError, match="reason"):
        cancel_at(interview, START - timedelta(days=2), reason_kind="bored")
    with pytest.raises(ValueError, match="actor"):
        cancel_at(interview, START - timedelta(days=2), via="recruiter")

    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED


# --- tasks, events and the manager flag -----------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_with_notice_gives_the_recruiter_a_task_with_manager_details_and_prepared_email():
    interview = booked_interview()

    outcome = cancel_at(
        interview, START - timedelta(hours=30), reason_kind="reschedule", note="My flight moved, sorry!"
    )

    (task,) = outcome.tasks
    task.refresh_from_db()
    assert (task.kind, task.status, task.urgent, task.assigned_to.username, task.due_at) == (
        "cancel-with-company",
        "open",
        False,
        "rita",
        START - timedelta(hours=30),
    )
    assert (task.interview, task.submission, task.candidate) == (
        interview,
        interview.submission,
        interview.submission.candidate,
    )
    assert task.title == "Cancel with Northwind: Cara Diaz, interview round 1"
    assert outcome.manager_email.subject == "Cara Diaz cannot attend the interview for Data Engineer"
    assert outcome.manager_email.body == (
        "Dear Hannah,\n\n"
        "I am sorry to let you know that Cara Diaz can no longer attend the interview for Data Engineer "
        "planned for Thursday 20 March 2025 at 14:00 GMT (Europe/London).\n\n"
        "Cara Diaz is still keen on the role and would like to find another time. Could you send me two or "
        "three slots that suit you? I will arrange the new interview.\n\n"
        "Thank you for your understanding, and apologies for the change.\n\n"
        "Kind regards,\nRita Recruiter\n+44 20 7946 0958\nrita@agency.test\n"
    )
    assert task.details == (
        "Cara Diaz cancelled interview round 1 with Northwind 30 h before the start.\n"
        "Reason: Would like another time.\n"
        "Their note (for you, not for the company): “My flight moved, sorry!”\n\n"
        "Interview: Thursday 20 March 2025 at 14:00 GMT (Europe/London)\n\n"
        "Hiring manager\n"
        "  Hannah Moore, Head of Data\n"
        "  Email: hannah@northwind.test\n"
        "  Phone: +44 20 7946 0000\n\n"
        "Send the hiring manager this email (or call), then mark this task done.\n\n"
        "To: Hannah Moore <hannah@northwind.test>\n"
        "Subject: Cara Diaz cannot attend the interview for Data Engineer\n\n"
        + outcome.manager_email.body.strip()
    )
    # The candidate's own words stay with the agency.
    assert "flight" not in outcome.manager_email.body


@pytest.mark.django_db
def test_late_cancellation_adds_an_urgent_call_task():
    interview = booked_interview()

    outcome = cancel_at(
        interview, START - timedelta(hours=3), reason_kind="not_interested", note="Took an offer"
    )

    cancel_task, call_task = outcome.tasks
    assert (call_task.kind, call_task.urgent, call_task.assigned_to.username) == ("call", True, "rita")
    assert call_task.title == "Call Cara Diaz: late cancellation of the interview with Northwind"
    assert call_task.details == (
        "Cara Diaz cancelled the interview with Northwind only 3 h before it starts "
        "(Thursday 20 March 2025 at 10:00 EDT (America/New_York), their time).\n"
        "Reason: No longer interested in the role.\n"
        "Their note: “Took an offer”\n\n"
        "Call them on +1 415-555-0123: check everything is all right, understand why they are no longer "
        "interested, and let them know it is fine to tell us early next time."
    )
    assert cancel_task.urgent is True
    assert "has decided not to continue with this process" in outcome.manager_email.body


@pytest.mark.django_db
def test_cancel_records_the_candidates_event_and_task_events():
    interview = booked_interview()

    cancel_at(interview, START - timedelta(days=2), reason_kind="reschedule", note="Clash")

    events = list(Event.objects.order_by("id"))
    assert [(e.kind, e.actor_type, e.actor_user, e.interview, e.candidate) for e in events] == [
        ("interview.cancelled_with_notice", "candidate", None, interview, interview.submission.candidate),
        ("task.created", "system", None, interview, interview.submission.candidate),
    ]
    assert events[0].summary == (
        "Cancelled with notice of interview round 1, 48 h before the start: would like another time"
    )
    assert events[0].data == {
        "via": "link",
        "reason": "reschedule",
        "note": "Clash",
        "notice_seconds": 48 * 3600,
        "sequence": 1,
        "notify_manager": False,
    }
    assert events[1].summary == "Task for Rita Recruiter: Cancel with Northwind: Cara Diaz, interview round 1"


@pytest.mark.django_db
@pytest.mark.parametrize("enabled", [True, False])
def test_cancel_says_whether_the_manager_must_be_emailed(enabled):
    policy = AgencySettings.load()
    policy.notify_manager_on_cancellation = enabled
    policy.save()
    interview = booked_interview()

    outcome = cancel_at(interview, START - timedelta(days=2))

    assert outcome.notify_manager is enabled
    assert (outcome.manager_email.to_name, outcome.manager_email.to_email) == (
        "Hannah Moore",
        "hannah@northwind.test",
    )
    automatic = "Candidly emails the hiring manager this message automatically"
    assert (automatic in outcome.tasks[0].details) is enabled


@pytest.mark.django_db
def test_cancel_task_goes_to_the_roles_recruiter_when_the_submission_has_none():
    interview = booked_interview()
    role_owner = UserFactory(username="omar", first_name="Omar", last_name="Owner")
    interview.submission.recruiter = None
    interview.submission.save()
    interview.submission.role.recruiter = role_owner
    interview.submission.role.save()

    outcome = cancel_at(interview, START - timedelta(days=2))

    assert [task.assigned_to for task in outcome.tasks] == [role_owner]


# --- the recruiter page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recruiter_records_a_phone_cancellation_through_the_page():
    interview = booked_interview()
    rita = interview.submission.recruiter
    client = Client()
    client.force_login(rita)

    with time_machine.travel(START - timedelta(hours=5), tick=False):
        page = client.get(f"/interviews/{interview.pk}/cancel/")
        response = client.post(
            f"/interviews/{interview.pk}/cancel/",
            {"reason_kind": "reschedule", "note": "Called in sick"},
            follow=True,
        )

    interview.refresh_from_db()
    assert page.status_code == 200
    assert interview.status == Interview.Status.LATE_CANCELLATION
    event = Event.objects.filter(kind="interview.late_cancellation").get()
    assert (event.actor_type, event.actor_user, event.data["via"]) == ("user", rita, "recruiter")
    assert event.summary.endswith("(recorded by the recruiter)")
    assert list(Event.objects.filter(kind="task.created").values_list("actor_type", "actor_user")) == [
        ("user", rita.pk),
        ("user", rita.pk),
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "Late cancellation (less than 24 hours before). Two urgent tasks are on your list: cancel with "
        "Northwind, and call the candidate."
    ]


@pytest.mark.django_db
def test_recruiter_cancel_page_without_a_reason_keeps_the_note_and_changes_nothing(recruiter_client):
    interview = booked_interview()

    with time_machine.travel(START - timedelta(days=2), tick=False):
        response = recruiter_client.post(f"/interviews/{interview.pk}/cancel/", {"note": "Maybe next week"})

    interview.refresh_from_db()
    assert response.context["form"].errors == {"reason_kind": ["This field is required."]}
    assert "Maybe next week" in response.content.decode()
    assert (interview.status, Event.objects.count(), Task.objects.count()) == ("scheduled", 0, 0)


@pytest.mark.django_db
def test_anonymous_cancel_post_redirects_to_login_and_changes_nothing():
    interview = booked_interview()

    response = Client().post(f"/interviews/{interview.pk}/cancel/", {"reason_kind": "reschedule"})

    interview.refresh_from_db()
    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next=/interviews/{interview.pk}/cancel/",
    )
    assert (interview.status, Event.objects.count()) == ("scheduled", 0)
