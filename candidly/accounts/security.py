"""Who is knocking (the client address used to count failed log-ins and reset requests), the lockout that
also counts one address's failures over every username, and the mark that keeps account-security mail out
of every place a colleague could read it."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
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


class ClientLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler that also stops one client spraying passwords over many usernames.

    Axes counts failures per username and address (``AXES_FAILURE_LIMIT``, a person mistyping). This adds
    every username's failures from one address within the cool-off: at ``CANDIDLY_LOGIN_CLIENT_FAILURE_LIMIT``
    that address is locked out for every username, for the same cool-off. A successful log-in still clears
    only its own username's failures, so an attacker's own account cannot reset the address's count.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = super().get_failures(request, credentials)
        from_client = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if from_client >= settings.CANDIDLY_LOGIN_CLIENT_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
