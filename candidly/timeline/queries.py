"""Reads of the timeline for pages: one object's newest Events, people joined."""

from __future__ import annotations

from candidly.timeline.models import Event

TIMELINE_LIMIT = 100


def timeline(**about: object) -> list[Event]:
    """The newest ``TIMELINE_LIMIT`` + 1 Events about one object (``candidate=…``, ``company=…``,
    ``contact=…``), newest first, people joined. One query; the extra row tells the page there are more."""
    events = Event.objects.filter(**about).select_related("actor_user", "candidate", "contact")
    return list(events.order_by("-occurred_at", "-id")[: TIMELINE_LIMIT + 1])
