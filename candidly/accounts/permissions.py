"""Who may open a page. Login itself is LoginRequiredMiddleware's; this adds the admin-only pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from candidly.accounts.models import User


def require_admin(
    request: HttpRequest, *, why: str = "Only an admin can change the agency's settings."
) -> User:
    """The admin making ``request``, for the settings pages and the demo inbox; raises ``PermissionDenied``
    (403, saying ``why``) for anyone else, recruiters included (anonymous visitors never get here: the
    middleware sends them to log in)."""
    user = request.user
    if not isinstance(user, User) or not user.is_admin:
        raise PermissionDenied(why)
    return user
