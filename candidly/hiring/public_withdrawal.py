"""The public "I'm no longer interested" page behind every candidate email's withdraw link (no account).

GET only renders (mail scanners and link previews open every URL in an email); POST withdraws through
``withdrawal.withdraw_through_link``. Everything on the form is optional: the click alone is enough.
The feedback form's "No" answer links here too (``withdraw_url(..., source="feedback")``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from candidly.hiring.endings.withdraw import (
    WITHDRAWAL_REASONS,
    Via,
    Wants,
    parse_wants,
    withdraw_through_link,
)
from candidly.hiring.models import Submission
from candidly.messaging.links import issue_derived_link, issue_link, link_url
from candidly.messaging.models import Link
from candidly.messaging.public import page_context, public_link
from candidly.people.models import MAX_COMPENSATION, Candidate

# The candidate's wording of each reason (first person, plain), in the page's order.
REASON_CHOICES = [
    (Submission.EndReason.ROLE_DIFFERENT, "The role is different from the description"),
    (Submission.EndReason.TEAM_CULTURE, "The team or the culture"),
    (Submission.EndReason.COMPENSATION, "The compensation"),
    (Submission.EndReason.LOCATION, "The location, or remote work"),
    (Submission.EndReason.OTHER_OFFER, "I accepted another offer"),
    (Submission.EndReason.PROCESS_SLOW, "The process is too slow"),
    (Submission.EndReason.PERSONAL, "Personal reasons"),
    (Submission.EndReason.OTHER, "Something else"),
]
assert [value for value, _ in REASON_CHOICES] == list(WITHDRAWAL_REASONS)

OPEN_CHOICES = [("yes", "Yes, tell me about roles that might suit me"), ("no", "Not right now")]


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label="What changed?", choices=REASON_CHOICES, required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Anything you'd like to tell us?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only your recruiter reads this. We never pass your words on to the company.",
    )
    share_reason = forms.BooleanField(label="You may tell the company my reason (politely)", required=False)
    open_to_other_roles = forms.ChoiceField(
        label="Open to other roles?", choices=OPEN_CHOICES, required=False, widget=forms.RadioSelect
    )
    wants_remote = forms.BooleanField(label="Remote work", required=False)
    wants_min_compensation = forms.IntegerField(
        label="A higher minimum salary (a year)",
        required=False,
        min_value=0,
        max_value=MAX_COMPENSATION,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    wants_tags = forms.CharField(
        label="Other kinds of roles",
        required=False,
        max_length=300,
        help_text="A few words, separated by commas: for example data, python, product.",
    )

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wants_min_compensation"].label = f"A higher minimum salary ({currency} a year)"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["wants"] = parse_wants(
                remote=bool(cleaned.get("wants_remote")),
                min_compensation=cleaned.get("wants_min_compensation"),
                tags_text=cleaned.get("wants_tags") or "",
            )
        except ValidationError as exc:
            fields = {"tags": "wants_tags", "min_compensation": "wants_min_compensation"}
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(fields.get(key), message)
        return cleaned

    @property
    def open_to_other_roles_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("open_to_other_roles") or "")


def withdraw_url(
    candidate: Candidate, submission: Submission, *, source: str = "", offered_by: Link | None = None
) -> str:
    """Issue a withdraw link for ``submission`` and return its absolute URL.

    ``offered_by`` is the link whose page offers it (the feedback page): that page always offers the same
    withdraw link (``issue_derived_link``), however often it is posted. ``source="feedback"`` marks it as
    coming from the feedback form (the withdrawal's Event then says so).
    """
    if offered_by is not None:
        token = issue_derived_link(offered_by, Link.Purpose.WITHDRAW, submission=submission)
    else:
        token = issue_link(Link.Purpose.WITHDRAW, candidate=candidate, submission=submission)
    url = link_url(Link.Purpose.WITHDRAW, token)
    return f"{url}?from={source}" if source else url


def _via(request: HttpRequest, link: Link) -> Via:
    if request.GET.get("from") == "feedback":
        return Via.FEEDBACK
    # A link issued while rendering a touchpoint's email came from that email.
    return Via.EMAIL if link.touchpoint_id else Via.LINK


@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.WITHDRAW)
def withdraw(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """GET: the form. POST: withdraw, then the thank-you page (also for a double submit)."""
    candidate = link.candidate
    currency = candidate.currency if candidate is not None else "EUR"
    # An empty POST is valid here (the click alone withdraws), so bind on the method, not on the data.
    form = WithdrawForm(request.POST if request.method == "POST" else None, currency=currency)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            wants: Wants = data["wants"]
            withdraw_through_link(
                link,
                reason=data["reason"],
                note=data["note"],
                open_to_other_roles=form.open_to_other_roles_value,
                wants=wants,
                share_reason=data["share_reason"],
                via=_via(request, link),
                now=now,
            )
            open_to_others = form.open_to_other_roles_value
            return render(
                request, "public/withdraw_done.html", page_context(link, open_to_others=open_to_others)
            )
        return render(request, "public/withdraw.html", page_context(link, form=form), status=400)
    return render(request, "public/withdraw.html", page_context(link, form=form))
