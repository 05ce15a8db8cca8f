"""The audit trail: who read a person's export, erased a person, created an API key or changed a setting.

It is a view over the timeline, not a second record: the Events whose kind is in ``AUDITED_KINDS``, newest
first, filtered by who and when (the ``(kind, occurred_at)`` index serves it).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from candidly.accounts.models import User
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

# Every kind the admin-only audit page lists. A new sensitive action adds its kind here (the API keys'
# creation joins at merge).
AUDITED_KINDS: frozenset[str] = frozenset(
    {
        EventKind.CANDIDATE_EXPORTED,
        EventKind.CANDIDATE_ERASED,
        EventKind.CONTACT_ERASED,
        EventKind.AGENCY_SETTINGS_CHANGED,
        EventKind.CADENCE_UPDATED,
        EventKind.WORDING_UPDATED,
        EventKind.WORDING_RESET,
        EventKind.USER_CREATED,
        EventKind.USER_ROLE_CHANGED,
    }
)


def audit_events(
    *, user: User | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Event]:
    """The audited Events, newest first, by ``user`` (None: anyone, Candidly's own included) in
    ``[since, until)``; the caller pages through it."""
    events = Event.objects.filter(kind__in=sorted(AUDITED_KINDS))
    if user is not None:
        events = events.filter(actor_user=user)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    return events.select_related("actor_user", "candidate", "contact").order_by("-occurred_at", "-id")
