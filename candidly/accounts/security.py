"""Who is knocking (the client address used to count failed log-ins and reset requests), and the mark
that keeps account-security mail out of every place a colleague could read it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# Set on every email that can take over an account (a password-reset link). The demo inbox
# (``messaging.backends.InboxBackend``) keeps only the envelope of such mail and never shows it.
ACCOUNT_SECURITY_HEADER = "X-Candidly-Account-Security"


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address for the lockout (django-axes calls this).

    Behind the HTTPS proxy of a production deployment every request comes from the proxy, so locking by
    ``REMOTE_ADDR`` would lock a username for everyone. There the right-most ``X-Forwarded-For`` entry is
    used: it is the one our proxy appended, while entries to its left are whatever the client claimed.
    Without a proxy the header is ignored, since any client could forge it to dodge the lockout.
    """
    if settings.CANDIDLY_BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
