"""Public action pages (unsubscribe, feedback) and the demo's local inbox (admins only).

The withdraw page is hiring's: tests/hiring/test_withdrawal_pages.py; the interview confirm / cancel pages
too: tests/hiring/test_public_*.py."""

from __future__ import annotations

import pytest
from django.test import Client

from candidly.followups.models import Touchpoint
from candidly.messaging.links import issue_link
from candidly.messaging.models import InboxMessage, Link
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES

Kind = Touchpoint.Kind
PLANNED = Touchpoint.Status.PLANNED


def _token(interview, purpose):
    candidate = interview.submission.candidate
    if purpose == Link.Purpose.WITHDRAW:
        return issue_link(purpose, candidate=candidate, submission=interview.submission)
    return issue_link(purpose, candidate=candidate, interview=interview)


# --- unsubscribe --------------------------------------------------------------------------------------


def test_unsubscribe_one_click_post_without_cookies_or_csrf_token_unsubscribes(interview):
    candidate = interview.submission.candidate
    token = _token(interview, Link.Purpose.UNSUBSCRIBE)
    mail_client = Client(enforce_csrf_checks=True)  # like Gmail's one-click: no cookie, no CSRF token

    response = mail_client.post(
        f"/u/{token}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    candidate.refresh_from_db()
    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode()
    assert candidate.unsubscribed_at is not None
    assert [(e.kind, e.summary, e.actor_type, e.candidate) for e in Event.objects.all()] == [
        (
            "candidate.unsubscribed",
            "Unsubscribed from non-essential emails (one-click unsubscribe)",
            Event.Actor.CANDIDATE,
            candidate,
        )
    ]


def test_unsubscribe_get_shows_a_button_and_changes_nothing(interview):
    candidate = interview.submission.candidate
    token = _token(interview, Link.Purpose.UNSUBSCRIBE)

    response = Client().get(f"/u/{token}/")

    candidate.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 200
    assert '<button type="submit" class="primary">Unsubscribe</button>' in body
    assert candidate.unsubscribed_at is None
    assert list(Event.objects.all()) == []


def test_unsubscribe_page_button_posts_and_repeating_it_adds_no_second_event(interview):
    candidate = interview.submission.candidate
    token = _token(interview, Link.Purpose.UNSUBSCRIBE)
    client = Client(enforce_csrf_checks=True)

    first = client.post(f"/u/{token}/", {"via": "page"})
    candidate.refresh_from_db()
    unsubscribed_at = candidate.unsubscribed_at
    again = client.post(f"/u/{token}/", {})

    candidate.refresh_from_db()
    assert (first.status_code, again.status_code) == (200, 200)
    assert candidate.unsubscribed_at == unsubscribed_at
    assert list(Event.objects.values_list("summary", flat=True)) == [
        "Unsubscribed from non-essential emails (unsubscribe page)"
    ]
    assert "You're already unsubscribed" in client.get(f"/u/{token}/").content.decode()


def test_confirm_page_post_needs_a_csrf_token(interview):
    token = _token(interview, Link.Purpose.CONFIRM)

    response = Client(enforce_csrf_checks=True).post(f"/l/confirm/{token}/")

    interview.refresh_from_db()
    assert response.status_code == 403
    assert interview.status == interview.Status.SCHEDULED


# --- feedback ------------------------------------------------------------------------------------


# The feedback page (the three questions) is tested in tests/followups/test_feedback_pages.py.


# --- the local inbox ----------------------------------------------------------------------------------


def _inbox_message(n: int) -> InboxMessage:
    return InboxMessage.objects.create(
        message_id=f"<m{n}@test>",
        from_email="Rita Recruiter via Candidly <candidly@localhost>",
        to=[f"person{n}@mail.test"],
        subject=f"Message {n}",
        text_body="Hi,\r\nSee http://127.0.0.1:8000/u/x/\r\n",
        html_body="<html><head></head><body><p>Hi <a href='https://example.com'>there</a></p><script>alert(1)</script></body></html>",
        headers={"Subject": f"Message {n}", "Reply-To": "reply+abc@replies.localhost"},
        raw="",
    )


def test_inbox_needs_login(db):
    response = Client().get("/inbox/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inbox_refuses_a_recruiter_and_hides_its_menu_entry(recruiter_client):
    message = _inbox_message(1)

    answers = [recruiter_client.get(url).status_code for url in ("/inbox/", f"/inbox/{message.pk}/")]

    assert answers == [403, 403]
    assert 'href="/inbox/"' not in recruiter_client.get("/").content.decode()


def test_inbox_menu_entry_is_shown_to_an_admin(admin_client_):
    assert '<li><a href="/inbox/">Inbox</a></li>' in admin_client_.get("/").content.decode()


def test_inbox_lists_messages_newest_first(admin_client_):
    first, second = _inbox_message(1), _inbox_message(2)

    response = admin_client_.get("/inbox/")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [second, first]
    body = response.content.decode()
    assert body.index("Message 2") < body.index("Message 1")
    assert "person2@mail.test" in body


@pytest.mark.parametrize("rows", [1, 30])
def test_inbox_runs_a_constant_number_of_queries(admin_client_, django_assert_num_queries, rows):
    for n in range(rows):
        _inbox_message(n)

    # session, user, page of messages
    with django_assert_num_queries(3 + BANNER_QUERIES):
        response = admin_client_.get("/inbox/")

    assert len(response.context["page"].object_list) == rows


def test_inbox_message_page_shows_headers_text_and_sandboxed_html(admin_client_):
    message = _inbox_message(1)

    response = admin_client_.get(f"/inbox/{message.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert (
        f'<iframe class="email-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'title="HTML version of the email" src="/inbox/{message.pk}/html/"></iframe>'
    ) in body
    assert '<a href="http://127.0.0.1:8000/u/x/" rel="nofollow">http://127.0.0.1:8000/u/x/</a>' in body
    assert "<dt>Reply-To</dt><dd>reply+abc@replies.localhost</dd>" in body
    assert "<script>alert(1)</script>" not in body


def test_inbox_message_html_is_served_under_its_own_strict_csp(admin_client_):
    message = _inbox_message(1)

    response = admin_client_.get(f"/inbox/{message.pk}/html/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response.content.decode() == (
        "<html><head><base target=\"_blank\"></head><body><p>Hi <a href='https://example.com'>there</a></p>"
        "<script>alert(1)</script></body></html>"
    )


def test_inbox_message_html_needs_login(db):
    message = _inbox_message(1)

    response = Client().get(f"/inbox/{message.pk}/html/")

    assert response.status_code == 302
