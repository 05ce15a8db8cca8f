"""The bytes the worker sends are the bytes Django's own serialisation writes: the worker's cheaper way of
writing a message (``delivery._serialised``: headers that need no folding written at once, a body in one
piece) changes nothing a candidate receives -- names with accents, long subjects, long lines, attachments.
And what the candidate receives works: the links open their pages."""

from __future__ import annotations

import itertools
import re
from email import message_from_bytes, policy
from email.policy import Compat32
from unittest import mock

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from candidly.followups.models import Touchpoint
from candidly.messaging import delivery
from candidly.messaging.delivery import _Headers, _serialised, deliver
from candidly.messaging.emails import render_email
from candidly.messaging.links import URL_NAMES, hash_token, link_url, new_token
from tests.messaging.conftest import make_touchpoint

Kind = Touchpoint.Kind
DATE = "Mon, 30 Nov 2026 17:00:00 -0000"


def _standard_bytes(message: EmailMultiAlternatives, boundaries: list[str]) -> bytes:
    """What ``message.message().as_bytes(linesep="\\r\\n")`` writes with the given multipart boundaries."""
    mime = message.message()
    parts = iter(boundaries)
    for part in mime.walk():
        if part.is_multipart():
            part.set_boundary(next(parts))
    return mime.as_bytes(linesep="\r\n")


def _worker_bytes(message: EmailMultiAlternatives, monkeypatch) -> tuple[bytes, list[str]]:
    numbers = itertools.count(1)
    monkeypatch.setattr(delivery.secrets, "token_hex", lambda size: f"{next(numbers):032x}")
    data = _serialised(message)
    return data, re.findall(rb'boundary="([^"]+)"', data)


@pytest.fixture
def accented(interview):
    """Names with accents everywhere a header or a body shows them, and a subject too long for one line."""
    submission = interview.submission
    submission.recruiter.first_name, submission.recruiter.last_name = "Zoë", "Ólafsdóttir-Brønnum"
    submission.recruiter.save()
    submission.candidate.name = "José Núñez"
    submission.candidate.save()
    company = submission.role.company
    company.name = "Société Générale des Équipements Électriques & Fils, Succursale de Montréal"
    company.save()
    return interview


@pytest.mark.parametrize(
    "kind",
    [Kind.FOLLOW_UP_EMAIL, Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_CANCELLED, Kind.FEEDBACK_REQUEST],
)
def test_the_worker_writes_the_bytes_django_writes(accented, kind, monkeypatch):
    contact = accented.submission.role.hiring_manager if kind == Kind.FEEDBACK_REQUEST else None
    touchpoint = make_touchpoint(accented, kind, contact=contact)
    message = render_email(touchpoint, now=timezone.now()).to_message(message_id="<tp-1@replies.localhost>")
    message.extra_headers["Date"] = DATE  # both writings below stamp the same moment
    message.body += "\n" + "A line longer than any mail system keeps whole. " * 30 + "\r\nCRLF\rCR\n"

    data, boundaries = _worker_bytes(message, monkeypatch)

    assert data == _standard_bytes(message, [b.decode() for b in boundaries])
    parsed = message_from_bytes(data, policy=policy.default)
    assert "Zoë Ólafsdóttir-Brønnum via Candidly" in str(parsed["From"])
    assert "\n" not in str(parsed["Subject"]) and parsed["Subject"]
    if kind in (Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_CANCELLED):
        assert [part.get_content_type() for part in parsed.iter_attachments()] == ["text/calendar"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Subject", "How did it go with Acme Robotics?"),
        ("Subject", "x" * 69),  # "Subject: " + 69 = 78: the longest line left whole
        ("Subject", "x" * 70),
        ("Subject", "two  spaces"),
        ("Subject", " leading space"),
        ("Subject", "trailing space "),
        ("Subject", "tab\there"),
        ("Subject", "line\nbreak"),
        ("To", "=?utf-8?q?Jos=C3=A9?= <jose@mail.test>"),
        ("List-Unsubscribe", f"<http://127.0.0.1:8000/u/{'a' * 26}/>, <mailto:unsubscribe+x@replies.test>"),
        ("Subject", ""),
    ],
)
def test_a_header_is_written_as_the_standard_policy_writes_it(name, value):
    fast, standard = _Headers(linesep="\r\n"), Compat32(linesep="\r\n")

    assert fast.fold_binary(name, value) == standard.fold_binary(name, value)


def test_a_sent_email_with_accents_reads_back_and_its_links_open(accented, smtp_sink, client):
    touchpoint = make_touchpoint(accented, Kind.FOLLOW_UP_EMAIL)

    deliver(touchpoint, now=timezone.now(), before_handoff=lambda: None)

    [mail] = smtp_sink.received
    assert mail.header("From") == "Zoë Ólafsdóttir-Brønnum via Candidly <candidly@localhost>"
    # (A subject whose first encoded word does not fit on the "Subject:" line starts on the next one, as
    # Django's serialisation always wrote it; the parser reads the fold's space back, mail clients drop it.)
    assert mail.subject.strip() == (
        "How did it go with Société Générale des Équipements Électriques & Fils, Succursale de Montréal?"
    )
    assert mail.body("plain").startswith("Hi José,")
    urls = re.findall(r"http://127\.0\.0\.1:8000(/[a-z/]+/[a-z2-7]{26}/)", mail.body("plain"))
    assert len(urls) == 3  # feedback, withdraw, unsubscribe
    for path in urls:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("purpose", sorted(URL_NAMES))
def test_link_urls_are_what_reverse_gives(purpose, settings):
    from django.urls import reverse

    token = new_token()

    expected = f"{settings.CANDIDLY_BASE_URL}{reverse(URL_NAMES[purpose], args=[token])}"
    assert link_url(purpose, token) == expected


def test_token_hashes_are_the_hmac_of_purpose_and_token(settings):
    import hashlib
    import hmac

    token = new_token()
    expected = hmac.new(settings.SECRET_KEY.encode(), f"confirm:{token}".encode(), hashlib.sha256).hexdigest()

    assert hash_token(token, "confirm") == expected
    assert hash_token(token, "confirm", key="another") != expected


# -- the usual email written directly (delivery._plain_alternatives) --------------------------------------

HEADER_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=90)
BODY_LINE = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.text(
        "ab é", min_size=990, max_size=1000
    ),  # around SMTP's 998 bytes: Django then sends it quoted-printable
)
BODY = st.lists(
    st.tuples(BODY_LINE, st.sampled_from(["\n", "\r\n", "\r", "\n\n"])), min_size=1, max_size=6
).map(lambda lines: "".join(line + end for line, end in lines))


def _message(subject, name, body, html, extra) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=f"{name} via Candidly <candidly@localhost>" if name else "candidly@localhost",
        to=["ann.lee+jobs@mail.test"],
        reply_to=["reply+abc123@replies.localhost"],
        headers={"Message-ID": "<tp-1@replies.localhost>", "Date": DATE, **extra},
    )
    message.attach_alternative(html, "text/html")
    return message


@settings(max_examples=300, deadline=None)
@given(
    subject=HEADER_TEXT,
    name=HEADER_TEXT,
    body=BODY,
    html=BODY,
    unsubscribe=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=120),
)
@example(subject="How did it go?", name="Rita Recruiter", body="Hi\n", html="<p>Hi</p>", unsubscribe="<u>")
@example(subject="x" * 70, name="Zoë", body="é\r\n", html="a\rb", unsubscribe="<" + "u" * 100 + ">")
@example(subject="line\nbreak", name="", body="x\n", html="", unsubscribe="")
def test_the_usual_email_written_directly_is_the_standard_bytes(subject, name, body, html, unsubscribe):
    message = _message(
        subject, name, body, html, {"X-Candidly-Kind": "follow-up-email", "List-Unsubscribe": unsubscribe}
    )
    boundary = "===============candidly" + "7" * 32 + "=="

    try:
        standard = _standard_bytes(message, [boundary])
    except (BadHeaderError, ValueError) as exc:
        with pytest.raises(type(exc)):
            delivery._plain_alternatives(message)
        return
    with mock.patch.object(delivery.secrets, "token_hex", return_value="7" * 32):
        direct = delivery._plain_alternatives(message)

    long_lines = any(len(line.encode()) > 998 for text in (body, html) for line in text.splitlines())
    if long_lines:
        assert direct is None  # quoted-printable: the standard way
    else:
        assert direct == standard


@pytest.mark.parametrize(
    ("to", "reply_to"),
    [([], []), (["ann@mail.test", "Bob Ray <bob@mail.test>"], ["r1@replies.test", "r2@x.test"])],
)
def test_the_direct_way_writes_the_address_lists_as_django_does(to, reply_to, monkeypatch):
    message = EmailMultiAlternatives(
        subject="Hi",
        body="Hi\n",
        from_email="candidly@localhost",
        to=to,
        reply_to=reply_to,
        headers={"Message-ID": "<tp-1@replies.localhost>", "Date": DATE},
    )
    message.attach_alternative("<p>Hi</p>", "text/html")
    monkeypatch.setattr(delivery.secrets, "token_hex", lambda size: "7" * 32)

    assert delivery._plain_alternatives(message) == _standard_bytes(
        message, ["===============candidly" + "7" * 32 + "=="]
    )


def test_a_rendered_email_takes_the_direct_way(interview, monkeypatch):
    touchpoint = make_touchpoint(interview, Kind.FOLLOW_UP_EMAIL)
    message = render_email(touchpoint, now=timezone.now()).to_message(message_id="<tp-1@replies.localhost>")
    message.extra_headers["Date"] = DATE
    monkeypatch.setattr(delivery.secrets, "token_hex", lambda size: "7" * 32)

    direct = delivery._plain_alternatives(message)

    assert direct is not None
    assert direct == _standard_bytes(message, ["===============candidly" + "7" * 32 + "=="])


def test_an_email_with_an_attachment_takes_the_standard_way(interview):
    touchpoint = make_touchpoint(interview, Kind.INTERVIEW_CONFIRMATION)
    message = render_email(touchpoint, now=timezone.now()).to_message(message_id="<tp-1@replies.localhost>")

    assert message.attachments
    assert delivery._plain_alternatives(message) is None
