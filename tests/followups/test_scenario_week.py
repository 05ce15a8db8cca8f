"""A whole week after three interviews, on a moving clock, through the real worker and a real SMTP server.

- Alice (London) interviews at Acme on Thursday: call task at +1 h, the email with the three questions at
  +3 h, a nudge the next business day; she answers from the nudge's link and everything after is skipped.
  Hannah (Acme, London) answers after her reminder.
- Bob (New York) interviews at Globex on Friday afternoon: the email waits for Monday morning, across the
  weekend and the US change to summer time (8 March 2026); he never answers: the last message at +3 business
  days, then gone quiet at +5. Gus (Globex, Chicago) never answers: escalation tasks.
- Chloe (London) interviews at Globex on Monday and answers at once; Globex stays silent, so the recruiter
  gets an "Update Chloe" task before three business days pass without a word from us.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from candidly.followups.models import Task, Touchpoint
from candidly.hiring.models import Interview, Submission
from candidly.hiring.reliability import reliability_record
from candidly.timeline.models import Event
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 5, 13, 0, tzinfo=UTC)  # Thursday 5 March 2026, 13:00 in London
TICK = timedelta(minutes=30)
FEEDBACK_LINK = re.compile(r"http://testserver(/l/feedback/[a-z2-7]{26}/)")


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M %Z")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


class Week:
    """The agency: people, interviews, and a worker ticking every 30 minutes on the moving clock."""

    def __init__(self, clock, make_worker, smtp_sink, recruiter) -> None:
        self.clock, self.sink = clock, smtp_sink
        self.worker = make_worker("week", batch_size=20, checks_every_seconds=0)
        self.sent: list[tuple[datetime, str, str]] = []  # (tick, recipient, kind)
        acme = CompanyFactory(name="Acme Robotics", country="GB", time_zone="Europe/London")
        globex = CompanyFactory(name="Globex", country="US", time_zone="America/Chicago")
        self.hannah = ContactFactory(company=acme, name="Hannah Manager", email="hannah@acme.test")
        self.gus = ContactFactory(
            company=globex, name="Gus Manager", email="gus@globex.test", time_zone="America/Chicago"
        )
        self.zones = {"hannah@acme.test": "Europe/London", "gus@globex.test": "America/Chicago"}
        acme_role = RoleFactory(
            company=acme, hiring_manager=self.hannah, title="Backend Engineer", recruiter=recruiter
        )
        globex_role = RoleFactory(
            company=globex, hiring_manager=self.gus, title="Data Engineer", recruiter=recruiter
        )
        self.alice = self._interview("Alice", "Europe/London", acme_role, recruiter, ends=utc(5, 14))
        self.bob = self._interview("Bob", "America/New_York", globex_role, recruiter, ends=utc(6, 20))
        self.chloe = self._interview("Chloe", "Europe/London", globex_role, recruiter, ends=utc(9, 10))

    def _interview(self, name: str, zone: str, role, recruiter, *, ends: datetime) -> Interview:
        email = f"{name.lower()}@mail.test"
        self.zones[email] = zone
        candidate = CandidateFactory(
            name=f"{name} Candidate", email=email, time_zone=zone, recruiter=recruiter
        )
        submission = SubmissionFactory(candidate=candidate, role=role, recruiter=recruiter)
        return InterviewFactory(
            submission=submission, starts_at=ends - timedelta(hours=1), ends_at=ends, time_zone=zone
        )

    def run_until(self, moment: datetime) -> None:
        """Tick the clock forward to ``moment``, running one worker pass per tick (and more while busy)."""
        while self.clock.now < moment:
            self.clock.advance(TICK)
            while self.worker.run_batch().claimed == self.worker.batch_size:
                pass
            for mail in self.sink.received[len(self.sent) :]:
                self.sent.append((self.clock.now, mail.rcpt_tos[0], mail.header("X-Candidly-Kind") or ""))

    def emails(self) -> list[tuple[str, str, str]]:
        """What went out, with the time on the recipient's own clock."""
        return [(local(at, self.zones[to]), to, kind) for at, to, kind in self.sent]

    def link_in_last(self, to: str, kind: str) -> str:
        mail = next(
            m
            for m in reversed(self.sink.received)
            if m.rcpt_tos == [to] and m.header("X-Candidly-Kind") == kind
        )
        match = FEEDBACK_LINK.search(mail.body())
        assert match is not None, mail.body()
        return match.group(1)


@pytest.fixture
def week(clock, make_worker, smtp_sink, recruiter, settings) -> Week:
    settings.CANDIDLY_BASE_URL = "http://testserver"
    clock.set(START)
    return Week(clock, make_worker, smtp_sink, recruiter)


def test_scenario_a_week_of_follow_ups(week, recruiter, recruiter_client):
    alice, bob, chloe = week.alice, week.bob, week.chloe

    # Friday 15:00 in London: Alice answers from the link in the nudge she got at 14:00.
    week.run_until(utc(6, 15))
    response = Client().post(
        week.link_in_last("alice@mail.test", "nudge"),
        {"enjoyment": "4", "difference": "no", "excitement": "yes"},
    )
    assert response.status_code == 200
    # 16:00: Hannah answers from her reminder.
    week.run_until(utc(6, 16))
    response = Client().post(
        week.link_in_last("hannah@acme.test", "feedback-reminder"), {"verdict": "advance"}
    )
    assert response.status_code == 200
    # Monday 14:00 in London: Chloe answers the email she got at 13:00.
    week.run_until(utc(9, 14))
    response = Client().post(
        week.link_in_last("chloe@mail.test", "follow-up-email"),
        {"enjoyment": "5", "difference": "a_little", "excitement": "yes"},
    )
    assert response.status_code == 200
    # Tuesday 14:30: the recruiter sends Alice the prepared update from Today, in one click.
    week.run_until(utc(10, 14, 30))
    alice_update = Task.objects.get(kind=Task.Kind.UPDATE_CANDIDATE, candidate=alice.submission.candidate)
    assert recruiter_client.post(f"/updates/{alice_update.pk}/send/").status_code == 302
    week.run_until(utc(13, 20))

    assert week.emails() == [
        ("Thu 05 Mar 15:00 GMT", "hannah@acme.test", "feedback-request"),  # +1 h
        ("Thu 05 Mar 17:00 GMT", "alice@mail.test", "follow-up-email"),  # +3 h
        ("Fri 06 Mar 14:00 GMT", "alice@mail.test", "nudge"),  # +1 business day
        ("Fri 06 Mar 14:00 GMT", "hannah@acme.test", "feedback-reminder"),
        ("Fri 06 Mar 15:00 CST", "gus@globex.test", "feedback-request"),  # Bob's interview, +1 h
        # Bob's +3 h fell at 18:00 on Friday in New York: Monday 09:00, on summer time (EDT) by then.
        ("Mon 09 Mar 09:00 EDT", "bob@mail.test", "follow-up-email"),
        ("Mon 09 Mar 13:00 GMT", "chloe@mail.test", "follow-up-email"),
        ("Mon 09 Mar 09:00 CDT", "gus@globex.test", "feedback-request"),  # Chloe's: 06:00 in Chicago → 09:00
        ("Mon 09 Mar 15:00 EDT", "bob@mail.test", "nudge"),  # the interview's end, one business day on
        ("Mon 09 Mar 14:00 CDT", "gus@globex.test", "feedback-reminder"),
        ("Tue 10 Mar 09:00 CDT", "gus@globex.test", "feedback-reminder"),
        ("Tue 10 Mar 15:00 GMT", "alice@mail.test", "candidate-update"),
        ("Wed 11 Mar 15:00 EDT", "bob@mail.test", "last-call"),  # +3 business days
    ]
    # "Mark the interview's outcome" reminders (issue 4) are tested in tests/followups/test_interview_plan.py.
    tasks = Task.objects.exclude(kind=Task.Kind.MARK_INTERVIEW).order_by("created_at", "id")
    # Each task at the time on the clock of the person it is about.
    assert [
        (local(t.created_at, (t.contact or t.candidate).time_zone), t.kind, t.title, t.status) for t in tasks
    ] == [
        (
            "Thu 05 Mar 15:00 GMT",
            "call",
            "Call Alice Candidate about Backend Engineer at Acme Robotics",
            "cancelled",
        ),
        (
            "Fri 06 Mar 16:00 GMT",
            "relay-verdict",
            "Acme Robotics wants to move forward with Alice Candidate: tell Alice Candidate",
            "open",
        ),
        ("Fri 06 Mar 16:00 EST", "call", "Call Bob Candidate about Data Engineer at Globex", "open"),
        ("Mon 09 Mar 11:00 GMT", "call", "Call Chloe Candidate about Data Engineer at Globex", "cancelled"),
        # The first silence check after Tuesday 14:00, one business day before the limit (here a pass of
        # the checks takes two ticks: the cadences' batch, then the silence check's).
        ("Tue 10 Mar 14:30 GMT", "update-candidate", "Update Alice Candidate", "done"),
        (
            "Tue 10 Mar 14:00 CDT",  # Bob's interview + 2 business days in Chicago
            "chase-company",
            "Chase Globex for feedback from Gus Manager about Data Engineer at Globex",
            "open",
        ),
        (
            "Wed 11 Mar 13:30 GMT",  # likewise, the first check after 13:00
            "update-candidate",
            "Update Chloe Candidate",
            "open",
        ),  # before 3 days of silence
        (
            "Wed 11 Mar 09:00 CDT",  # Chloe's
            "chase-company",
            "Chase Globex for feedback from Gus Manager about Data Engineer at Globex",
            "open",
        ),
        ("Thu 12 Mar 15:30 GMT", "update-candidate", "Update Alice Candidate", "open"),  # likewise
        (
            "Fri 13 Mar 15:00 EDT",
            "gone-quiet",
            "Bob Candidate has gone quiet about Data Engineer at Globex",
            "open",
        ),
    ]
    # Alice answered: everything after the nudge was skipped; Hannah answered: no escalation.
    assert _statuses(alice, candidate=True) == [
        ("follow-up-call", "skipped"),
        ("follow-up-email", "done"),
        ("nudge", "done"),
        ("last-call", "skipped"),
        ("gone-quiet", "skipped"),
    ]
    assert _statuses(alice, candidate=False) == [
        ("feedback-request", "done"),
        ("feedback-reminder", "done"),
        ("escalation", "skipped"),
    ]
    # Bob never answered: gone quiet on the record. Chloe answered: her cadence stopped after the email.
    assert Submission.objects.get(pk=bob.submission_id).gone_quiet_at == utc(13, 19)
    assert reliability_record(bob.submission.candidate, now=week.clock.now).gone_quiet == 1
    assert _statuses(bob, candidate=True) == [
        ("follow-up-call", "due"),
        ("follow-up-email", "done"),
        ("nudge", "done"),
        ("last-call", "done"),
        ("gone-quiet", "done"),
    ]
    assert [status for _, status in _statuses(chloe, candidate=True)] == [
        "skipped",
        "done",
        "skipped",
        "skipped",
        "skipped",
    ]
    assert Event.objects.filter(kind="followup.escalated", contact=week.gus).count() == 2
    assert list(
        Event.objects.filter(kind="followup.responded")
        .order_by("occurred_at")
        .values_list("candidate__name", "data")
    ) == [
        (
            "Alice Candidate",
            {
                "response_seconds": 25 * 3600,
                "channel": "form",
                "after_step": "nudge",
                "after_step_channel": "email",
            },
        ),  # Thursday 14:00 → Friday 15:00
        (
            "Chloe Candidate",
            {
                "response_seconds": 4 * 3600,
                "channel": "form",
                "after_step": "follow-up-email",
                "after_step_channel": "email",
            },
        ),
    ]
    # Nobody clicked "Attended": Bob and Chloe passed as completed; Hannah's verdict marked Alice's.
    assert [Interview.objects.get(pk=i.pk).status for i in (alice, bob, chloe)] == [
        "completed",
        "scheduled",
        "scheduled",
    ]


def _statuses(interview: Interview, *, candidate: bool) -> list[tuple[str, str]]:
    rows = Touchpoint.objects.filter(interview=interview, candidate__isnull=not candidate).order_by("step")
    return list(rows.values_list("kind", "status"))
