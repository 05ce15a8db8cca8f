"""Recruiter pages for the end of a process: record an ending (withdrawn by phone, or the company declined),
see what followed with suggested roles, review and send the outcome message, and send "roles you might like".

Each view checks input with a form, calls one service (``withdrawal``, ``endings``, ``suggestions``) and
renders or redirects. Login is required (LoginRequiredMiddleware).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.hiring import suggestions
from candidly.hiring.endings import reject, withdraw
from candidly.hiring.endings.withdraw import Via, Wants, parse_wants
from candidly.hiring.models import Submission
from candidly.hiring.public_withdrawal import OPEN_CHOICES
from candidly.lib.redirects import safe_next
from candidly.people.models import Candidate, Tag

WITHDREW, REJECTED = "withdrew", "rejected"
# The stages that end a process through these services (the submission page's stage form uses it too).
ENDINGS = {Submission.Stage.WITHDRAWN: WITHDREW, Submission.Stage.REJECTED: REJECTED}


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=[
            (WITHDREW, "The candidate withdrew (they told me, e.g. by phone)"),
            (REJECTED, "The company decided not to move forward"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label="The candidate's reason",
        required=False,
        choices=[
            ("", "Not given"),
            *[(r, Submission.EndReason(r).label) for r in withdraw.WITHDRAWAL_REASONS],
        ],
        help_text="Only for a withdrawal.",
    )
    note = forms.CharField(
        label="Note (stays with the agency)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    share_reason = forms.BooleanField(label="They allow us to tell the company their reason", required=False)
    open_to_other_roles = forms.ChoiceField(
        label="Open to other roles?", required=False, choices=[("", "Didn't say"), *OPEN_CHOICES]
    )
    wants_remote = forms.BooleanField(label="Wants remote work", required=False)
    wants_min_compensation = forms.IntegerField(
        label="Wants a higher minimum (a year)", required=False, min_value=0, max_value=100_000_000
    )
    wants_tags = forms.CharField(label="Wants other kinds of roles (tags)", required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "end_%s")
        super().__init__(*args, **kwargs)

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
            for key, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(fields.get(key), error)
        return cleaned


class OutcomeMessageForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=200)
    message = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="The email starts with “Hi <first name>,” and ends with your name, phone and a reply note.",
    )


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware turned anonymous visitors away
    return request.user


def _submission(pk: int) -> Submission:
    return get_object_or_404(
        Submission.objects.select_related(
            "candidate__recruiter", "recruiter", "role__company", "role__hiring_manager", "role__recruiter"
        ),
        pk=pk,
    )


def end_submission_for(
    request: HttpRequest, submission: Submission, *, outcome: str, data: dict[str, Any]
) -> HttpResponseRedirect:
    """Run the ending service for ``outcome`` and redirect to what the recruiter does next.

    Raises ``ValidationError`` keyed ``reason`` (nothing changed) for a reason that does not fit the ending.
    """
    now = timezone.now()
    reason = data.get("reason") or ""
    if outcome == WITHDREW and reason and reason not in withdraw.WITHDRAWAL_REASONS:
        raise ValidationError({"reason": "Choose the candidate's reason for withdrawing."})
    if outcome == REJECTED and reason == Submission.EndReason.HIRED:
        raise ValidationError({"reason": "Choose why the company declined."})
    if outcome == REJECTED:
        result = reject.reject_submission(
            submission,
            note=data.get("note", ""),
            reason=reason or Submission.EndReason.COMPANY_DECLINED,
            actor=_actor(request),
            now=now,
        )
        if not result.rejected:
            messages.info(request, "This process had already ended; nothing changed.")
            return redirect("hiring:submission-detail", pk=submission.pk)
        messages.success(request, "Ended: the company decided not to move forward. Review the message below.")
        return redirect("hiring:submission-tell-candidate", pk=submission.pk)
    open_value = {"yes": True, "no": False}.get(data.get("open_to_other_roles") or "")
    done = withdraw.withdraw_submission(
        submission,
        reason=reason,
        note=data.get("note", ""),
        open_to_other_roles=open_value,
        wants=data.get("wants") or Wants(),
        share_reason=bool(data.get("share_reason")),
        via=Via.PHONE,
        actor=_actor(request),
        now=now,
    )
    if not done.withdrawn:
        messages.info(request, "This process had already ended; nothing changed.")
        return redirect("hiring:submission-detail", pk=submission.pk)
    messages.success(request, "Withdrawn. Your task to tell the company is below.")
    return redirect("hiring:submission-ended", pk=submission.pk)


def submission_end(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the ending form. POST: withdraw (by phone) or record the company's decision."""
    submission = _submission(pk)
    if not submission.is_open:
        return redirect("hiring:submission-ended", pk=pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["outcome"] == REJECTED:
            data = {**data, "reason": Submission.EndReason.COMPANY_DECLINED}
        return end_submission_for(request, submission, outcome=data["outcome"], data=data)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "hiring/submission_end.html", {"submission": submission, "form": form}, status=status
    )


def _suggestion_context(candidate: Candidate) -> dict[str, Any]:
    return {"suggestions": suggestions.suggest_roles(candidate)}


def submission_ended(request: HttpRequest, pk: int) -> HttpResponse:
    """What followed the end of a process: its tasks (with the prepared emails) and roles to suggest."""
    submission = _submission(pk)
    candidate = (
        Candidate.objects.select_related("recruiter")
        .prefetch_related(Prefetch("role_tags", queryset=Tag.objects.order_by("name")))
        .get(pk=submission.candidate_id)
    )
    tasks = (
        Task.objects.filter(submission=submission)
        .select_related("assigned_to", "interview")
        .order_by("-urgent", "pk")
    )
    context = {
        "submission": submission,
        "candidate": candidate,
        "tasks": tasks,
        "wants": Wants.from_json(submission.withdrawal_wants),
        "outcome_pending": submission.stage == Submission.Stage.REJECTED
        and reject.pending_outcome_task(submission) is not None,
        "next": request.get_full_path(),
        **_suggestion_context(candidate),
    }
    return render(request, "hiring/submission_ended.html", context)


def submission_tell_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the prepared "they decided not to move forward" message. POST: send it as edited."""
    submission = _submission(pk)
    task = reject.pending_outcome_task(submission)
    draft = reject.prepare_outcome_message(submission)
    form = OutcomeMessageForm(
        request.POST or None, initial={"subject": draft.subject, "message": draft.message}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sent = reject.send_outcome_message(
                    submission,
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except reject.OutcomeMessageError as exc:
                form.add_error(None, str(exc))
                status = 502 if not submission.candidate.is_unsubscribed else 400
            else:
                if sent is None:
                    messages.info(request, "The outcome was already sent; nothing more went out.")
                else:
                    messages.success(request, f"Sent to {submission.candidate.email}.")
                return redirect("hiring:submission-ended", pk=pk)
    context = {"submission": submission, "form": form, "task": task, "candidate": submission.candidate}
    return render(request, "hiring/submission_tell_candidate.html", context, status=status)


@require_POST
def suggestions_send(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: email the candidate the suggested roles shown on the page (``role`` values posted)."""
    candidate = get_object_or_404(Candidate.objects.select_related("recruiter"), pk=pk)
    back = safe_next(request, default=reverse("people:candidate-detail", args=[pk]))
    try:
        role_ids = [int(value) for value in request.POST.getlist("role")]
    except ValueError:
        role_ids = []
    try:
        sent = suggestions.send_role_suggestions(
            candidate, role_ids=role_ids or None, actor=_actor(request), now=timezone.now()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except suggestions.SendError as exc:
        messages.error(request, f"The email could not be sent ({exc}). Nothing went out; try again.")
    else:
        count = len(sent.rows)
        messages.success(request, f"Sent {count} role{'s' if count != 1 else ''} to {candidate.email}.")
    return HttpResponseRedirect(back)
