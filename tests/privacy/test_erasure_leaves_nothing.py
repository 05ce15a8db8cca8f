"""The issue's "done when": a candidate whose every field carries a marker goes through a whole process --
booking, reminders through the worker and a real SMTP server, a cancellation, the three questions, an email
reply, an SMS, a withdrawal -- is exported (every marker in the ZIP), then erased; afterwards no text or JSON
column of any table holds any marker, and every number of every report is what it was."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from io import BytesIO

import pytest
from django.core.management import call_command
from django.test import Client

from candidly.accounts.models import User
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview, Role, Submission
from candidly.messaging.links import find_link
from candidly.messaging.models import InboxMessage, Link
from candidly.messaging.sms_inbound import twilio_signature
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.factories import UserFactory
from tests.interviews import book, configure, make_rita, make_submission
from tests.privacy.support import links_in, occurrences, report_numbers

pytestmark = pytest.mark.django_db

BOOKED = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # Monday, 10:00 in New York
MARKERS = {
    "name": "Qzname4417",
    "email": "qzmail4417",
    "phone": "+12025550147",
    "notes": "Qznotes4417",
    "cancel note": "Qzcancel4417",
    "answers": "Qzanswer4417",
    "answer notes": "Qzfree4417",
    "recommend comment": "Qzcomment4417",
    "reply": "Qzreply4417",
    "sms": "Qzsms4417",
    "withdrawal note": "Qzwithdraw4417",
}


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)
    settings.TWILIO_AUTH_TOKEN = "twilio-test-token"


class Process:
    """Mara's process on a clock the test moves, with the real worker sending through ``smtp_sink``."""

    def __init__(self, time_machine, smtp_sink) -> None:
        self.time_machine, self.sink = time_machine, smtp_sink
        self.now = self.at(BOOKED)
        self.rita = make_rita()
        self.submission = make_submission(self.rita)
        self.mara = Candidate.objects.get(pk=self.submission.candidate_id)
        Candidate.objects.filter(pk=self.mara.pk).update(
            name=f"Mara {MARKERS['name']} Okafor",
            email=f"mara.{MARKERS['email']}@mail.test",
            phone=MARKERS["phone"],
            notes=f"Prefers mornings. {MARKERS['notes']}",
        )
        self.mara.refresh_from_db()
        self.recruiter = Client()
        self.recruiter.force_login(self.rita)

    def at(self, moment: datetime) -> datetime:
        self.time_machine.move_to(moment, tick=False)
        self.now = moment
        return moment

    def work(self) -> None:
        """A few passes of the worker at the current moment, periodic checks included."""
        worker = Worker(worker_id="privacy-test", clock=lambda: self.now, checks_every_seconds=0)
        for _ in range(3):
            worker.run_batch()

    def mail_to_mara(self) -> list:
        return [mail for mail in self.sink.received if self.mara.email in mail.rcpt_tos]


def _reply(to: str, sender: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: how did it go?"
    message["Message-ID"] = "<reply-4417@mail.test>"
    message.set_content(text)
    return message.as_bytes()


def _sms(client: Client, sender: str, body: str) -> None:
    params = {"From": sender, "Body": body, "MessageSid": "SM4417"}
    url = "http://127.0.0.1:8000/sms/inbound/twilio/"
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params)
    signature = twilio_signature(url, query, "twilio-test-token")
    response = client.post("/sms/inbound/twilio/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200


def run_whole_process(time_machine, smtp_sink, settings) -> Process:
    p = Process(time_machine, smtp_sink)
    # Booking: two rounds; the confirmations go out through the worker.
    later = book(p.submission, p.rita, datetime(2026, 3, 12, 18, 0, tzinfo=UTC))
    soon = book(p.submission, p.rita, datetime(2026, 3, 11, 15, 0, tzinfo=UTC))
    p.work()
    # Reminders of the sooner round, the day before and 2 hours before, through the worker and SMTP; the
    # later round is cancelled in between from a link in her confirmation, with notice.
    p.at(soon.starts_at - timedelta(hours=24))
    p.work()
    mails = "\n".join(mail.body("plain") for mail in p.mail_to_mara())
    [cancel] = [path for path in set(links_in(mails, "cancel")) if _interview_of(path, "cancel") == later.pk]
    response = Client().post(
        cancel, {"reason_kind": "reschedule", "note": f"Flight moved {MARKERS['cancel note']}"}
    )
    assert response.status_code == 200
    assert Interview.objects.get(pk=later.pk).status == Interview.Status.CANCELLED_WITH_NOTICE
    p.at(soon.starts_at - timedelta(hours=2))
    p.work()
    assert [mail.subject for mail in p.mail_to_mara() if mail.subject.startswith("Reminder:")] == [
        "Reminder: your Acme Robotics interview is tomorrow at 11:00",
        "Reminder: your Acme Robotics interview is in 2 hours",
    ]
    # From here on mail goes to the demo inbox, so its copies (to Mara, and to the hiring manager about her)
    # must be erased too.
    settings.EMAIL_BACKEND = "candidly.messaging.backends.InboxBackend"
    # The sooner round takes place; the recruiter marks it attended and the cadence runs.
    p.at(soon.ends_at + timedelta(minutes=10))
    assert p.recruiter.post(f"/interviews/{soon.pk}/outcome/", {"outcome": "completed"}).status_code == 302
    p.at(soon.ends_at + timedelta(hours=3, minutes=5))
    p.work()
    follow_up = InboxMessage.objects.filter(to=[p.mara.email], text_body__contains="/l/feedback/").latest(
        "id"
    )
    [feedback] = links_in(follow_up.text_body, "feedback")
    # The three questions, with free text everywhere the form has it.
    response = Client().post(
        feedback,
        {
            "enjoyment": "4",
            "difference": "a_little",
            "difference_note": f"More travel {MARKERS['answers']}",
            "excitement": "not_sure",
            "notes": f"Call me after five {MARKERS['answer notes']}",
            "recommend": "9",
            "recommend_comment": f"Kind people {MARKERS['recommend comment']}",
        },
    )
    assert response.status_code == 200
    # A reply to the follow-up email, to its reply+token address.
    reply_to = follow_up.headers["Reply-To"]
    out = io.StringIO()
    call_command(
        "ingest_email",
        stdin=BytesIO(_reply(reply_to, p.mara.email, f"Still thinking {MARKERS['reply']}")),
        stdout=out,
    )
    assert out.getvalue().startswith("Recorded the reply")
    # An SMS from her phone.
    _sms(Client(), MARKERS["phone"], f"Running late today {MARKERS['sms']}")
    # Withdrawal from the link in her follow-up email, with a note.
    withdraw = links_in(follow_up.text_body, "withdraw")[0]
    response = Client().post(
        withdraw,
        {
            "reason": "compensation",
            "note": f"Pay too low {MARKERS['withdrawal note']}",
            "open_to_other_roles": "yes",
        },
    )
    assert response.status_code == 200
    assert Submission.objects.get(pk=p.submission.pk).stage == Submission.Stage.WITHDRAWN
    p.at(p.now + timedelta(hours=1))
    p.work()
    return p


def _interview_of(path: str, purpose: str) -> int | None:
    link = find_link(path.rstrip("/").rsplit("/", 1)[1], purpose=purpose)
    return link.interview_id if link is not None else None


def test_whole_process_then_erasure_leaves_no_marker_and_keeps_every_report_number(
    time_machine, smtp_sink, settings
):
    p = run_whole_process(time_machine, smtp_sink, settings)
    ada = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True)
    users = {user.pk: user for user in User.objects.all()}
    before_markers = {name: occurrences(marker) for name, marker in MARKERS.items()}
    assert all(before_markers.values()), f"every marker is stored somewhere first: {before_markers}"
    assert InboxMessage.objects.exists(), "the demo inbox holds copies to erase"
    reports_before = report_numbers(start=date(2026, 3, 2), end=date(2026, 3, 22), now=p.now, users=users)

    # The export, by her recruiter, before the erasure: every marker is in it.
    response = p.recruiter.post(f"/candidates/{p.mara.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["data.json", "summary.html"]
    data = archive.read("data.json").decode()
    summary = archive.read("summary.html").decode()
    sent = [m for m in json.loads(data)["messages"] if m["status"] == "done" and m["channel"] == "email"]
    assert sent, "the export lists the messages sent to her"
    assert all(m["written_again"]["text"].startswith("Hi Mara,") for m in sent)
    assert not [m for m in sent if "/l/" in m["written_again"]["text"]], "no link token leaves in an export"
    assert [name for name, marker in MARKERS.items() if marker.lower() not in data.lower()] == []
    assert [name for name, marker in MARKERS.items() if marker.lower() not in summary.lower()] == []

    # The erasure, by an admin, with the typed confirmation.
    admin = Client()
    admin.force_login(ada)
    response = admin.post(f"/candidates/{p.mara.pk}/erase/", {"confirm": p.mara.name})

    assert response.status_code == 302
    assert {name: occurrences(marker) for name, marker in MARKERS.items()} == {name: [] for name in MARKERS}
    assert (
        report_numbers(start=date(2026, 3, 2), end=date(2026, 3, 22), now=p.now, users=users)
        == reports_before
    )
    mara = Candidate.objects.get(pk=p.mara.pk)
    assert (mara.name, mara.email, mara.phone, mara.notes) == (
        f"Erased candidate #{mara.pk}",
        f"erased-{mara.pk}@erased.invalid",
        "",
        "",
    )
    assert not Link.objects.filter(candidate=mara, revoked_at__isnull=True).exists()
    assert not mara.touchpoints.filter(status="planned").exists()
    cancelled = Event.objects.get(kind="interview.cancelled_with_notice")
    assert cancelled.summary == f"Erased candidate #{mara.pk}: interview cancelled with notice"
    erased = Event.objects.get(kind="candidate.erased")
    assert (erased.actor_user, erased.candidate_id, erased.summary) == (
        ada,
        mara.pk,
        f"Erased candidate #{mara.pk}: personal data erased on request",
    )


def test_whole_process_then_erasing_the_hiring_manager_leaves_nothing_of_theirs(
    time_machine, smtp_sink, settings
):
    p = run_whole_process(time_machine, smtp_sink, settings)
    ada = UserFactory(username="ada", role=User.Role.ADMIN, is_staff=True)
    hannah = p.submission.role.hiring_manager
    theirs = {"name": hannah.name, "email": hannah.email, "phone": hannah.phone}
    assert all(occurrences(value) for value in theirs.values())
    Role.objects.filter(pk=p.submission.role_id).update(status=Role.Status.FILLED)
    users = {user.pk: user for user in User.objects.all()}
    reports_before = report_numbers(start=date(2026, 3, 2), end=date(2026, 3, 22), now=p.now, users=users)
    admin = Client()
    admin.force_login(ada)

    response = admin.post(f"/contacts/{hannah.pk}/erase/", {"confirm": hannah.name})

    assert response.status_code == 302
    assert {name: occurrences(value) for name, value in theirs.items()} == {name: [] for name in theirs}
    assert (
        report_numbers(start=date(2026, 3, 2), end=date(2026, 3, 22), now=p.now, users=users)
        == reports_before
    )
