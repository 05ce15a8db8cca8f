"""The candidate's interview pages, opened from the links in their emails: *I'll be there* and *I can't make
it* (the 24-hour rule), and the calendar file. No account, no JavaScript; phone first.

GET only renders (mail scanners open every link in an email); POST acts, through one service. A token that
is unknown, tampered with, for another purpose, expired or revoked gets the friendly page without any data
(404 / 410). A valid link that already did its job -- used, or its interview cancelled, over or started --
says so instead (410), with no interview details but the recruiter's phone number: after the start, a call
is the only way left to reach the company in time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from candidly.accounts.models import AgencySettings
from candidly.hiring.models import Interview
from candidly.hiring.rules import CancellationReason
from candidly.hiring.services.interview_status import CancellationResult, ConfirmationResult
from candidly.messaging import services as link_services
from candidly.messaging.emails import calendar_reply_address
from candidly.messaging.invites import build_invite, invite_filename
from candidly.messaging.models import Link
from candidly.messaging.public import public_link, recruiter_context

InterviewLinkView = Callable[[HttpRequest, Link, datetime], HttpResponse]


class CantMakeItForm(forms.Form):
    """The candidate's answer on the *I can't make it* page."""

    reason_kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=[
            (CancellationReason.RESCHEDULE, "Find another time for this interview"),
            (CancellationReason.NOT_INTERESTED, "Stop here: I'm no longer interested in this role"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one of the two, so we know what to tell the company."},
    )
    note = forms.CharField(
        label="Anything you'd like us to know? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only your recruiter reads this; the company never sees it.",
    )


def _context(link: Link, **extra: Any) -> dict[str, Any]:
    """What the live pages show: the interview in the candidate's zone, and who to call."""
    interview = link.interview
    assert interview is not None
    submission = interview.submission
    return {
        "link": link,
        "interview": interview,
        "role": submission.role,
        "company": submission.role.company,
        "zone": link.candidate.time_zone if link.candidate else interview.time_zone,
        **recruiter_context(link),
        **extra,
    }


def _closed(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """A valid link whose interview moved on: what happened, without details, and the recruiter's phone."""
    interview = link.interview
    assert interview is not None
    if interview.status in Interview.CANCELLED_STATUSES:
        state = "cancelled"
    elif interview.is_upcoming and interview.starts_at <= now:
        state = "started" if now < interview.ends_at else "over"
    else:
        state = "over"
    context = {"state": state, "used": link.used_at is not None, **recruiter_context(link)}
    return render(request, "public/interview_closed.html", context, status=410)


@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.CONFIRM, when_done=_closed)
def interview_confirm(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """*I'll be there*: GET shows the interview and the button (and the calendar file); POST confirms."""
    if request.method == "POST":
        outcome = link_services.confirm_interview_from_link(link, now=now)
        if outcome.result in (ConfirmationResult.CONFIRMED, ConfirmationResult.ALREADY_CONFIRMED):
            context = _context(link, interview=outcome.interview, already=not outcome.confirmed)
            return render(request, "public/interview_confirmed.html", context)
        # Started or cancelled between opening the page and pressing the button.
        link.interview = outcome.interview
        return _closed(request, link, now)
    return render(request, "public/interview_confirm.html", _context(link))


@require_http_methods(["GET", "HEAD"])
@public_link(Link.Purpose.CONFIRM, when_done=_closed)
def interview_invite(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """The interview's calendar file (METHOD:REQUEST, the current version), for the confirm page's button."""
    interview = link.interview
    assert interview is not None
    # The same ORGANIZER as the emailed invites: the candidate's answer from their calendar comes back to us.
    body = build_invite(
        interview,
        method="REQUEST",
        organizer=interview.submission.responsible_recruiter,
        reply_to=calendar_reply_address(interview, now=now),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8; method=REQUEST")
    response["Content-Disposition"] = f'attachment; filename="{invite_filename(interview)}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.CANCEL, when_done=_closed)
def interview_cancel(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """*I can't make it*: GET asks "another time" or "no longer interested" (and a note); POST applies the
    24-hour rule and shows what happens next."""
    interview = link.interview
    assert interview is not None
    notice_hours = AgencySettings.load().cancellation_notice_hours
    form = CantMakeItForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = link_services.cancel_interview_from_link(
            link, reason_kind=form.cleaned_data["reason_kind"], note=form.cleaned_data["note"], now=now
        )
        if done is None or done.outcome.result not in (
            CancellationResult.CANCELLED_WITH_NOTICE,
            CancellationResult.LATE_CANCELLATION,
        ):
            # Used by a concurrent request, started meanwhile, or cancelled by the recruiter: say where it is.
            interview.refresh_from_db(fields=["status", "starts_at", "ends_at"])
            link.refresh_from_db(fields=["used_at"])
            return _closed(request, link, now)
        outcome = done.outcome
        context = _context(
            link,
            interview=outcome.interview,
            late=outcome.late,
            reschedule=form.cleaned_data["reason_kind"] == CancellationReason.RESCHEDULE,
            withdraw_url=done.withdraw_url,
        )
        return render(request, "public/interview_cancelled.html", context)
    late = interview.starts_at - now < timedelta(hours=notice_hours)
    status = 400 if request.method == "POST" else 200
    context = _context(link, form=form, late=late, notice_hours=notice_hours)
    return render(request, "public/interview_cancel.html", context, status=status)
