"""The agency's own words: admins reword every message kind, with a live preview on a real interview and
the variables listed; a broken template is refused when saved, never when sent; reset to the default.

Sent through the real worker to a real SMTP server (and a fake SMS provider at its network boundary).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from candidly.followups.models import Touchpoint
from candidly.followups.services import plan_touchpoint
from candidly.followups.tasks import create_task
from candidly.followups.worker import Worker
from candidly.hiring.models import Interview
from candidly.messaging import wording
from candidly.messaging.agency_words import check_parts
from candidly.messaging.emails import message_context
from candidly.messaging.models import Link, MessageWording
from candidly.timeline.models import Event
from tests.factories import UserFactory
from tests.followups.conftest import Clock
from tests.interviews import book, configure, make_rita, make_submission

Kind = Touchpoint.Kind
# Tuesday 10 March 2026, 11:00 in New York; the round was this morning, 09:00-10:00 New York.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
NUDGE_BODY = (
    "{{ first_name }}, a quick one from {{ company.name }}'s side of things: "
    "how did {{ role.title }} feel?\n\n"
    "Tell us here: {{ links.feedback }}"
)


class FakeSmsNetwork:
    sent: list[dict[str, str]] = []

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        FakeSmsNetwork.sent.append({"to": to, "body": body})
        return f"SM{len(FakeSmsNetwork.sent)}"


@pytest.fixture(autouse=True)
def _settings(settings):
    configure(settings)
    FakeSmsNetwork.sent = []


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine, NOW - timedelta(days=1))


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Admin", role="admin")


@pytest.fixture
def admin(ada) -> Client:
    client = Client()
    client.force_login(ada)
    return client


@pytest.fixture
def interview(clock) -> Interview:
    rita = make_rita()
    booked = book(make_submission(rita), rita, NOW - timedelta(hours=2))
    clock.set(NOW)
    return booked


def plan_nudge(interview: Interview, channel: str = "email") -> Touchpoint:
    touchpoint, _ = plan_touchpoint(
        person=interview.submission.candidate,
        kind=Kind.NUDGE,
        channel=channel,
        due_at=NOW,
        interview=interview,
    )
    return touchpoint


def run_worker() -> None:
    Worker(worker_id="worker-a", batch_size=20, poll_seconds=0.01).run_batch()


def save(admin: Client, kind: str, **fields: str):
    defaults = wording.default_parts(kind)
    data = {
        "subject": defaults.subject,
        "body": defaults.body,
        "sms": defaults.sms,
        "action": "save",
        **fields,
    }
    return admin.post(f"/settings/messages/{kind}/", data)


# --- the defaults and the variables -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(wording.EDITABLE))
def test_wording_defaults_pass_the_check_and_every_listed_variable_exists(db, kind):
    spec = wording.spec_for(kind)
    _, context = message_context(kind, interview=None, recruiter=None, now=NOW)

    check_parts(kind, wording.default_parts(kind), recruiter=None, now=NOW)

    rendered = {
        variable.name: wording.render_source(f"{{{{ {variable.name} }}}}", context, strict=True)
        for variable in spec.variables
    }
    assert [name for name, text in rendered.items() if wording.unknown_variables(text)] == []


# --- save, send, reset ------------------------------------------------------------------------------------


def test_wording_saved_words_go_out_in_the_next_email_with_the_same_frame(admin, ada, interview, smtp_sink):
    response = save(admin, Kind.NUDGE, subject="Any news, {{ first_name }}?", body=NUDGE_BODY)
    plan_nudge(interview)
    run_worker()

    assert (response.status_code, response.url) == (302, "/settings/messages/nudge/")
    [mail] = smtp_sink.received
    text = mail.body().replace("\r\n", "\n")
    assert mail.subject == "Any news, Cara?"
    assert re.fullmatch(
        r"Hi Cara,\n\n"
        r"Cara, a quick one from Acme Robotics's side of things: how did Backend Engineer feel\?\n\n"
        r"Tell us here: http://127\.0\.0\.1:8000/l/feedback/[a-z2-7]{26}/\n\n"
        r"Rita Recruiter\nCall me: \+44 20 7946 0958 \(tel:\+442079460958\)\n"
        r"Reply to this email and it comes straight to me\.\n\n-- \n"
        r"No longer interested in Backend Engineer at Acme Robotics\? That's fine\. Tell us in one click: "
        r"http://127\.0\.0\.1:8000/l/withdraw/[a-z2-7]{26}/\n"
        r"Rather not get emails like this\? Unsubscribe: http://127\.0\.0\.1:8000/u/[a-z2-7]{26}/\n",
        text,
    )
    assert re.search(
        r'Tell us here: <a href="http://127\.0\.0\.1:8000/l/feedback/[a-z2-7]{26}/">', mail.body("html")
    )
    assert mail.header("List-Unsubscribe") is not None
    [event] = Event.objects.filter(kind="wording.updated")
    assert (event.summary, event.actor_user) == (
        "The words of “Nudge a business day later” changed (subject, body)",
        ada,
    )


def test_wording_sms_words_go_by_sms_with_the_withdraw_link(admin, interview, settings):
    settings.CANDIDLY_SMS_PROVIDER = "tests.messaging.test_wording.FakeSmsNetwork"
    save(admin, Kind.NUDGE, sms="{{ first_name }}, one line on {{ company.name }}? {{ links.feedback }}")
    plan_nudge(interview, channel="sms")

    run_worker()

    [sms] = FakeSmsNetwork.sent
    assert re.fullmatch(
        r"Cara, one line on Acme Robotics\? http://127\.0\.0\.1:8000/l/feedback/[a-z2-7]{26}/ "
        r"Not for you any more\? http://127\.0\.0\.1:8000/w/[a-z2-7]{26}/",
        sms["body"],
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"subject": "Hi {{ frist_name }}"},
            {"subject": ["Unknown variable {{ frist_name }}: use the ones listed."]},
        ),
        (
            {"body": "{% if links.feedback %}Tell us{% endfi %}"},
            {
                "body": [
                    "This does not work as a template: Invalid block tag on line 1: 'endfi', "
                    "expected 'elif', "
                    "'else' or 'endif'. Did you forget to register or load this tag?"
                ]
            },
        ),
        (
            {"body": "{% load static %}{% static 'x' %}"},
            {"body": ["{% load %} cannot be used in a message."]},
        ),
        ({"body": "{% debug %}"}, {"body": ["{% debug %} cannot be used in a message."]}),
        ({"body": '{% include "base.html" %}'}, {"body": ["Only emails/_interview.txt may be included."]}),
        (
            {"sms": "{{ company.name|date:'Y' }} {{ links.feedback.nope }}"},
            {"sms": ["Unknown variable {{ links.feedback.nope }}: use the ones listed."]},
        ),
        ({"subject": "   "}, {"subject": ["This field is required."]}),
    ],
)
def test_wording_broken_template_is_refused_at_save_and_nothing_changes(
    admin, interview, smtp_sink, fields, errors
):
    response = save(admin, Kind.NUDGE, **fields)
    plan_nudge(interview)
    run_worker()

    assert response.status_code == 400
    assert {field: list(errs) for field, errs in response.context["form"].errors.items()} == errors
    assert MessageWording.objects.count() == 0
    assert Event.objects.filter(kind="wording.updated").count() == 0
    assert [mail.subject for mail in smtp_sink.received] == [
        "Quick check-in after your Acme Robotics interview"
    ]


def test_wording_reset_goes_back_to_the_default(admin, ada, interview, smtp_sink):
    save(admin, Kind.NUDGE, subject="Any news, {{ first_name }}?", body=NUDGE_BODY)

    response = admin.post("/settings/messages/nudge/reset/")
    again = admin.post("/settings/messages/nudge/reset/", follow=True)
    plan_nudge(interview)
    run_worker()

    assert (response.status_code, MessageWording.objects.count()) == (302, 0)
    assert [str(m) for m in again.context["messages"]][-1:] == [
        "“Nudge a business day later” already uses the default words."
    ]
    assert [mail.subject for mail in smtp_sink.received] == [
        "Quick check-in after your Acme Robotics interview"
    ]
    assert list(Event.objects.filter(kind="wording.reset").values_list("summary", "actor_user")) == [
        ("The words of “Nudge a business day later” are back to the default", ada.pk)
    ]


def test_wording_saving_the_defaults_keeps_no_row(admin):
    save(admin, Kind.NUDGE, subject="Any news?")

    save(admin, Kind.NUDGE)

    assert MessageWording.objects.count() == 0


# --- the preview ------------------------------------------------------------------------------------------


def test_wording_preview_on_a_real_interview_saves_nothing_and_issues_no_link(admin, interview):
    links_before = Link.objects.count()
    data = {
        "subject": "Any news, {{ first_name }}?",
        "body": NUDGE_BODY,
        "sms": wording.default_parts(Kind.NUDGE).sms,
        "interview": interview.pk,
        "action": "preview",
    }

    page = admin.post("/settings/messages/nudge/", data)
    partial = admin.post("/settings/messages/nudge/preview/", data, headers={"HX-Request": "true"})

    preview = page.context["preview"]
    assert (preview.to, preview.subject) == ("cara@mail.test", "Any news, Cara?")
    assert preview.text.startswith(
        "Hi Cara,\n\nCara, a quick one from Acme Robotics's side of things: "
        "how did Backend Engineer feel?\n\n"
        "Tell us here: http://127.0.0.1:8000/l/feedback/preview/\n"
    )
    assert preview.sms.endswith("Not for you any more? http://127.0.0.1:8000/l/withdraw/preview/")
    assert [t.name for t in partial.templates if t.name and t.name.startswith("messaging/")] == [
        "messaging/_wording_preview.html"
    ]
    assert "Any news, Cara?" in partial.content.decode()
    assert (Link.objects.count(), MessageWording.objects.count()) == (links_before, 0)


def test_wording_page_lists_the_variables_and_shows_the_current_words(admin, interview):
    response = admin.get("/settings/messages/interview-confirmation/")

    body = response.content.decode()
    assert (
        response.context["form"].initial["subject"]
        == wording.default_parts(Kind.INTERVIEW_CONFIRMATION).subject
    )
    assert "<code>{{ links.confirm }}</code>" in body
    assert "True when they had confirmed the earlier time" in body
    assert response.context["preview"].to == "cara@mail.test"


def test_wording_for_the_update_changes_what_the_recruiter_edits(admin, interview, clock):
    body = (
        "{% if message %}{{ message }}{% else %}Still nothing from {{ company.name }}; I'm on it.{% endif %}"
    )
    save(admin, Kind.UPDATE, body=body)
    task = create_task(
        kind="update-candidate",
        title="Update Cara",
        due_at=clock.now,
        actor=None,
        submission=interview.submission,
    )
    rita = Client()
    rita.force_login(interview.submission.recruiter)

    page = rita.get(f"/updates/{task.pk}/")

    assert page.context["form"].initial["message"] == "Still nothing from Acme Robotics; I'm on it."


# --- who may ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/settings/messages/"),
        ("get", "/settings/messages/nudge/"),
        ("post", "/settings/messages/nudge/"),
        ("post", "/settings/messages/nudge/preview/"),
        ("post", "/settings/messages/nudge/reset/"),
    ],
)
def test_wording_pages_are_for_admins_only(recruiter_client, method, url):
    response = getattr(recruiter_client, method)(url, {"subject": "x", "body": "y", "action": "save"})
    anonymous = getattr(Client(), method)(url)

    assert response.status_code == 403
    assert (anonymous.status_code, anonymous.url) == (302, f"/accounts/login/?next={url}")
    assert MessageWording.objects.count() == 0


def test_wording_unknown_kind_is_404(admin):
    assert admin.get("/settings/messages/password-reset/").status_code == 404


def test_wording_list_says_which_are_the_agencys(admin, ada):
    save(admin, Kind.NUDGE, subject="Any news?")

    response = admin.get("/settings/messages/")

    rows = {spec.kind: changed is not None for spec, changed in response.context["rows"]}
    assert rows == {kind: kind == Kind.NUDGE for kind in wording.EDITABLE}
    assert timezone.now() >= MessageWording.objects.get().updated_at
