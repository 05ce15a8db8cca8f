"""One responsible recruiter per submission (``Submission.responsible_recruiter``). With no recruiter on the
submission itself, the candidate's recruiter and the role's recruiter differ; the tasks, the emails
and the pages the candidate sees must all name the same person."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.test import Client

from candidly.accounts.models import User
from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Task
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from tests.factories import (
    CandidateFactory,
    CompanyFactory,
    ContactFactory,
    InterviewFactory,
    RoleFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.forms import submit
from tests.hiring.endings_support import (
    NOW,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    link_in,
)
from tests.interviews import book
from tests.smtp import ReceivedMail

pytestmark = pytest.mark.django_db


def full_name(user: User | None) -> str | None:
    return None if user is None else user.get_full_name()


def named_on_page(html: str) -> str:
    """The recruiter a public page names in its "Questions? <name>, <phone>" line."""
    match = re.search(r"Questions\? ([^,<]+)", html)
    assert match is not None, "the page names no recruiter"
    return match.group(1)


def sender(mail: ReceivedMail) -> str:
    """The recruiter an email comes from: ``"Rita Recruiter via Candidly <…>"``."""
    return parseaddr(mail.header("From") or "")[0].removesuffix(" via Candidly")


def signed(text: str, phones: dict[str, str]) -> tuple[str, str]:
    """The name under an email's text, and whose number its ``tel:`` link calls."""
    match = re.search(r"\n([^\n]+)\nCall me: [^\n]+ \(tel:(\+\d+)\)\n", text)
    assert match is not None, "the email is not signed with a phone number"
    return match.group(1), phones.get(match.group(2), match.group(2))


def test_tasks_emails_and_pages_name_the_same_recruiter_when_the_submission_has_none(smtp_sink, time_machine):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Candidates", phone="+442079460958")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Roles", phone="+442071838750")
    acme = CompanyFactory(name="Acme Robotics")
    role = RoleFactory(
        company=acme,
        hiring_manager=ContactFactory(company=acme, name="Hannah Manager", email="hannah@acme.test"),
        title="Backend Engineer",
        recruiter=bob,
    )
    cara = CandidateFactory(
        name="Cara Candidate", email="cara@mail.test", time_zone="America/New_York", recruiter=alice
    )
    submission = SubmissionFactory(candidate=cara, role=role, recruiter=None)
    # Round 1 ended an hour ago: its cadence's call step is due now, the feedback email in two hours.
    first = InterviewFactory(
        submission=submission,
        round=1,
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW - timedelta(hours=1),
        status=Interview.Status.COMPLETED,
    )
    plan_follow_up_cadences(first)
    book(submission, bob, NOW + timedelta(days=3))  # round 2, on Friday: its confirmation is due now
    phones = {alice.phone: alice.get_full_name(), bob.phone: bob.get_full_name()}

    Worker(clock=lambda: NOW).run_batch()
    later = NOW + timedelta(hours=2)
    time_machine.move_to(later, tick=False)
    Worker(clock=lambda: later).run_batch()
    confirmation, follow_up = [mail for mail in smtp_sink.received if mail.rcpt_tos == ["cara@mail.test"]]
    confirmation_text = confirmation.body("plain").replace("\r\n", "\n")
    follow_up_text = follow_up.body("plain").replace("\r\n", "\n")
    client = Client()
    confirm_page = client.get(link_in(confirmation_text, "/l/confirm/"))
    feedback_page = client.get(link_in(follow_up_text, "/l/feedback/"))
    withdraw_page = client.get(link_in(confirmation_text, "/l/withdraw/"))
    submit(client, withdraw_page, button="I'm no longer interested")

    named = {
        "call task (cadence)": full_name(Task.objects.get(kind=Task.Kind.CALL).assigned_to),
        "tell-company task (withdrawal)": full_name(
            Task.objects.get(kind=Task.Kind.TELL_COMPANY).assigned_to
        ),
        "confirmation email, From": sender(confirmation),
        "confirmation email, signature": signed(confirmation_text, phones)[0],
        "confirmation email, tel: link": signed(confirmation_text, phones)[1],
        "follow-up email, From": sender(follow_up),
        "confirm page": named_on_page(confirm_page.content.decode()),
        "feedback page": named_on_page(feedback_page.content.decode()),
        "withdraw page": named_on_page(withdraw_page.content.decode()),
    }
    # Which person is right is the owner rule's decision; here they must only be one and the same.
    assert len(set(named.values())) == 1, "; ".join(f"{where}: {person}" for where, person in named.items())
