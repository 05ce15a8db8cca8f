"""System checks of messaging's configuration (``manage.py check``; ``--deploy`` adds the deployment ones)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from candidly.messaging.views import INBOUND_WEBHOOKS

INBOX_BACKEND = "candidly.messaging.backends.InboxBackend"


@register(Tags.security, deploy=True)
def check_inbox_only_in_the_demo(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``EMAIL_URL=inbox://`` outside the demo (``settings.CANDIDLY_DEMO``) is an error: nothing would reach
    candidates and hiring managers, and the agency's mail would sit in a page inside the app."""
    if settings.EMAIL_BACKEND != INBOX_BACKEND or settings.CANDIDLY_DEMO:
        return []
    return [
        Error(
            "EMAIL_URL is inbox://, the demo's in-app inbox, outside the demo: no email leaves Candidly.",
            hint="Set EMAIL_URL=smtp://user:password@host:587?tls=1 (or EMAIL_HOST and friends). The inbox "
            "is for DEBUG or the embedded SQLite database only.",
            id="candidly.E001",
        )
    ]


@register("candidly")
def check_inbound_provider(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``CANDIDLY_INBOUND_PROVIDER`` names one of anymail's inbound webhooks."""
    if settings.CANDIDLY_INBOUND_PROVIDER in INBOUND_WEBHOOKS:
        return []
    return [
        Error(
            f"CANDIDLY_INBOUND_PROVIDER is {settings.CANDIDLY_INBOUND_PROVIDER!r}, not a provider with an "
            "inbound webhook.",
            hint=f"Choose one of: {', '.join(sorted(INBOUND_WEBHOOKS))}.",
            id="candidly.E002",
        )
    ]
