"""Signed links for people without accounts: candidates and hiring managers.

A token is 128 random bits written in lowercase base32 (26 characters), so it survives mail systems
that fold the case of an address (the same tokens route replies: ``reply+<token>@…``). We store only
HMAC-SHA256(SECRET_KEY, purpose:token): the purpose acts as a salt, a token is bound to one person and
one object, it expires, can be revoked, and dies once its object has moved on (an interview that already
started cannot be confirmed). Resolution failures are split by the status the page must answer with:
unknown or tampered → 404, expired / revoked / used / moved on → 410.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.sql import InsertQuery
from django.template.defaultfilters import pluralize
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from candidly.accounts.models import User
from candidly.hiring.models import Interview, Submission
from candidly.messaging.models import BadLinkAttempt, Link
from candidly.people.models import Candidate, Contact
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

TOKEN_RE = re.compile(r"^[a-z2-7]{26}$")

# Unsubscribing and replying must keep working long after the email was read.
PURPOSE_MAX_AGE_DAYS: dict[str, int] = {Link.Purpose.UNSUBSCRIBE: 365, Link.Purpose.REPLY: 365}

# Purposes whose action happens once; a second use of the same link is "gone".
SINGLE_USE = {Link.Purpose.CANCEL, Link.Purpose.WITHDRAW, Link.Purpose.FEEDBACK}

URL_NAMES: dict[str, str] = {
    Link.Purpose.UNSUBSCRIBE: "messaging:unsubscribe",
    Link.Purpose.CONFIRM: "messaging:confirm",
    Link.Purpose.CANCEL: "messaging:cancel",
    Link.Purpose.WITHDRAW: "messaging:withdraw",
    Link.Purpose.FEEDBACK: "messaging:feedback",
}

BAD_TOKEN_LIMIT = 20
BAD_TOKEN_WINDOW = timedelta(hours=1)

# Expired links are kept this long (their page says "expired"), then pruned in batches by the worker.
PRUNE_AFTER = timedelta(days=30)
PRUNE_BATCH = 1000


class LinkError(Exception):
    """A token that cannot be used; ``status`` is the HTTP status its page answers with."""

    status = 404


class UnknownLink(LinkError):
    """Never issued, tampered with, or issued for another purpose."""


class LinkGone(LinkError):
    status = 410


class ExpiredLink(LinkGone):
    pass


class RevokedLink(LinkGone):
    pass


class UsedLink(LinkGone):
    pass


class StaleLink(LinkGone):
    """The object moved on: the interview started or was cancelled, the process ended."""


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def hash_token(token: str, purpose: str, *, key: str | None = None) -> str:
    keyed = _keyed_hmac(key if key is not None else settings.SECRET_KEY).copy()
    keyed.update(f"{purpose}:{token}".encode())
    return keyed.hexdigest()


@functools.lru_cache(maxsize=8)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 with ``secret`` keyed and nothing fed yet: copying it skips hashing the key again for
    every token (the same digest as ``hmac.new(secret, message, sha256)``)."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _candidate_hashes(token: str, purpose: str) -> list[str]:
    # Accept hashes made with a retired key too, so rotating SECRET_KEY does not kill every link at once.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hash_token(token, purpose, key=key) for key in keys]


def issue_link(
    purpose: str,
    *,
    candidate: Any = None,
    contact: Any = None,
    interview: Interview | None = None,
    submission: Submission | None = None,
    touchpoint: Any = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> str:
    """Create a link for exactly one person and return its token (shown once, never stored in clear).

    An interview implies its submission. Raises ``ValueError`` unless exactly one of candidate/contact is
    given or when the purpose needs an object that is missing. Inside :func:`collect_links` the row is
    kept back for the collector's owner to save (:func:`save_links`) instead of inserted at once.
    """
    if (candidate is None) == (contact is None):
        raise ValueError("A link belongs to exactly one person: a candidate or a contact.")
    if interview is not None and submission is None:
        submission = interview.submission
    if purpose in (Link.Purpose.CONFIRM, Link.Purpose.CANCEL, Link.Purpose.FEEDBACK) and interview is None:
        raise ValueError(f"A {purpose} link needs an interview.")
    if purpose == Link.Purpose.WITHDRAW and submission is None:
        raise ValueError("A withdraw link needs a submission.")
    now = now or timezone.now()
    if max_age is None:
        days = PURPOSE_MAX_AGE_DAYS.get(purpose, settings.CANDIDLY_LINK_MAX_AGE_DAYS)
        max_age = timedelta(days=days)
    token = new_token()
    link = Link(
        token_hash=hash_token(token, purpose),
        purpose=purpose,
        candidate=candidate,
        contact=contact,
        interview=interview,
        submission=submission,
        touchpoint=touchpoint,
        created_at=now,
        expires_at=now + max_age,
    )
    pending = _pending.get()
    if pending is None:
        link.save(force_insert=True)
    else:
        pending.append(link)
    return token


# Links issued inside ``collect_links()``, not saved yet (None: save each at once).
_pending: ContextVar[list[Link] | None] = ContextVar("candidly_pending_links", default=None)


@contextlib.contextmanager
def collect_links() -> Iterator[list[Link]]:
    """Keep the links issued inside the block back, in the list it yields, for :func:`save_links`.

    The worker writes a message's four or so links in the same transaction as its hand-off marker (one
    durable commit per message instead of five); a message that never reaches its hand-off leaves no rows.
    """
    token = _pending.set([])
    try:
        pending = _pending.get()
        assert pending is not None
        yield pending
    finally:
        _pending.reset(token)


def save_links(links: Sequence[Link]) -> None:
    """Insert links kept back by :func:`collect_links` in one statement, and on PostgreSQL in one round trip
    committed without waiting for the disk: the worker commits the message's hand-off marker synchronously
    right after, and that flush carries these rows too (the log is written in order), so they are on disk
    before the send. A crash before the marker loses links of a message that never went out."""
    if not links:
        return
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        Link.objects.bulk_create(links)
        return
    fields = [field for field in Link._meta.concrete_fields if not field.primary_key]
    query = InsertQuery(Link)
    query.insert_values(fields, list(links))
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        # Two statements in one message run as one implicit transaction: SET LOCAL applies to it alone.
        cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {sql}", params)


def prune_expired_links(*, now: datetime, batch_size: int | None = None) -> int:
    """Delete one bounded batch of links that expired more than :data:`PRUNE_AFTER` ago; return how many.

    Every email leaves a handful of rows behind, most never used: without this the table grows by the
    million. A pruned token's page says "not found" instead of "expired" -- a year (or a month) late, so
    nobody is misled. Bounded, so a worker's pass stays short; the next pass takes the next batch.
    """
    expired = Link.objects.filter(expires_at__lt=now - PRUNE_AFTER).order_by("expires_at")
    ids = list(expired.values_list("pk", flat=True)[: batch_size or PRUNE_BATCH])
    if not ids:
        return 0
    _, per_model = Link.objects.filter(pk__in=ids).delete()
    return per_model.get(Link._meta.label, 0)


def derived_token(parent: Link, purpose: str) -> str:
    """The token of the ``purpose`` link that ``parent``'s page hands out: always the same for one parent,
    unguessable without ``SECRET_KEY`` (an HMAC of the parent's row), and unrelated to any other token."""
    digest = salted_hmac("candidly.links.derived", f"{purpose}:{parent.pk}:{parent.token_hash}").digest()
    return base64.b32encode(digest[:16]).decode("ascii").rstrip("=").lower()


def issue_derived_link(
    parent: Link, purpose: str, *, submission: Submission, now: datetime | None = None
) -> str:
    """The token of the one ``purpose`` link ``parent``'s page offers (the feedback page's "I'm out" leads to
    a withdraw link), created the first time only: asking again, or two requests racing, reuse its row
    instead of minting one per POST. The link is the parent's person's, for ``submission``; its state
    (used, expired, revoked) is its own, and its page says so.
    """
    token = derived_token(parent, purpose)
    if find_link(token, purpose=purpose) is None:
        now = now or timezone.now()
        days = PURPOSE_MAX_AGE_DAYS.get(purpose, settings.CANDIDLY_LINK_MAX_AGE_DAYS)
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Link.objects.create(
                token_hash=hash_token(token, purpose),
                purpose=purpose,
                candidate=parent.candidate,
                contact=parent.contact,
                submission=submission,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
    return token


def issue_calendar_reply_link(interview: Interview, *, now: datetime | None = None) -> str:
    """The token of the reply address every calendar invite of ``interview`` names as its ORGANIZER: one
    per interview and candidate for the invite's whole life (calendars key an event by UID and organizer,
    and an organizer that changed between versions can split it in two), unguessable without
    ``SECRET_KEY``, created the first time only. Calendar apps send the candidate's accept / decline there
    (``messaging.calendar_replies``)."""
    candidate = interview.submission.candidate
    digest = salted_hmac("candidly.links.calendar-reply", f"{interview.pk}:{candidate.pk}").digest()
    token = base64.b32encode(digest[:16]).decode("ascii").rstrip("=").lower()
    if find_link(token, purpose=Link.Purpose.REPLY) is None:
        now = now or timezone.now()
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Link.objects.create(
                token_hash=hash_token(token, Link.Purpose.REPLY),
                purpose=Link.Purpose.REPLY,
                candidate=candidate,
                interview=interview,
                submission=interview.submission,
                created_at=now,
                expires_at=now + timedelta(days=PURPOSE_MAX_AGE_DAYS[Link.Purpose.REPLY]),
            )
    return token


# Shorter paths to the same pages, for SMS where every character counts.
SHORT_URL_NAMES: dict[str, str] = {Link.Purpose.WITHDRAW: "messaging:withdraw-short"}


# A token as the URL patterns take it, reversed once per pattern and replaced by each real token: a token is
# 26 characters of [a-z2-7] in every pattern (``TOKEN_RE``), so the URL is the same but for those characters.
_SAMPLE_TOKEN = "a" * 26


@functools.lru_cache(maxsize=64)
def _url_around_token(name: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    """The path of URL pattern ``name`` before and after its token (for one script prefix and URLconf)."""
    path = reverse(name, urlconf=urlconf, args=[_SAMPLE_TOKEN])
    if path.count(_SAMPLE_TOKEN) != 1:
        raise ValueError(f"{name}'s path {path!r} does not hold its token exactly once")
    before, after = path.split(_SAMPLE_TOKEN)
    return before, after


def link_url(purpose: str, token: str, *, short: bool = False) -> str:
    """The absolute URL of a link's public page (emails need absolute URLs); ``short`` for an SMS.

    What ``reverse(name, args=[token])`` gives, without resolving the pattern for every link of every email:
    the pattern is reversed once (per script prefix and URLconf) and the token put in its place."""
    name = SHORT_URL_NAMES.get(purpose, URL_NAMES[purpose]) if short else URL_NAMES[purpose]
    if not TOKEN_RE.fullmatch(token):
        return f"{settings.CANDIDLY_BASE_URL}{reverse(name, args=[token])}"
    before, after = _url_around_token(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{settings.CANDIDLY_BASE_URL}{before}{token}{after}"


def resolve_link(token: str, *, purpose: str, now: datetime | None = None) -> Link:
    """Return the live Link for ``token`` under ``purpose`` with its person and objects loaded.

    Raises ``UnknownLink`` (404) for a malformed, tampered or wrong-purpose token; ``ExpiredLink``,
    ``RevokedLink``, ``UsedLink`` or ``StaleLink`` (410) for one that worked once. Never writes.
    """
    now = now or timezone.now()
    return check_link(find_link(token, purpose=purpose), purpose=purpose, now=now)


def check_link(link: Link | None, *, purpose: str, now: datetime) -> Link:
    """``link`` (as :func:`find_link` found it) if it may be used now, else what ``resolve_link`` raises."""
    if link is None:
        raise UnknownLink("No such link.")
    if link.revoked_at is not None:
        raise RevokedLink("The link was revoked.")
    if link.expires_at <= now:
        raise ExpiredLink("The link expired.")
    if link.used_at is not None and purpose in SINGLE_USE:
        raise UsedLink("The link was already used.")
    if _moved_on(link, now):
        raise StaleLink("The link's object has moved on.")
    return link


def find_link(
    token: str, *, purpose: str, bad_tokens_from: tuple[str, datetime] | None = None
) -> Link | None:
    """The Link ``token`` names under ``purpose``, whatever its state, with its person and objects loaded;
    ``None`` for a malformed, tampered or wrong-purpose token. Never writes.

    ``resolve_link`` adds the checks. A page may use this after ``UsedLink`` or ``StaleLink`` to tell the
    person what became of the thing the link was about (a valid link for them, that did its job).
    With ``bad_tokens_from=(ip, now)`` the same query also counts that address's recent unknown tokens
    (``link.recent_bad_tokens``), so a public page checks its rate limit without a query of its own.
    """
    token = token.strip().lower()
    if not TOKEN_RE.fullmatch(token):
        return None
    links = Link.objects.all()
    if bad_tokens_from is not None:
        ip, now = bad_tokens_from
        links = links.annotate(recent_bad_tokens=_recent_bad_tokens(ip, now=now))
    # An interview's link carries the interview's submission too (issue_link), so the submission, its role,
    # company and recruiter are joined once, through the link, and handed to the interview below: joining
    # them a second time through the interview made this every public page's dearest query (14 tables:
    # ~5 ms of ORM CPU and as much PostgreSQL planning per request).
    link = (
        links.select_related(
            "candidate__recruiter",
            "contact__company",
            "interview",
            "submission__role__company",
            "submission__recruiter",
        )
        .filter(token_hash__in=_candidate_hashes(token, purpose), purpose=purpose)
        .first()
    )
    if link is None or link.interview is None or link.submission is None:
        return link
    if link.interview.submission_id == link.submission_id:
        link.interview.submission = link.submission
    return link


def _moved_on(link: Link, now: datetime) -> bool:
    interview, submission = link.interview, link.submission
    if link.purpose in (Link.Purpose.CONFIRM, Link.Purpose.CANCEL):
        assert interview is not None
        return not interview.is_upcoming or interview.starts_at <= now
    if link.purpose == Link.Purpose.WITHDRAW:
        assert submission is not None
        return not submission.is_open
    if link.purpose == Link.Purpose.FEEDBACK:
        assert interview is not None
        # Nothing to give feedback on when the interview never took place as planned.
        return interview.status in Interview.CANCELLED_STATUSES
    return False


def mark_link_used(link: Link, *, now: datetime) -> bool:
    """Mark a link used; False when another request used it first (a conditional one-row update)."""
    updated = Link.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    link.used_at = now
    return updated == 1


def revoke_links(
    *,
    purpose: str | None = None,
    candidate: Any = None,
    contact: Any = None,
    interview: Interview | None = None,
    submission: Submission | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke every live link matching all the given filters; returns how many. Needs at least one filter."""
    filters = Q()
    for field, value in (
        ("purpose", purpose),
        ("candidate", candidate),
        ("contact", contact),
        ("interview", interview),
        ("submission", submission),
    ):
        if value is not None:
            filters &= Q(**{field: value})
    if not filters:
        raise ValueError("Refusing to revoke every link: give at least one filter.")
    return Link.objects.filter(filters, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


# Unsubscribing must keep working from every email a person already has (List-Unsubscribe, and the law);
# a leaked unsubscribe link can only stop that same person's non-essential email.
KEPT_WHEN_REVOKING_A_PERSON = frozenset({Link.Purpose.UNSUBSCRIBE})


@transaction.atomic
def revoke_person_links(person: Candidate | Contact, *, actor: User, now: datetime | None = None) -> int:
    """Revoke every link ``person`` still holds (unsubscribe links excepted); returns how many.

    For a link sent to the wrong address or forwarded: each page then answers "gone" (410), and a reply to a
    revoked reply address is no longer routed by its token. Appends one ``links.revoked`` Event with the
    count per purpose when anything was revoked; revoking nothing writes nothing.
    """
    now = now or timezone.now()
    candidate = person if isinstance(person, Candidate) else None
    contact = person if isinstance(person, Contact) else None
    # One conditional UPDATE per purpose: revoke_links matches one purpose at a time.
    revoked = {
        purpose: count
        for purpose in Link.Purpose.values
        if purpose not in KEPT_WHEN_REVOKING_A_PERSON
        and (count := revoke_links(purpose=purpose, candidate=candidate, contact=contact, now=now))
    }
    total = sum(revoked.values())
    if total:
        record_event(
            kind=EventKind.LINKS_REVOKED,
            summary=f"{total} link{pluralize(total)} to {person.name} revoked",
            actor=actor,
            candidate=candidate,
            contact=contact,
            data={"count": total, "purposes": revoked},
        )
    return total


def is_rate_limited(ip: str, *, now: datetime, link: Link | None = None) -> bool:
    """True once ``ip`` sent BAD_TOKEN_LIMIT unknown tokens within the last hour. A ``link`` found with
    ``find_link(bad_tokens_from=(ip, now))`` carries the count already (no query)."""
    counted = getattr(link, "recent_bad_tokens", None)
    if counted is not None:
        return int(counted) >= BAD_TOKEN_LIMIT
    return _bad_attempts(ip, now=now).count() >= BAD_TOKEN_LIMIT


def _bad_attempts(ip: str, *, now: datetime) -> QuerySet[BadLinkAttempt]:
    return BadLinkAttempt.objects.filter(ip=ip, attempted_at__gt=now - BAD_TOKEN_WINDOW)


def _recent_bad_tokens(ip: str, *, now: datetime) -> Coalesce:
    counted = _bad_attempts(ip, now=now).values("ip").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def record_bad_token(ip: str, *, now: datetime) -> None:
    """Count one unknown token against ``ip`` and forget attempts older than the window."""
    BadLinkAttempt.objects.filter(attempted_at__lte=now - BAD_TOKEN_WINDOW).delete()
    BadLinkAttempt.objects.create(ip=ip, attempted_at=now)
