"""Signed links through their public pages: a bad, expired, revoked or stale link reveals nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from candidly.hiring.models import Interview
from candidly.messaging.links import (
    ExpiredLink,
    RevokedLink,
    UnknownLink,
    hash_token,
    issue_link,
    resolve_link,
    revoke_links,
    revoke_person_links,
)
from candidly.messaging.models import BadLinkAttempt, Link
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event


def _confirm_token(interview: Interview, **options) -> str:
    return issue_link(
        Link.Purpose.CONFIRM, candidate=interview.submission.candidate, interview=interview, **options
    )


def _assert_friendly_page_without_data(response, status: int) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert [t.name for t in response.templates][:2] == ["public/link_invalid.html", "public_base.html"]
    for private in ("Cara", "Acme Robotics", "Backend Engineer", "Rita", "+44"):
        assert private not in body
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_link_token_is_128_bits_and_stored_only_as_keyed_hash(interview):
    token = _confirm_token(interview)

    [link] = Link.objects.all()
    assert len(token) == 26 and set(token) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert link.token_hash == hash_token(token, Link.Purpose.CONFIRM) != token
    assert token not in link.token_hash


def test_valid_confirm_link_get_renders_and_changes_nothing(interview):
    token = _confirm_token(interview)

    response = Client().get(f"/l/confirm/{token}/")

    interview.refresh_from_db()
    assert response.status_code == 200
    assert "Will you be there?" in response.content.decode()
    assert "Backend Engineer at Acme Robotics" in response.content.decode()
    assert interview.status == Interview.Status.SCHEDULED
    assert list(Event.objects.all()) == []


def test_confirm_link_post_confirms_the_interview_with_an_event(interview):
    token = _confirm_token(interview)
    client = Client()
    client.get(f"/l/confirm/{token}/")

    response = client.post(f"/l/confirm/{token}/")

    interview.refresh_from_db()
    assert response.status_code == 200
    assert interview.status == Interview.Status.CONFIRMED
    assert [(e.kind, e.actor_type, e.candidate, e.interview) for e in Event.objects.all()] == [
        ("interview.confirmed", Event.Actor.CANDIDATE, interview.submission.candidate, interview)
    ]


def test_tampered_link_gets_friendly_404(interview):
    token = _confirm_token(interview)
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")

    response = Client().get(f"/l/confirm/{tampered}/")

    _assert_friendly_page_without_data(response, 404)
    assert "This link doesn't work" in response.content.decode()


def test_malformed_link_gets_friendly_404(db):
    response = Client().get("/l/confirm/not-a-token/")

    _assert_friendly_page_without_data(response, 404)


def test_expired_link_gets_friendly_410(interview, settings):
    settings.CANDIDLY_LINK_MAX_AGE_DAYS = 30
    interview.starts_at += timedelta(days=60)
    interview.ends_at += timedelta(days=60)
    interview.save()
    token = _confirm_token(interview)

    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        response = Client().get(f"/l/confirm/{token}/")

    _assert_friendly_page_without_data(response, 410)
    assert "This link has done its job" in response.content.decode()


def test_link_still_works_just_before_it_expires(interview):
    interview.starts_at += timedelta(days=60)
    interview.ends_at += timedelta(days=60)
    interview.save()
    token = _confirm_token(interview)

    with time_machine.travel(timezone.now() + timedelta(days=29, hours=23)):
        response = Client().get(f"/l/confirm/{token}/")

    assert response.status_code == 200


def test_link_for_another_purpose_gets_friendly_404(interview):
    token = _confirm_token(interview)

    response = Client().get(f"/l/cancel/{token}/")

    _assert_friendly_page_without_data(response, 404)
    with pytest.raises(UnknownLink):
        resolve_link(token, purpose=Link.Purpose.WITHDRAW)


def test_revoked_link_gets_friendly_410(interview):
    token = _confirm_token(interview)

    revoked = revoke_links(interview=interview)
    response = Client().get(f"/l/confirm/{token}/")

    assert revoked == 1
    _assert_friendly_page_without_data(response, 410)


def test_revoke_person_links_revokes_all_but_unsubscribe_and_counts_each_purpose(interview, admin_user):
    cara = interview.submission.candidate
    earlier = timezone.now() - timedelta(days=1)
    reply = issue_link(Link.Purpose.REPLY, candidate=cara, submission=interview.submission)
    unsubscribe = issue_link(Link.Purpose.UNSUBSCRIBE, candidate=cara)
    already = _confirm_token(interview)
    revoke_links(candidate=cara, purpose=Link.Purpose.CONFIRM, now=earlier)
    confirm = _confirm_token(interview)

    revoked = revoke_person_links(cara, actor=admin_user)

    assert revoked == 2
    for token, purpose in ((reply, Link.Purpose.REPLY), (confirm, Link.Purpose.CONFIRM)):
        with pytest.raises(RevokedLink):
            resolve_link(token, purpose=purpose)
    assert resolve_link(unsubscribe, purpose=Link.Purpose.UNSUBSCRIBE).candidate == cara
    # A link revoked earlier keeps its own revocation time.
    assert Link.objects.get(token_hash=hash_token(already, Link.Purpose.CONFIRM)).revoked_at == earlier
    assert list(Event.objects.filter(kind=EventKind.LINKS_REVOKED).values_list("summary", "data")) == [
        (f"2 links to {cara.name} revoked", {"count": 2, "purposes": {"confirm": 1, "reply": 1}})
    ]


def test_revoke_person_links_twice_revokes_and_records_once(interview, admin_user):
    _confirm_token(interview)

    first = revoke_person_links(interview.submission.candidate, actor=admin_user)
    second = revoke_person_links(interview.submission.candidate, actor=admin_user)

    assert (first, second) == (1, 0)
    assert Event.objects.filter(kind=EventKind.LINKS_REVOKED).count() == 1


def _assert_closed_page_without_interview_data(response, *, private: tuple[str, ...]) -> None:
    # A valid link that did its job says what happened (hiring/public_views.py), still without the
    # interview's details.
    body = response.content.decode()
    assert response.status_code == 410
    assert [t.name for t in response.templates][:2] == ["public/interview_closed.html", "public_base.html"]
    for word in private:
        assert word not in body
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_link_dies_when_its_interview_moves_on(interview):
    token = _confirm_token(interview)
    interview.status = Interview.Status.CANCELLED_WITH_NOTICE
    interview.save(update_fields=["status"])

    response = Client().get(f"/l/confirm/{token}/")

    _assert_closed_page_without_interview_data(
        response, private=("Cara", "Acme Robotics", "Backend Engineer", "Rita", "+44")
    )


def test_confirm_link_dies_once_the_interview_started(interview):
    token = _confirm_token(interview)

    with time_machine.travel(interview.starts_at + timedelta(minutes=1)):
        response = Client().get(f"/l/confirm/{token}/")

    # Only the recruiter's phone is offered: after the start, a call is the way to reach the company.
    _assert_closed_page_without_interview_data(
        response, private=("Cara", "Acme Robotics", "Backend Engineer")
    )
    assert 'href="tel:+442079460958"' in response.content.decode()


def test_expiry_boundary_with_a_custom_max_age(interview):
    now = timezone.now()
    token = _confirm_token(interview, now=now, max_age=timedelta(hours=1))

    assert (
        resolve_link(token, purpose=Link.Purpose.CONFIRM, now=now + timedelta(minutes=59)).interview
        == interview
    )
    with pytest.raises(ExpiredLink):
        resolve_link(token, purpose=Link.Purpose.CONFIRM, now=now + timedelta(hours=1))


def test_twenty_bad_tokens_from_one_ip_then_429_even_for_a_valid_link(interview):
    token = _confirm_token(interview)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    bad = [attacker.get(f"/l/confirm/{'a' * 25}{c}/").status_code for c in "abcdefghijklmnopqrst"]

    blocked = attacker.get(f"/l/confirm/{token}/")
    someone_else = Client(REMOTE_ADDR="198.51.100.7").get(f"/l/confirm/{token}/")

    assert bad == [404] * 20
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "3600"
    assert "Too many attempts" in blocked.content.decode()
    assert "Acme Robotics" not in blocked.content.decode()
    assert someone_else.status_code == 200


def test_rate_limit_forgets_bad_tokens_after_an_hour(interview):
    token = _confirm_token(interview)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for c in "abcdefghijklmnopqrst":
        attacker.get(f"/l/confirm/{'a' * 25}{c}/")

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        response = attacker.get(f"/l/confirm/{token}/")

    assert response.status_code == 200
    assert BadLinkAttempt.objects.count() == 20
