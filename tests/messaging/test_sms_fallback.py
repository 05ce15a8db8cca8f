"""SMS never drops a message: every SMS step goes by email when SMS cannot go, and says why.

Through the real worker and a real SMTP server; the SMS provider is faked at its network boundary
(``FakeSmsNetwork`` stands in for the provider's HTTP API, behind the ``SmsProvider`` interface).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from candidly.followups.models import Touchpoint
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.hiring.services.interview_status import mark_interview_outcome
from candidly.messaging.errors import PermanentDeliveryError, TemporaryDeliveryError
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.followups.conftest import Clock
from tests.interviews import book, configure, make_rita, make_submission

Kind = Touchpoint.Kind
# Monday 9 March 2026, 10:00 in New York (EDT); the round is Wednesday 11 March, 14:00-15:00 New York.
BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
STARTS = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
SHORT_WITHDRAW = r"Not for you any more\? http://127\.0\.0\.1:8000/w/[a-z2-7]{26}/"


class FakeSmsNetwork:
    """The provider's API: records each SMS it accepts, or refuses them all with ``refuse_with``."""

    sent: list[dict[str, str]] = []
    refuse_with: Exception | None = None

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        if FakeSmsNetwork.refuse_with is not None:
            raise FakeSmsNetwork.refuse_with
        FakeSmsNetwork.sent.append({"to": to, "body": body})
        return f"SM{len(FakeSmsNetwork.sent):032d}"


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)
    FakeSmsNetwork.sent, FakeSmsNetwork.refuse_with = [], None


@pytest.fixture
def sms_network(settings) -> type[FakeSmsNetwork]:
    settings.CANDIDLY_SMS_PROVIDER = "tests.messaging.test_sms_fallback.FakeSmsNetwork"
    return FakeSmsNetwork


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine, BOOKED)


@pytest.fixture
def rita(db):
    return make_rita()


@pytest.fixture
def interview(clock, rita) -> Interview:
    """Cara prefers SMS; her round is booked on Monday for Wednesday."""
    submission = make_submission(rita)
    Candidate.objects.filter(pk=submission.candidate_id).update(preferred_channel=Candidate.Channel.SMS)
    submission.candidate.refresh_from_db()
    return book(submission, rita, STARTS)


def run_worker(clock: Clock, moment: datetime) -> None:
    clock.set(moment)
    Worker(worker_id="worker-a", batch_size=50, poll_seconds=0.01).run_batch()


def sent_events() -> list[tuple[str, str]]:
    return list(
        Event.objects.filter(kind="touchpoint.sent").order_by("id").values_list("summary", "data__channel")
    )


def test_sms_candidate_with_no_provider_gets_each_step_by_email(interview, clock, rita, smtp_sink):
    assert list(
        Touchpoint.objects.filter(interview=interview).order_by("step").values_list("kind", "channel")
    ) == [
        (Kind.INTERVIEW_CONFIRMATION, "email"),
        (Kind.INTERVIEW_REMINDER, "sms"),
        (Kind.INTERVIEW_REMINDER, "sms"),
    ]

    for moment in (BOOKED, STARTS - timedelta(hours=24), STARTS - timedelta(hours=2)):
        run_worker(clock, moment)
    clock.set(ENDS + timedelta(minutes=5))
    mark_interview_outcome(interview, outcome=Interview.Status.COMPLETED, now=clock.now, actor=rita)
    steps = Touchpoint.objects.filter(interview=interview, kind__in=[Kind.NUDGE, Kind.LAST_CALL])
    assert sorted(steps.values_list("kind", "channel")) == [(Kind.LAST_CALL, "sms"), (Kind.NUDGE, "sms")]
    for tp in Touchpoint.objects.filter(interview=interview, candidate__isnull=False).order_by("due_at"):
        if tp.status == Touchpoint.Status.PLANNED:
            run_worker(clock, tp.due_at)

    assert [
        (mail.rcpt_tos, mail.subject) for mail in smtp_sink.received if mail.rcpt_tos == ["cara@mail.test"]
    ] == [
        (["cara@mail.test"], "You're booked: Acme Robotics interview, Wed 11 Mar, 14:00"),
        (["cara@mail.test"], "Reminder: your Acme Robotics interview is tomorrow at 14:00"),
        (["cara@mail.test"], "Reminder: your Acme Robotics interview is in 2 hours"),
        (["cara@mail.test"], "How did it go with Acme Robotics?"),
        (["cara@mail.test"], "Quick check-in after your Acme Robotics interview"),
        (["cara@mail.test"], "It's fine to tell us you're out"),
    ]
    why = "instead of SMS: No SMS provider is configured."
    assert [summary for summary, _ in sent_events() if "Cara" in summary] == [
        "Interview confirmation sent by email to Cara Candidate",
        f"Interview reminder sent by email to Cara Candidate {why}",
        f"Interview reminder sent by email to Cara Candidate {why}",
        "Follow-up email sent by email to Cara Candidate",
        f"Nudge sent by email to Cara Candidate {why}",
        f"“It is fine to tell us you are out” sent by email to Cara Candidate {why}",
    ]
    assert Touchpoint.objects.filter(candidate__isnull=False, status=Touchpoint.Status.SKIPPED).count() == 0


def test_sms_refused_for_good_by_the_provider_goes_by_email(interview, clock, smtp_sink, sms_network):
    run_worker(clock, BOOKED)
    sms_network.refuse_with = PermanentDeliveryError(
        "Twilio 400: The 'To' number is not a valid phone number."
    )

    run_worker(clock, STARTS - timedelta(hours=24))

    [reminder] = Touchpoint.objects.filter(interview=interview, step=1)
    assert (reminder.status, reminder.channel) == (Touchpoint.Status.DONE, "email")
    assert [mail.subject for mail in smtp_sink.received][-1] == (
        "Reminder: your Acme Robotics interview is tomorrow at 14:00"
    )
    assert sent_events()[-1] == (
        "Interview reminder sent by email to Cara Candidate instead of SMS: The SMS provider refused it: "
        "Twilio 400: The 'To' number is not a valid phone number.",
        "email",
    )
    assert sms_network.sent == []


def test_sms_failing_until_the_retry_limit_goes_by_email_on_the_last_try(
    interview, clock, smtp_sink, sms_network, settings
):
    settings.CANDIDLY_WORKER_MAX_ATTEMPTS = 2
    settings.CANDIDLY_RETRY_BASE_SECONDS = 60
    run_worker(clock, BOOKED)
    sms_network.refuse_with = TemporaryDeliveryError("Twilio 503: Service Unavailable")
    mails_before = len(smtp_sink.received)

    run_worker(clock, STARTS - timedelta(hours=24))

    [reminder] = Touchpoint.objects.filter(interview=interview, step=1)
    assert (reminder.status, reminder.channel, reminder.attempts) == (Touchpoint.Status.PLANNED, "sms", 1)
    assert len(smtp_sink.received) == mails_before

    run_worker(clock, STARTS - timedelta(hours=23, minutes=58))

    reminder.refresh_from_db()
    assert (reminder.status, reminder.channel, reminder.attempts) == (Touchpoint.Status.DONE, "email", 2)
    assert [mail.subject for mail in smtp_sink.received][mails_before:] == [
        "Reminder: your Acme Robotics interview is tomorrow at 14:00"
    ]
    assert sent_events()[-1] == (
        "Interview reminder sent by email to Cara Candidate instead of SMS: The SMS provider failed 2 times, "
        "the last with: Twilio 503: Service Unavailable",
        "email",
    )
    assert sms_network.sent == []


def test_sms_reminders_go_by_sms_and_every_sms_carries_a_short_withdraw_link(
    interview, clock, smtp_sink, sms_network
):
    run_worker(clock, BOOKED)
    run_worker(clock, STARTS - timedelta(hours=24))
    run_worker(clock, STARTS - timedelta(hours=2))

    assert [mail.subject for mail in smtp_sink.received] == [
        "You're booked: Acme Robotics interview, Wed 11 Mar, 14:00"
    ]
    assert [sms["to"] for sms in sms_network.sent] == ["+14155550123", "+14155550123"]
    day_before, last = (sms["body"] for sms in sms_network.sent)
    assert re.fullmatch(
        r"Hi Cara, reminder: your Acme Robotics interview is tomorrow at 14:00\. Can't make it\? "
        r"http://127\.0\.0\.1:8000/l/cancel/[a-z2-7]{26}/ Rita Recruiter \+44 20 7946 0958 " + SHORT_WITHDRAW,
        day_before,
    )
    assert re.fullmatch(r".*is in 2 hours\..* " + SHORT_WITHDRAW, last)
    assert sent_events()[-1] == ("Interview reminder sent by SMS to Cara Candidate", "sms")
    # The short link opens the same "I'm no longer interested" page.
    path = re.search(r"/w/[a-z2-7]{26}/", last).group(0)  # type: ignore[union-attr]
    page = Client().get(path)
    assert page.status_code == 200
    assert "Backend Engineer" in page.content.decode()


def test_sms_planned_before_the_number_was_removed_goes_by_email(interview, clock, smtp_sink, sms_network):
    # The reminders were planned as SMS; then Cara asked for email and her number was removed.
    Candidate.objects.filter(pk=interview.submission.candidate_id).update(
        preferred_channel=Candidate.Channel.EMAIL, phone=""
    )
    run_worker(clock, BOOKED)

    run_worker(clock, STARTS - timedelta(hours=24))

    assert sent_events()[-1] == (
        "Interview reminder sent by email to Cara Candidate instead of SMS: "
        "There is no phone number on file.",
        "email",
    )
    assert [mail.subject for mail in smtp_sink.received][-1] == (
        "Reminder: your Acme Robotics interview is tomorrow at 14:00"
    )
    assert sms_network.sent == []
