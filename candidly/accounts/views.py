"""Log-in, log-out and password reset (Django's views with Candidly's templates and safeguards), and the
admin's agency settings page."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts import api_keys
from candidly.accounts.forms import AgencySettingsForm, ApiKeyForm, LoginForm, PasswordResetForm
from candidly.accounts.models import AgencySettings, ApiKey
from candidly.accounts.permissions import require_admin
from candidly.accounts.security import client_ip
from candidly.accounts.services import allow_password_reset, update_agency_settings
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes shows after too many failed log-ins (AXES_LOCKOUT_CALLABLE): 429 and when to retry."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    # A logged-in recruiter who bookmarks the login page lands on today's work instead.
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Email a one-time link; the page says the same whether or not the address has an account, and
    whether or not the request was over the limit (``allow_password_reset``: then nothing is sent)."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    subject_template_name = "emails/password-reset-subject.txt"
    email_template_name = "emails/password-reset-body.txt"
    html_email_template_name = "emails/password-reset-body.html"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form: Any) -> HttpResponse:
        # Links are built from CANDIDLY_BASE_URL, never from the request's Host header (which an attacker
        # could choose) nor its scheme (plain http behind the TLS-terminating proxy).
        base = urlsplit(settings.CANDIDLY_BASE_URL)
        self.extra_email_context = {"origin": f"{base.scheme}://{base.netloc}"}
        ip = client_ip(self.request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address
        if not allow_password_reset(email=form.cleaned_data["email"], ip=ip, now=timezone.now()):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            record_event(
                kind=EventKind.USER_PASSWORD_RESET,
                summary=f"{user} chose a new password from a reset link",
                actor=user,
                data={"user_id": user.pk},
            )
            # The lockout page offers a reset as the way back in, so a completed reset lifts the lockout.
            reset_lockout(username=user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def agency_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the agency's policy; POST saves what changed (admins only, like the cadences page)."""
    actor = require_admin(request)
    row = AgencySettings.load()
    form = AgencySettingsForm(
        request.POST if request.method == "POST" else None, initial=AgencySettingsForm.initial_for(row)
    )
    if form.is_bound and form.is_valid():
        try:
            changed = update_agency_settings(changes=form.changes(), actor=actor)
        except ValidationError as exc:
            # The service owns the rules; its field-keyed errors land next to the inputs.
            form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved." if changed else "Nothing changed.")
            return redirect("accounts:agency-settings")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/agency_settings.html", {"form": form, "agency": row}, status=status)


# --- API keys (admins only) ---------------------------------------------------------------------------------

API_KEYS_SHOWN = 100


def api_key_list(request: HttpRequest) -> HttpResponse:
    """GET lists the keys (newest first); POST makes one and shows it once, on this response only."""
    actor = require_admin(request, why="Only an admin can manage API keys.")
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    new_key = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            _, new_key = api_keys.create_api_key(
                user=data["username"],
                name=data["name"],
                scopes=data["scopes"].split(","),
                actor=actor,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiKeyForm()
    keys = list(ApiKey.objects.select_related("user")[: API_KEYS_SHOWN + 1])
    context = {
        "form": form,
        "keys": keys[:API_KEYS_SHOWN],
        "more": len(keys) > API_KEYS_SHOWN,
        "new_key": new_key,
    }
    status = 400 if form.is_bound and form.errors else 200
    response = render(request, "accounts/api_keys.html", context, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = require_admin(request, why="Only an admin can manage API keys.")
    key = get_object_or_404(ApiKey, pk=pk)
    if api_keys.revoke_api_key(key, actor=actor, now=timezone.now()):
        messages.success(request, f"Revoked “{key.name}”: it stops working now.")
    else:
        messages.info(request, "That key was already revoked.")
    return redirect("accounts:api-keys")
