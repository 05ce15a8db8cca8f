"""The candidate's calendar app answers the invite: Google, Outlook and Apple REPLY emails through
``manage.py ingest_email`` (and anymail's webhook), after the real worker sent the invite over real SMTP.

Each test books an interview through the service, lets the worker send the confirmation with its
``.ics`` (whose ORGANIZER is the candidate's reply address), then writes the client's REPLY to that address
from the fixtures in ``fixtures/calendar/`` at a frozen moment.
"""

from __future__ import annotations

import base64
import json
import quopri
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Task, Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview, Submission
from candidly.hiring.services.interviews import schedule_interview, update_interview
from candidly.messaging.models import InboundEmail
from candidly.timeline.models import Event
from tests.factories import CandidateFactory, SubmissionFactory
from tests.interviews import VIDEO_URL, calendar_of, configure, event_of, make_rita, make_submission

FIXTURES = Path(__file__).parent / "fixtures" / "calendar"
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WINDOWS_ZONES = {"America/New_York": "Eastern Standard Time", "Europe/London": "GMT Standard Time"}
VTIMEZONES = {"America/New_York": "windows-eastern.vtimezone", "Europe/London": "windows-gmt.vtimezone"}
VERBS = {"DECLINED": "Declined", "ACCEPTED": "Accepted", "TENTATIVE": "Tentatively Accepted"}

# US clocks go forward on Sunday 8 March 2026 at 02:00; an interview that Sunday at 10:00 EDT is 25 real
# hours after Saturday 08:00 EST, which a wall clock reads as 26 hours.
NY_SUNDAY_10AM = datetime(2026, 3, 8, 10, 0, tzinfo=NEW_YORK)
NY_BOOKED_AT = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Thursday 10:00 in New York
# UK clocks go back on Sunday 25 October 2026 at 02:00; 24 h 30 min before 11:00 GMT that Sunday is
# Saturday 11:30 BST, which a wall clock reads as 23 h 30 min.
LONDON_SUNDAY_11AM = datetime(2026, 10, 25, 11, 0, tzinfo=LONDON)
LONDON_BOOKED_AT = datetime(2026, 10, 22, 14, 0, tzinfo=UTC)  # Thursday 10:00 in New York


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)


@dataclass(frozen=True)
class Invite:
    """What the candidate's calendar holds from our email: where to answer, the UID and SEQUENCE."""

    organizer: str
    uid: str
    sequence: int


def book_and_send(submission: Submission, starts_local: datetime, booked_at: datetime, sink, machine):
    """Book the interview at ``booked_at`` and run one worker pass: the confirmation with its invite goes."""
    machine.move_to(booked_at, tick=False)
    interview = schedule_interview(
        submission,
        starts_at=starts_local.astimezone(UTC),
        ends_at=(starts_local + timedelta(hours=1)).astimezone(UTC),
        time_zone=str(starts_local.tzinfo),
        format=Interview.Format.VIDEO,
        video_url=VIDEO_URL,
        actor=submission.recruiter,
    )
    return interview, send_pending(sink)


def send_pending(sink) -> Invite:
    """One worker pass; the invite carried by the last email it sent."""
    before = len(sink.received)
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()
    [mail] = sink.received[before:]
    _, calendar = calendar_of(mail)
    event = event_of(calendar)
    organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
    # The calendar answers the interview's own reply address, under the recruiter's name.
    assert re.fullmatch(r"reply\+[a-z2-7]{26}@replies\.localhost", organizer), organizer
    assert event["ORGANIZER"].params["CN"] == "Rita Recruiter"
    return Invite(organizer=organizer, uid=str(event["UID"]), sequence=int(event["SEQUENCE"]))


def calendar_reply(
    client: str,
    interview: Interview,
    invite: Invite,
    *,
    partstat: str,
    attendee: str = "cara@mail.test",
    comment: str = "",
    message_id: str = "",
    to: str = "",
    uid: str = "",
    sequence: int | None = None,
) -> bytes:
    """The email ``client`` (google, outlook, apple) sends when the candidate answers ``invite``."""
    zone = ZoneInfo(interview.time_zone)
    starts, ends = interview.starts_at, interview.ends_at
    values = {
        "ORGANIZER": to or invite.organizer,
        "UID": uid or invite.uid,
        "SEQUENCE": str(invite.sequence if sequence is None else sequence),
        "PARTSTAT": partstat,
        "ATTENDEE": attendee,
        "VERB": VERBS.get(partstat, partstat.title()),
        "VERB_LOWER": VERBS.get(partstat, partstat).lower(),
        "COMMENT": comment.replace(",", "\\,"),
        "COMMENT_TEXT": comment,
        "DTSTART_UTC": f"{starts.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "DTEND_UTC": f"{ends.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "DTSTART_LOCAL": f"{starts.astimezone(zone):%Y%m%dT%H%M%S}",
        "DTEND_LOCAL": f"{ends.astimezone(zone):%Y%m%dT%H%M%S}",
        "DTSTAMP": f"{timezone.now().astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "TZID": interview.time_zone,
        "WINDOWS_TZID": WINDOWS_ZONES[interview.time_zone],
        "VTIMEZONE": (FIXTURES / VTIMEZONES[interview.time_zone]).read_text().strip(),
        "WHEN": f"{starts.astimezone(zone):%a %-d %b %Y %-I%p} ({starts.astimezone(zone):%Z})",
        "DATE": timezone.now().strftime("%a, %d %b %Y %H:%M:%S +0000"),
        "MESSAGE_ID": message_id or f"<{client}-{partstat.lower()}-{invite.sequence}@mail.test>",
    }
    ics = _fill((FIXTURES / f"{client}.ics").read_text(), values)
    if not comment:
        # Clients leave COMMENT out when the person typed nothing.
        ics = "\n".join(line for line in ics.split("\n") if not line.startswith("COMMENT"))
    ics_crlf = ics.replace("\n", "\r\n").encode()
    values |= {
        "ICS_7BIT": ics.strip(),
        "ICS_BASE64": base64.encodebytes(ics_crlf).decode().strip(),
        "ICS_QP": quopri.encodestring(ics.encode()).decode().strip(),
    }
    return _fill((FIXTURES / f"{client}.eml").read_text(), values).replace("\n", "\r\n").encode()


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    assert "{{" not in template, template
    return template


def ingest(raw: bytes) -> str:
    out = StringIO()
    call_command("ingest_email", stdin=BytesIO(raw), stdout=out)
    return out.getvalue()


def interview_events(interview: Interview) -> list[tuple[str, str]]:
    return list(
        Event.objects.filter(interview=interview)
        .exclude(kind__in=("interview.scheduled", "touchpoint.sent", "submission.stage_changed"))
        .order_by("id")
        .values_list("kind", "summary")
    )


@pytest.fixture
def submission(db):
    return make_submission(make_rita())


# --- the 24-hour rule, as each client declines ------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "starts_local", "booked_at", "before", "status", "summary"),
    [
        (
            client,
            NY_SUNDAY_10AM,
            NY_BOOKED_AT,
            before,
            status,
            f"{label} of interview round 1, {hours} before the start: would like another time "
            "(declined the calendar invite)",
        )
        for client in ("google", "outlook", "apple")
        for before, status, label, hours in (
            (timedelta(hours=25), Interview.Status.CANCELLED_WITH_NOTICE, "Cancelled with notice", "25 h"),
            (timedelta(hours=23), Interview.Status.LATE_CANCELLATION, "Late cancellation", "23 h"),
        )
    ]
    + [
        (
            client,
            LONDON_SUNDAY_11AM,
            LONDON_BOOKED_AT,
            before,
            status,
            f"{label} of interview round 1, {hours} before the start: would like another time "
            "(declined the calendar invite)",
        )
        for client in ("outlook", "apple")
        for before, status, label, hours in (
            (
                timedelta(hours=24, minutes=30),
                Interview.Status.CANCELLED_WITH_NOTICE,
                "Cancelled with notice",
                "24 h 30 min",
            ),
            (timedelta(hours=23), Interview.Status.LATE_CANCELLATION, "Late cancellation", "23 h"),
        )
    ],
)
def test_declined_in_the_calendar_follows_the_24_hour_rule_across_dst(
    client, starts_local, booked_at, before, status, summary, submission, smtp_sink, time_machine
):
    interview, invite = book_and_send(submission, starts_local, booked_at, smtp_sink, time_machine)
    time_machine.move_to(interview.starts_at - before, tick=False)

    output = ingest(calendar_reply(client, interview, invite, partstat="DECLINED"))

    interview.refresh_from_db()
    inbound = InboundEmail.objects.get()
    late = status == Interview.Status.LATE_CANCELLATION
    timing = "late cancellation" if late else "cancelled with notice"
    assert output == (
        f"Recorded the calendar answer from cara@mail.test: Declined the invite: {timing}. "
        f"(inbound #{inbound.pk}).\n"
    )
    assert (interview.status, interview.sequence) == (status, 1)
    assert interview_events(interview) == [
        ("interview.late_cancellation" if late else "interview.cancelled_with_notice", summary),
        (
            "task.created",
            f"{'Urgent task' if late else 'Task'} for Rita Recruiter: Cancel with Acme Robotics: "
            "Cara Candidate, interview round 1",
        ),
        *(
            [
                (
                    "task.created",
                    "Urgent task for Rita Recruiter: Call Cara Candidate: late cancellation of the interview "
                    "with Acme Robotics",
                )
            ]
            if late
            else []
        ),
        ("touchpoint.skipped", "2 planned message(s) will not be sent: The interview was cancelled."),
    ]
    cancelled = Event.objects.get(
        kind__in=("interview.cancelled_with_notice", "interview.late_cancellation"), interview=interview
    )
    assert cancelled.actor_type == Event.Actor.CANDIDATE
    assert (cancelled.data["via"], cancelled.data["reason"]) == ("calendar", "reschedule")
    assert list(Task.objects.filter(interview=interview).values_list("kind", "urgent").order_by("id")) == [
        (Task.Kind.CANCEL_WITH_COMPANY, late),
        *([(Task.Kind.CALL, True)] if late else []),
    ]
    # The calendar cancellation (METHOD:CANCEL) is what the candidate hears next.
    assert list(
        Touchpoint.objects.filter(interview=interview, status=Touchpoint.Status.PLANNED).values_list(
            "kind", flat=True
        )
    ) == [Touchpoint.Kind.INTERVIEW_CANCELLED]
    assert (inbound.status, inbound.candidate, inbound.note) == (
        InboundEmail.Status.CALENDAR,
        submission.candidate,
        f"Declined the invite: {timing}.",
    )


def test_outlook_decline_keeps_the_comment_as_the_candidates_note(submission, smtp_sink, time_machine):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    time_machine.move_to(interview.starts_at - timedelta(hours=30), tick=False)

    ingest(
        calendar_reply(
            "outlook",
            interview,
            invite,
            partstat="DECLINED",
            attendee="Cara@Mail.TEST",  # Exchange keeps the address as the person typed it
            comment="Sorry, my flight moved to Sunday.",
        )
    )

    interview.refresh_from_db()
    event = Event.objects.get(kind="interview.cancelled_with_notice")
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
    assert event.data["note"] == "Sorry, my flight moved to Sunday."
    assert InboundEmail.objects.get().text == "Sorry, my flight moved to Sunday."


# --- accepting, repeats --------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["google", "outlook", "apple"])
def test_accepted_in_the_calendar_confirms_once(client, submission, smtp_sink, time_machine):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    time_machine.move_to(NY_BOOKED_AT + timedelta(hours=2), tick=False)

    first = ingest(calendar_reply(client, interview, invite, partstat="ACCEPTED"))
    same_again = ingest(calendar_reply(client, interview, invite, partstat="ACCEPTED"))
    resent = ingest(
        calendar_reply(client, interview, invite, partstat="ACCEPTED", message_id="<resent@mail.test>")
    )

    interview.refresh_from_db()
    first_id, resent_id = InboundEmail.objects.order_by("id").values_list("id", flat=True)
    assert interview.status == Interview.Status.CONFIRMED
    assert interview_events(interview) == [
        ("interview.confirmed", "Confirmed they will attend interview round 1 (accepted the calendar invite)")
    ]
    assert (
        first
        == same_again
        == (
            f"Recorded the calendar answer from cara@mail.test: Accepted the invite: confirmed. "
            f"(inbound #{first_id}).\n"
        )
    )
    assert resent == (
        f"Recorded the calendar answer from cara@mail.test: Accepted again; already confirmed. "
        f"(inbound #{resent_id}).\n"
    )


def test_the_same_decline_twice_cancels_once(submission, smtp_sink, time_machine):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    time_machine.move_to(interview.starts_at - timedelta(hours=23), tick=False)
    raw = calendar_reply("google", interview, invite, partstat="DECLINED")

    ingest(raw)
    ingest(raw)
    ingest(
        calendar_reply("apple", interview, invite, partstat="DECLINED", message_id="<apple-too@mail.test>")
    )

    interview.refresh_from_db()
    assert (interview.status, interview.sequence) == (Interview.Status.LATE_CANCELLATION, 1)
    assert [kind for kind, _ in interview_events(interview)] == [
        "interview.late_cancellation",
        "task.created",
        "task.created",
        "touchpoint.skipped",
    ]
    assert Task.objects.filter(interview=interview).count() == 2
    assert list(InboundEmail.objects.order_by("id").values_list("status", "note")) == [
        (InboundEmail.Status.CALENDAR, "Declined the invite: late cancellation."),
        (InboundEmail.Status.CALENDAR, "Declined again; already cancelled."),
    ]


def test_tentative_is_left_for_the_recruiter(submission, smtp_sink, time_machine):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)

    ingest(calendar_reply("outlook", interview, invite, partstat="TENTATIVE", comment="Might have a clash."))

    interview.refresh_from_db()
    assert (interview.status, interview.sequence) == (Interview.Status.SCHEDULED, 0)
    assert interview_events(interview) == [
        (
            "calendar.reply_held",
            "Said maybe to the calendar invite: no change, worth a call to ask. "
            "They wrote: Might have a clash.",
        )
    ]


# --- an outdated invite after a move ----------------------------------------------------------------------


def test_declining_the_invite_of_before_a_move_leaves_the_new_time(submission, smtp_sink, time_machine):
    interview, old_invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    time_machine.move_to(NY_BOOKED_AT + timedelta(hours=1), tick=False)
    moved = update_interview(
        interview,
        changes={
            "starts_at": interview.starts_at + timedelta(days=2),
            "ends_at": interview.ends_at + timedelta(days=2),
        },
        actor=submission.recruiter,
    )
    new_invite = send_pending(smtp_sink)
    # One event for its whole life: same UID and ORGANIZER, a higher SEQUENCE.
    assert (moved.sequence, new_invite.sequence, new_invite.uid) == (1, 1, old_invite.uid)
    assert new_invite.organizer == old_invite.organizer

    ingest(calendar_reply("google", interview, old_invite, partstat="DECLINED"))

    interview.refresh_from_db()
    assert (interview.status, interview.sequence) == (Interview.Status.SCHEDULED, 1)
    [held] = Event.objects.filter(kind="calendar.reply_held")
    assert held.summary == (
        "Declined an earlier version of the calendar invite (before the interview changed): the current time "
        "stands"
    )
    assert (held.data["reply_sequence"], held.data["sequence"]) == (0, 1)

    ingest(calendar_reply("google", interview, new_invite, partstat="DECLINED"))

    interview.refresh_from_db()
    assert (interview.status, interview.sequence) == (Interview.Status.CANCELLED_WITH_NOTICE, 2)


# --- replies that must change nothing ---------------------------------------------------------------------


def test_a_reply_naming_someone_elses_interview_changes_nothing(submission, smtp_sink, time_machine):
    cara_interview, cara_invite = book_and_send(
        submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine
    )
    dan = CandidateFactory(name="Dan Other", email="dan@mail.test", time_zone="America/New_York")
    dan_submission = SubmissionFactory(candidate=dan, role=submission.role, recruiter=submission.recruiter)
    dan_interview, dan_invite = book_and_send(
        dan_submission, NY_SUNDAY_10AM + timedelta(hours=2), NY_BOOKED_AT, smtp_sink, time_machine
    )
    before = Event.objects.latest("pk").pk

    # Cara (or someone holding her reply address) answers with Dan's UID; then Dan's address with Cara's UID.
    ingest(calendar_reply("google", cara_interview, cara_invite, partstat="DECLINED", uid=dan_invite.uid))
    ingest(
        calendar_reply(
            "apple",
            dan_interview,
            dan_invite,
            partstat="DECLINED",
            attendee="dan@mail.test",
            uid=cara_invite.uid,
        )
    )
    # A guessed UID, and a version we never sent.
    ingest(
        calendar_reply(
            "outlook",
            cara_interview,
            cara_invite,
            partstat="DECLINED",
            uid="interview-999999@replies.localhost",
        )
    )
    ingest(
        calendar_reply(
            "outlook",
            cara_interview,
            cara_invite,
            partstat="DECLINED",
            sequence=7,
            message_id="<seq7@mail.test>",
        )
    )

    statuses = list(
        Interview.objects.filter(pk__in=[cara_interview.pk, dan_interview.pk]).values_list(
            "status", "sequence"
        )
    )
    assert statuses == [(Interview.Status.SCHEDULED, 0), (Interview.Status.SCHEDULED, 0)]
    assert list(Event.objects.filter(pk__gt=before).values_list("kind", "summary")) == [
        ("calendar.reply_held", "Declined a version of the calendar invite we never sent: nothing changed")
    ]
    assert list(InboundEmail.objects.order_by("id").values_list("status", flat=True)) == [
        InboundEmail.Status.UNMATCHED,
        InboundEmail.Status.UNMATCHED,
        InboundEmail.Status.UNMATCHED,
        InboundEmail.Status.CALENDAR,
    ]


def test_a_decline_not_sent_to_a_reply_address_changes_nothing(submission, smtp_sink, time_machine):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    before = Event.objects.count()

    # The right UID and the candidate's From:, but to the recruiter's own mailbox: both are forgeable.
    output = ingest(calendar_reply("google", interview, invite, partstat="DECLINED", to="rita@agency.test"))

    interview.refresh_from_db()
    inbound = InboundEmail.objects.get()
    assert interview.status == Interview.Status.SCHEDULED
    assert Event.objects.count() == before
    assert (inbound.status, inbound.note) == (
        InboundEmail.Status.UNMATCHED,
        "A calendar answer that did not come to a reply address: nothing changed.",
    )
    assert output == f"No touchpoint matches this message; kept it as inbound #{inbound.pk} for review.\n"


def test_a_decline_by_someone_the_invite_was_forwarded_to_is_left_for_the_recruiter(
    submission, smtp_sink, time_machine
):
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)

    ingest(calendar_reply("apple", interview, invite, partstat="DECLINED", attendee="partner@mail.test"))

    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED
    assert interview_events(interview) == [
        (
            "calendar.reply_held",
            "A calendar reply for partner@mail.test, not the candidate's address: nothing changed",
        )
    ]


def test_anymail_webhook_delivers_a_calendar_decline(submission, smtp_sink, time_machine, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    interview, invite = book_and_send(submission, NY_SUNDAY_10AM, NY_BOOKED_AT, smtp_sink, time_machine)
    time_machine.move_to(interview.starts_at - timedelta(hours=25), tick=False)
    payload = {
        "RawEmail": calendar_reply("google", interview, invite, partstat="DECLINED").decode(),
        "OriginalRecipient": invite.organizer,
        "MessageID": "postmark-uuid-2",
        "Headers": [],
    }

    response = Client(enforce_csrf_checks=True).post(
        "/anymail/postmark/inbound/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:s3cret").decode(),
    )

    interview.refresh_from_db()
    assert response.status_code == 200
    assert interview.status == Interview.Status.CANCELLED_WITH_NOTICE
