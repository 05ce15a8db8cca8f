"""Admins reword the agency's messages (``/settings/messages/``): the list of kinds, and one kind's page
with its subject, body and SMS, the variables it may use, a live preview on a real interview, save and
reset. Admins only (``accounts.permissions.require_admin``); the services are ``messaging.agency_words``.

Without JavaScript "Preview" re-renders the page; with it, htmx asks for the preview partial as you type.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.permissions import require_admin
from candidly.hiring.models import Interview
from candidly.messaging import agency_words, wording
from candidly.messaging.models import MessageWording

# The interviews offered for the preview: the most recent ones.
PREVIEW_INTERVIEWS = 20


def _interview_label(interview: Interview) -> str:
    submission = interview.submission
    return f"{submission.candidate.name}, {submission.role.company.name}, {interview.starts_at:%d %b %Y}"


class WordingForm(forms.Form):
    subject = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"class": "wide"}))
    body = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 14, "class": "wide"}),
        help_text="Between “Hi <first name>,” and your signature; the footer links are added below it.",
    )
    sms = forms.CharField(
        label="SMS",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "wide"}),
        help_text="One line; the short withdraw link is added when the text does not have it.",
    )
    interview = forms.ModelChoiceField(
        label="Preview with the interview",
        queryset=Interview.objects.none(),
        required=False,
        empty_label="A made-up interview",
    )

    def __init__(self, *args: Any, spec: wording.KindSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        if not spec.sms:
            del self.fields["sms"]
        recent = Interview.objects.select_related(
            "submission__candidate", "submission__role__company"
        ).order_by("-starts_at", "-pk")
        ids = list(recent.values_list("pk", flat=True)[:PREVIEW_INTERVIEWS])
        field = self.fields["interview"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = recent.filter(pk__in=ids)
        field.label_from_instance = _interview_label  # type: ignore[method-assign,assignment]

    def parts(self) -> wording.Parts:
        data = self.cleaned_data
        return wording.Parts(subject=data["subject"], body=data["body"], sms=data.get("sms", ""))


def _spec(kind: str) -> wording.KindSpec:
    try:
        return wording.spec_for(kind)
    except KeyError:
        raise Http404("No such message.") from None


def wording_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    changed = dict(MessageWording.objects.values_list("kind", "updated_at"))
    rows = [(spec, changed.get(spec.kind)) for spec in wording.EDITABLE.values()]
    return render(request, "messaging/wording_list.html", {"rows": rows})


def _preview(form: WordingForm, request: HttpRequest) -> agency_words.Preview | None:
    """The preview of the form's words, or None with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        return agency_words.preview(
            form.spec.kind,
            parts=form.parts(),
            interview=form.cleaned_data["interview"],
            recruiter=require_admin(request),
            now=timezone.now(),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


def wording_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the current words and their preview on the latest interview. POST: ``action=preview`` shows
    the preview of what was typed; ``action=save`` saves it (refused, with the reason, when it would not
    work when sent)."""
    actor = require_admin(request)
    spec = _spec(kind)
    if request.method == "POST":
        form = WordingForm(request.POST, spec=spec)
        if request.POST.get("action") == "save" and form.is_valid():
            try:
                agency_words.save_wording(
                    kind,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    sms=form.cleaned_data.get("sms", ""),
                    actor=actor,
                    now=timezone.now(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Saved: “{spec.label}” now says what you wrote.")
                return redirect("messaging:wording-edit", kind=kind)
        preview = None if form.errors else _preview(form, request)
    else:
        current = wording.current_parts(kind)
        form = WordingForm(spec=spec)
        latest = form.fields["interview"].queryset.first()  # type: ignore[attr-defined]
        form.initial = {
            "subject": current.subject,
            "body": current.body,
            "sms": current.sms,
            "interview": latest,
        }
        preview = agency_words.preview(
            kind, parts=current, interview=latest, recruiter=actor, now=timezone.now()
        )
    context = {
        "spec": spec,
        "form": form,
        "preview": preview,
        "customized": MessageWording.objects.filter(kind=kind).exists(),
    }
    return render(request, "messaging/wording_edit.html", context, status=400 if form.errors else 200)


@require_POST
def wording_preview(request: HttpRequest, kind: str) -> HttpResponse:
    """The preview partial, for htmx while the admin types (same checks as the page)."""
    require_admin(request)
    form = WordingForm(request.POST, spec=_spec(kind))
    preview = _preview(form, request)
    return render(request, "messaging/_wording_preview.html", {"preview": preview, "form": form})


@require_POST
def wording_reset(request: HttpRequest, kind: str) -> HttpResponse:
    actor = require_admin(request)
    spec = _spec(kind)
    if agency_words.reset_wording(kind, actor=actor):
        messages.success(request, f"“{spec.label}” is back to the default words.")
    else:
        messages.info(request, f"“{spec.label}” already uses the default words.")
    return redirect("messaging:wording-edit", kind=kind)
