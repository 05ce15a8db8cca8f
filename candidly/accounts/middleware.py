from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class ViewerTimeZoneMiddleware:
    """Show every time in the logged-in viewer's own zone; the database stays in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# Public pages take a few form fields; nothing a person types there comes near this.
PUBLIC_MAX_BODY_BYTES = 64 * 1024


def body_limit(max_bytes: int) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Give a public view its own request-body cap (an inbound-email webhook carries whole messages)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


class PublicBodyLimitMiddleware:
    """Answer 413 before reading the body of an oversized request to a page anyone may open.

    Public views are the ``login_not_required`` ones (link pages, log-in, password reset, webhooks). Their
    cap is PUBLIC_MAX_BODY_BYTES unless the view sets its own (:func:`body_limit`). Checked in
    ``process_view``, before CSRF reads the form: Django's own DATA_UPLOAD_MAX_MEMORY_SIZE leaves file
    uploads out, so without this anyone could stream megabytes to disk through a feedback link.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "login_required", True) is not False:
            return None  # recruiters' pages: logged-in people, Django's limits
        limit = getattr(view_func, "max_body_bytes", PUBLIC_MAX_BODY_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length either
        if length <= limit:
            return None
        return render(request, "public/too_large.html", {"limit_kb": limit // 1024}, status=413)
