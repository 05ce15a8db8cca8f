"""An interview's touchpoints: planned when it is booked, replanned when it moves or is cancelled, followed by
"we missed you" after a no-show, and sent by the real worker to a real SMTP server at the right local times.

The clock is frozen (time-machine); the worker's own functions run each pass.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.accounts.models import AgencySettings
from candidly.followups import claims
from candidly.followups.cadences import CADENCE_KINDS
from candidly.followups.interview_plan import sweep_unmarked_interviews
from candidly.followups.models import CadenceRun, Task, Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.worker import Outcome, Worker
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import cancel_interview_for_candidate, mark_interview_outcome
from candidly.hiring.services.interviews import update_interview
from candidly.messaging.models import InboxMessage
from candidly.people.models import Candidate, Contact
from candidly.timeline.models import Event
from tests.followups.support import in_threads, postgres_only
from tests.interviews import (
    NEW_YORK,
    VIDEO_URL,
    book,
    calendar_of,
    configure,
    event_of,
    local,
    make_rita,
    make_submission,
    sent_at,
)

Kind = Touchpoint.Kind
Status = Touchpoint.Status

# Friday 6 March 2026, 11:00 in New York (EST). US clocks go forward on Sunday 8 March.
FRIDAY_BEFORE_DST = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
# Monday 2 March 2026, 09:00 in New York (EST).
MONDAY_MORNING = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# Tuesday 10 March 2026, 11:00 in New York (EDT).
TUESDAY_AFTER_DST = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def submission(rita):
    return make_submission(rita)


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time (EST or EDT as the date says), as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def planned(interview: Interview) -> list[tuple[str, int, str, bool, str]]:
    """(kind, step, due in New York, respects business hours, status) of the interview's touchpoints."""
    return [
        (tp.kind, tp.step, local(tp.due_at), tp.respects_business_hours, tp.status)
        for tp in Touchpoint.objects.filter(interview=interview).order_by("due_at", "id")
    ]


def organizer_of(mail) -> str:
    return str(event_of(calendar_of(mail)[1])["ORGANIZER"])


def run_worker(clock, moment: datetime, sink) -> list:
    """Move the clock to ``moment``, run one worker pass, and return the messages it delivered."""
    before = len(sink.received)
    clock.set(moment)
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()
    return sink.received[before:]


# --- booking -------------------------------------------------------------------------------------------


def test_booking_on_the_recruiter_page_plans_confirmation_and_two_reminders(clock, rita, submission):
    clock.set(TUESDAY_AFTER_DST)
    client = Client()
    client.force_login(rita)

    client.post(
        f"/submissions/{submission.pk}/interviews/new/",
        {
            "date": "2026-03-12",
            "start_time": "14:00",
            "end_time": "15:00",
            "time_zone": "America/New_York",
            "format": Interview.Format.VIDEO,
            "video_url": VIDEO_URL,
            "address": "",
            "notes": "",
        },
    )

    interview = Interview.objects.get()
    assert planned(interview) == [
        (Kind.INTERVIEW_CONFIRMATION, 0, "Tue 10 Mar 11:00 EDT", False, Status.PLANNED),
        (Kind.INTERVIEW_REMINDER, 1, "Wed 11 Mar 14:00 EDT", False, Status.PLANNED),
        (Kind.INTERVIEW_REMINDER, 2, "Thu 12 Mar 12:00 EDT", False, Status.PLANNED),
    ]


def test_confirmation_and_reminders_reach_the_smtp_server_at_local_times_across_dst(
    clock, rita, submission, smtp_sink
):
    # Booked on Friday (EST) for Monday 16:00 (EDT). 24 h before is Sunday: the reminder goes at Monday's
    # opening, 09:00, still 7 h before the start -- nearer to the aim than Friday's closing.
    clock.set(FRIDAY_BEFORE_DST)
    interview = book(submission, rita, ny(2026, 3, 9, 16))

    confirmation = run_worker(clock, FRIDAY_BEFORE_DST, smtp_sink)
    early = run_worker(clock, ny(2026, 3, 9, 8, 59) + timedelta(seconds=59), smtp_sink)
    day_before = run_worker(clock, ny(2026, 3, 9, 9), smtp_sink)
    not_yet = run_worker(clock, ny(2026, 3, 9, 13, 59) + timedelta(seconds=59), smtp_sink)
    last = run_worker(clock, ny(2026, 3, 9, 14), smtp_sink)

    assert (early, not_yet) == ([], [])
    received = [*confirmation, *day_before, *last]
    assert [(mail.rcpt_tos, mail.subject, local(sent_at(mail))) for mail in received] == [
        (
            ["cara@mail.test"],
            "You're booked: Acme Robotics interview, Mon 9 Mar, 16:00",
            "Fri 06 Mar 11:00 EST",
        ),
        (
            ["cara@mail.test"],
            "Reminder: your Acme Robotics interview is today at 16:00",
            "Mon 09 Mar 09:00 EDT",
        ),
        (["cara@mail.test"], "Reminder: your Acme Robotics interview is in 2 hours", "Mon 09 Mar 14:00 EDT"),
    ]
    assert [tp[4] for tp in planned(interview)] == [Status.DONE, Status.DONE, Status.DONE]
    body = confirmation[0].body()
    assert "When: Monday 9 March, 16:00\u201317:00 (New York time)" in body
    assert "tel:+442079460958" in body
    # Every one carries the invite; it parses back with the interview's fields.
    for mail in received:
        content_type, calendar = calendar_of(mail)
        event = event_of(calendar)
        assert content_type == 'text/calendar; method="REQUEST"; charset="utf-8"'
        assert (str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == (
            "REQUEST",
            f"interview-{interview.pk}@replies.localhost",
            0,
        )
        assert event.decoded("DTSTART") == ny(2026, 3, 9, 16)
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event.decoded("DTEND") == ny(2026, 3, 9, 17)
        # Calendar apps answer the organizer: the interview's one reply address, under Rita's name.
        assert (str(event["ORGANIZER"]), str(event["ATTENDEE"]), str(event["LOCATION"])) == (
            organizer_of(received[0]),
            "mailto:cara@mail.test",
            VIDEO_URL,
        )
        assert re.fullmatch(r"mailto:reply\+[a-z2-7]{26}@replies\.localhost", str(event["ORGANIZER"]))
        assert event["ORGANIZER"].params["CN"] == "Rita Recruiter"
        assert "Can't make it? Tell us here" in str(event["DESCRIPTION"])
        assert "http://127.0.0.1:8000/l/cancel/" in str(event["DESCRIPTION"])


@pytest.mark.parametrize(
    ("starts", "day_before"),
    [
        # 24 h before is in business hours: then.
        (ny(2026, 3, 5, 15), "Wed 04 Mar 15:00 EST"),
        (ny(2026, 3, 5, 9), "Wed 04 Mar 09:00 EST"),
        # 07:30 the day before is before opening: 09:00 is nearer than the evening before.
        (ny(2026, 3, 5, 7, 30), "Wed 04 Mar 09:00 EST"),
        # 18:00 (closing, exclusive) and 21:00 the day before: 17:30 that day is nearer than next morning.
        (ny(2026, 3, 5, 18), "Wed 04 Mar 17:30 EST"),
        (ny(2026, 3, 5, 21), "Wed 04 Mar 17:30 EST"),
        # Sunday 09:30: Monday 09:00 would be later than 2 h before, so Friday's closing (and EST, not EDT).
        (ny(2026, 3, 9, 9, 30), "Fri 06 Mar 17:30 EST"),
    ],
)
def test_day_before_reminder_moves_out_of_the_candidates_night(clock, rita, submission, starts, day_before):
    clock.set(MONDAY_MORNING)

    interview = book(submission, rita, starts)

    [reminder] = Touchpoint.objects.filter(interview=interview, step=1)
    assert local(reminder.due_at) == day_before
    assert reminder.respects_business_hours is False


def test_no_day_before_reminder_right_after_the_confirmation(clock, rita, submission):
    # Booked at 09:00 for tomorrow 11:00: 24 h before is in two hours, too close to the confirmation.
    clock.set(MONDAY_MORNING)

    interview = book(submission, rita, ny(2026, 3, 3, 11))

    assert planned(interview) == [
        (Kind.INTERVIEW_CONFIRMATION, 0, "Mon 02 Mar 09:00 EST", False, Status.PLANNED),
        (Kind.INTERVIEW_REMINDER, 2, "Tue 03 Mar 09:00 EST", False, Status.PLANNED),
    ]


def test_booking_at_night_confirms_at_the_morning_opening_or_now_when_the_interview_is_soon(
    clock, rita, submission
):
    clock.set(ny(2026, 3, 2, 22))  # Monday 22:00 in New York

    tomorrow = book(submission, rita, ny(2026, 3, 4, 14))
    early = book(submission, rita, ny(2026, 3, 3, 8))

    assert planned(tomorrow)[0] == (Kind.INTERVIEW_CONFIRMATION, 0, "Tue 03 Mar 09:00 EST", False, "planned")
    # 09:00 would come after the interview's 2-hour mark: the confirmation goes now. The 2-hour reminder
    # (06:00, night) is folded into it: its evening before has passed.
    assert planned(early) == [
        (Kind.INTERVIEW_CONFIRMATION, 0, "Mon 02 Mar 22:00 EST", False, Status.PLANNED),
    ]


# --- rescheduling ----------------------------------------------------------------------------------------


def test_reschedule_skips_old_reminders_plans_new_ones_and_sends_the_same_uid_with_a_higher_sequence(
    clock, rita, submission, smtp_sink
):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 12, 14))
    [first] = run_worker(clock, TUESDAY_AFTER_DST, smtp_sink)
    clock.set(TUESDAY_AFTER_DST + timedelta(hours=1))
    client = Client()
    client.force_login(rita)

    client.post(
        f"/interviews/{interview.pk}/edit/",
        {
            "date": "2026-03-13",
            "start_time": "10:00",
            "end_time": "11:00",
            "time_zone": "America/New_York",
            "format": Interview.Format.VIDEO,
            "video_url": VIDEO_URL,
            "address": "",
            "notes": "",
        },
    )
    [updated] = run_worker(clock, TUESDAY_AFTER_DST + timedelta(hours=1), smtp_sink)

    interview.refresh_from_db()
    changed = "The interview changed (new time or place); the messages for the new details replace these."
    assert planned(interview) == [
        (Kind.INTERVIEW_CONFIRMATION, 0, "Tue 10 Mar 11:00 EDT", False, Status.DONE),
        (Kind.INTERVIEW_CONFIRMATION, 10, "Tue 10 Mar 12:00 EDT", False, Status.DONE),
        (Kind.INTERVIEW_REMINDER, 1, "Wed 11 Mar 14:00 EDT", False, Status.SKIPPED),
        (Kind.INTERVIEW_REMINDER, 11, "Thu 12 Mar 10:00 EDT", False, Status.PLANNED),
        (Kind.INTERVIEW_REMINDER, 2, "Thu 12 Mar 12:00 EDT", False, Status.SKIPPED),
        (Kind.INTERVIEW_REMINDER, 12, "Fri 13 Mar 08:00 EDT", False, Status.PLANNED),
    ]
    assert set(Touchpoint.objects.filter(status=Status.SKIPPED).values_list("skip_reason", flat=True)) == {
        changed
    }
    assert updated.subject == "Updated: your Acme Robotics interview, Fri 13 Mar, 10:00"
    assert "Your interview has changed. Here are the details as they stand now." in updated.body()
    assert "The calendar invite attached replaces the earlier one." in updated.body()
    old, new = event_of(calendar_of(first)[1]), event_of(calendar_of(updated)[1])
    assert (str(new["UID"]), int(old["SEQUENCE"]), int(new["SEQUENCE"])) == (str(old["UID"]), 0, 1)
    assert new.decoded("DTSTART") == ny(2026, 3, 13, 10)
    assert interview.sequence == 1


def test_a_reminder_claimed_before_the_interview_moved_is_not_sent(clock, rita, submission, smtp_sink):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 12, 14))
    run_worker(clock, TUESDAY_AFTER_DST, smtp_sink)  # the confirmation
    clock.set(ny(2026, 3, 11, 14))
    worker = Worker(worker_id="worker-a")
    [reminder] = claims.claim_due(
        now=clock.now, worker_id="worker-a", batch_size=5, lease=timedelta(minutes=1)
    )

    update_interview(
        interview, changes={"starts_at": ny(2026, 3, 13, 10), "ends_at": ny(2026, 3, 13, 11)}, actor=rita
    )
    outcome = worker.perform(reminder)

    reminder.refresh_from_db()
    assert outcome == Outcome.SKIPPED
    assert (reminder.step, reminder.status, reminder.skip_reason) == (
        1,
        Status.SKIPPED,
        "The interview changed after this was planned; a message with the new details replaces it.",
    )
    assert [mail.subject for mail in smtp_sink.received] == [
        "You're booked: Acme Robotics interview, Thu 12 Mar, 14:00"
    ]


# --- cancelling ------------------------------------------------------------------------------------------


def test_cancellation_skips_everything_planned_and_sends_a_calendar_cancel_and_the_managers_email(
    clock, rita, submission, smtp_sink
):
    agency = AgencySettings.load()
    agency.notify_manager_on_cancellation = True
    agency.save()
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 13, 10))
    [booked] = run_worker(clock, TUESDAY_AFTER_DST, smtp_sink)

    cancel_interview_for_candidate(
        interview, now=clock.now, reason_kind=CancellationReason.RESCHEDULE, note="My flight moved"
    )
    sent = run_worker(clock, clock.now, smtp_sink)

    interview.refresh_from_db()
    assert planned(interview) == [
        (Kind.INTERVIEW_CONFIRMATION, 0, "Tue 10 Mar 11:00 EDT", False, Status.DONE),
        (Kind.INTERVIEW_CANCELLED, 13, "Tue 10 Mar 11:00 EDT", False, Status.DONE),
        (Kind.MANAGER_CANCELLATION, 13, "Tue 10 Mar 11:00 EDT", False, Status.DONE),
        (Kind.INTERVIEW_REMINDER, 1, "Thu 12 Mar 10:00 EDT", False, Status.SKIPPED),
        (Kind.INTERVIEW_REMINDER, 2, "Fri 13 Mar 08:00 EDT", False, Status.SKIPPED),
    ]
    assert list(Event.objects.filter(kind="touchpoint.skipped").values_list("summary", flat=True)) == [
        "2 planned message(s) will not be sent: The interview was cancelled."
    ]
    to_cara, to_hannah = sorted(sent, key=lambda mail: mail.rcpt_tos)
    assert (to_cara.rcpt_tos, to_cara.subject) == (
        ["cara@mail.test"],
        "Cancelled: your Acme Robotics interview, Fri 13 Mar, 10:00",
    )
    assert "I'll ask Acme Robotics for new slots and get back to you." in to_cara.body()
    content_type, calendar = calendar_of(to_cara)
    cancelled, original = event_of(calendar), event_of(calendar_of(booked)[1])
    assert content_type == 'text/calendar; method="CANCEL"; charset="utf-8"'
    assert (str(calendar["METHOD"]), str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == (
        "CANCEL",
        "CANCELLED",
        1,
    )
    assert str(cancelled["UID"]) == str(original["UID"])
    assert (to_hannah.rcpt_tos, to_hannah.subject) == (
        ["hannah@acme.test"],
        "Cara Candidate cannot attend the interview for Backend Engineer",
    )
    body = to_hannah.body().replace("\r\n", "\n")
    assert body == (
        "Dear Hannah,\n\n"
        "I am sorry to let you know that Cara Candidate can no longer attend the interview for Backend "
        "Engineer planned for Friday 13 March 2026 at 14:00 GMT (Europe/London).\n\n"
        "Cara Candidate is still keen on the role and would like to find another time. Could you send me "
        "two or three slots that suit you? I will arrange the new interview.\n\n"
        "Thank you for your understanding, and apologies for the change.\n\n"
        "Kind regards,\nRita Recruiter\n+44 20 7946 0958\nrita@agency.test\n"
    )
    assert "<p>Dear Hannah,</p>" in to_hannah.body("html")
    assert "My flight moved" not in body  # the candidate's note stays with the agency
    assert to_hannah.header("Reply-To").startswith("reply+")
    assert to_hannah.header("List-Unsubscribe") is None


def test_cancellation_without_the_setting_emails_only_the_candidate(clock, rita, submission):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 13, 10))

    cancel_interview_for_candidate(interview, now=clock.now, reason_kind=CancellationReason.NOT_INTERESTED)

    assert list(
        Touchpoint.objects.filter(status=Status.PLANNED).values_list("kind", "candidate", "contact")
    ) == [(Kind.INTERVIEW_CANCELLED, submission.candidate_id, None)]


def test_unsubscribed_candidate_still_gets_the_calendar_cancel(clock, rita, submission, smtp_sink):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 13, 10))
    candidate = submission.candidate
    candidate.unsubscribed_at = clock.now
    candidate.save(update_fields=["unsubscribed_at"])
    cancel_interview_for_candidate(interview, now=clock.now, reason_kind=CancellationReason.NOT_INTERESTED)

    sent = run_worker(clock, clock.now, smtp_sink)

    # The confirmation never went: the cancellation came first. The calendar cancel is logistics.
    assert [(mail.rcpt_tos, mail.subject) for mail in sent] == [
        (["cara@mail.test"], "Cancelled: your Acme Robotics interview, Fri 13 Mar, 10:00")
    ]
    assert list(Touchpoint.objects.order_by("id").values_list("kind", "status")) == [
        (Kind.INTERVIEW_CONFIRMATION, Status.SKIPPED),
        (Kind.INTERVIEW_REMINDER, Status.SKIPPED),
        (Kind.INTERVIEW_REMINDER, Status.SKIPPED),
        (Kind.INTERVIEW_CANCELLED, Status.DONE),
    ]


# --- outcomes --------------------------------------------------------------------------------------------


def test_no_show_skips_the_candidates_cadence_and_sends_one_missed_you(clock, rita, submission, smtp_sink):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 10, 13))  # today 13:00-14:00
    candidate, manager = submission.candidate, submission.role.hiring_manager
    # The post-interview cadences as the follow-ups engine plans them when the interview ends.
    follow_up, _ = plan_touchpoint(
        person=candidate,
        kind=Kind.FOLLOW_UP_EMAIL,
        channel="email",
        due_at=ny(2026, 3, 10, 17),
        interview=interview,
    )
    nudge, _ = plan_touchpoint(
        person=candidate, kind=Kind.NUDGE, channel="email", due_at=ny(2026, 3, 11, 14), interview=interview
    )
    feedback, _ = plan_touchpoint(
        person=manager,
        kind=Kind.FEEDBACK_REQUEST,
        channel="email",
        due_at=ny(2026, 3, 10, 15),
        interview=interview,
    )
    clock.set(ny(2026, 3, 10, 14, 30))
    client = Client()
    client.force_login(rita)

    client.post(f"/interviews/{interview.pk}/outcome/", {"outcome": Interview.Status.NO_SHOW})
    sent = run_worker(clock, clock.now, smtp_sink)

    reasons = dict(Touchpoint.objects.values_list("pk", "skip_reason"))
    no_show = "No-show: a single “we missed you” message replaces the follow-up cadence."
    assert (reasons[follow_up.pk], reasons[nudge.pk]) == (no_show, no_show)
    feedback.refresh_from_db()
    assert feedback.status == Status.PLANNED  # the hiring manager's side is not the candidate's cadence
    [missed] = Touchpoint.objects.filter(kind=Kind.MISSED_YOU)
    assert (missed.status, missed.candidate, local(missed.due_at)) == (
        Status.DONE,
        candidate,
        "Tue 10 Mar 14:30 EDT",
    )
    assert [(mail.rcpt_tos, mail.subject) for mail in sent] == [
        (["cara@mail.test"], "We missed you today. Is everything alright?")
    ]


def test_attended_plans_the_cadences_once_however_often_it_is_marked(clock, rita, submission):
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 10, 13))
    clock.set(ny(2026, 3, 10, 14, 30))

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)
    planned_once = sorted(
        Touchpoint.objects.filter(interview=interview, kind__in=CADENCE_KINDS).values_list("kind", flat=True)
    )
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)

    planned = sorted(
        Touchpoint.objects.filter(interview=interview, kind__in=CADENCE_KINDS).values_list("kind", flat=True)
    )
    assert sorted(CadenceRun.objects.filter(interview=interview).values_list("audience", flat=True)) == [
        "candidate",
        "hiring_manager",
    ]
    assert planned == planned_once  # the second click changed nothing
    assert len(planned) == 8  # candidate: call, email, nudge, last message, gone quiet; manager: three
    assert not Touchpoint.objects.filter(kind=Kind.MISSED_YOU).exists()


# --- interviews nobody marked ----------------------------------------------------------------------------


def test_unmarked_interview_becomes_a_task_the_next_business_day(clock, rita, submission):
    clock.set(MONDAY_MORNING)
    interview = book(submission, rita, ny(2026, 3, 6, 15))  # Friday; Rita works in London
    friday_evening = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    monday_opening = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)

    counts = []
    for moment in (friday_evening, monday_opening - timedelta(seconds=1), monday_opening, monday_opening):
        clock.set(moment)
        Worker(worker_id="worker-a").run_batch()
        counts.append(Task.objects.filter(kind=Task.Kind.MARK_INTERVIEW).count())

    [task] = Task.objects.filter(kind=Task.Kind.MARK_INTERVIEW)
    assert counts == [0, 0, 1, 1]
    assert (task.title, task.assigned_to, task.due_at, task.interview, task.urgent) == (
        "Mark the interview's outcome: Cara Candidate with Acme Robotics, round 1",
        rita,
        monday_opening,
        interview,
        False,
    )
    assert Event.objects.filter(kind="task.created", interview=interview).count() == 1

    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)

    task.refresh_from_db()
    assert (task.status, task.done_by, task.outcome) == (Task.Status.DONE, rita, "Marked attended")


@postgres_only
def test_two_workers_sweeping_at_once_create_one_task(clock, rita, submission):
    clock.set(MONDAY_MORNING)
    interview = book(submission, rita, ny(2026, 3, 6, 15))
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))

    results = in_threads(
        lambda: sweep_unmarked_interviews(now=clock.now), lambda: sweep_unmarked_interviews(now=clock.now)
    )

    assert sorted(len(created) for created in results) == [0, 1]
    assert list(Task.objects.values_list("kind", "interview")) == [(Task.Kind.MARK_INTERVIEW, interview.pk)]


# --- a name with a line break (issue 10, hole 3) ---------------------------------------------------------


def _cancel_with_the_manager_told(clock, rita, submission) -> Interview:
    agency = AgencySettings.load()
    agency.notify_manager_on_cancellation = True
    agency.save()
    clock.set(TUESDAY_AFTER_DST)
    interview = book(submission, rita, ny(2026, 3, 13, 10))
    cancel_interview_for_candidate(
        interview, now=clock.now, reason_kind=CancellationReason.RESCHEDULE, note="My flight moved"
    )
    return interview


def test_a_line_break_in_a_legacy_name_does_not_kill_the_managers_cancellation_email(
    clock, rita, submission, settings
):
    # Rows imported before names were checked may still hold one; the email writes the name on one line.
    settings.EMAIL_BACKEND = "candidly.messaging.backends.InboxBackend"
    Candidate.objects.filter(pk=submission.candidate_id).update(name="Cara\r\nCandidate")
    interview = _cancel_with_the_manager_told(clock, rita, submission)

    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()

    manager_email = Touchpoint.objects.get(interview=interview, kind=Kind.MANAGER_CANCELLATION)
    assert (manager_email.status, manager_email.last_error) == (Status.DONE, "")
    assert InboxMessage.objects.get(to=["hannah@acme.test"]).subject == (
        "Cara Candidate cannot attend the interview for Backend Engineer"
    )


def test_an_email_that_cannot_be_written_fails_before_the_handoff_never_ambiguous(
    clock, rita, submission, settings
):
    settings.EMAIL_BACKEND = "candidly.messaging.backends.InboxBackend"
    Contact.objects.filter(email="hannah@acme.test").update(email="hannah@acme.test\nbcc: eve@evil.test")
    interview = _cancel_with_the_manager_told(clock, rita, submission)

    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()

    manager_email = Touchpoint.objects.get(interview=interview, kind=Kind.MANAGER_CANCELLATION)
    assert (manager_email.status, manager_email.handoff_at, manager_email.attempts) == (
        Status.FAILED,
        None,
        1,
    )
    assert manager_email.last_error == (
        "The email could not be written: Header values can't contain newlines "
        "(got 'hannah@acme.test\\nbcc: eve@evil.test' for header 'To')"
    )
    assert sorted(message.to for message in InboxMessage.objects.all()) == [["cara@mail.test"]]
