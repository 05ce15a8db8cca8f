"""The "Messages are not going out" banner every recruiter page shows when the workers stop or fall behind.

``templates/base.html`` reads ``delivery_banner`` only for a logged-in viewer, and only then are its two
indexed queries run (the value is lazy): public pages, the log-in page and htmx partials pay nothing.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import SimpleLazyObject
from django.utils.timesince import timesince

from candidly.followups.health import delivery_health


def banner_text() -> str:
    """The banner's sentence, or "" when messages are going out. Times are in the active (viewer's) zone.

    "Messages are not going out: no worker is running since 10:42" (a day and a time when it was not
    today), "…: the oldest message is 12 minutes late", or both joined by a semicolon.
    """
    now = timezone.now()
    health = delivery_health(now=now)
    reasons = []
    if health.workers_stopped:
        last = health.last_heartbeat_at
        if last is None:
            reasons.append("no worker is running")
        else:
            local = timezone.localtime(last)
            shape = "H:i" if local.date() == timezone.localdate(now) else "j M H:i"
            reasons.append(f"no worker is running since {format_date(local, shape)}")
    if health.messages_late and health.oldest_due_at is not None:
        late = timesince(health.oldest_due_at, now, depth=1).replace("\xa0", " ")
        reasons.append(f"the oldest message is {late} late")
    return f"Messages are not going out: {'; '.join(reasons)}" if reasons else ""


def delivery_banner(request: HttpRequest) -> dict[str, object]:
    # Lazy: computed when the page's template first asks, at most once per request.
    return {"delivery_banner": SimpleLazyObject(banner_text)}
