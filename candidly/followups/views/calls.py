"""Recruiter actions from the Today page: a call (script, candidate's local time, one-click outcomes) and
sending the prepared "Update" message. Login is required (LoginRequiredMiddleware)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import AgencySettings, User
from candidly.followups.cadences import STOPPED_INTERVIEW_STATUSES, remind_manager_now
from candidly.followups.forms import CallOutcomeForm, ThreeQuestionsForm
from candidly.followups.gone_quiet import mark_alert_handled
from candidly.followups.models import CadenceRun, Feedback, Task
from candidly.followups.responses import log_call
from candidly.followups.services import business_moment
from candidly.followups.silence import send_update
from candidly.lib.phones import display_phone
from candidly.lib.redirects import safe_next


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware turned anonymous visitors away
    return request.user


def _call_task(pk: int) -> Task:
    task = get_object_or_404(
        Task.objects.select_related(
            "candidate",
            "interview__submission__role__company",
            "submission__role__company",
            "touchpoint",
            "done_by",
        ),
        pk=pk,
    )
    if task.kind != Task.Kind.CALL or task.candidate is None:
        raise Http404("Not a call to a candidate.")
    return task


def is_follow_up_call(task: Task) -> bool:
    """A call after an interview that happened: the script is the three questions."""
    interview = task.interview
    return (
        interview is not None
        and interview.ends_at <= timezone.now()
        and interview.status not in STOPPED_INTERVIEW_STATUSES
    )


def _call_page(
    request: HttpRequest, task: Task, form: ThreeQuestionsForm | None, status: int = 200
) -> HttpResponse:
    candidate = task.candidate
    assert candidate is not None
    now = timezone.now()
    follow_up = is_follow_up_call(task)
    if form is None and follow_up:
        saved = Feedback.objects.filter(interview=task.interview, candidate=candidate).first()
        form = ThreeQuestionsForm(
            initial=ThreeQuestionsForm.initial_from(saved), allow_call_me=False, ask_recommend=False
        )
    good_from = business_moment(now, candidate, agency=AgencySettings.load())
    context: dict[str, Any] = {
        "task": task,
        "candidate": candidate,
        "submission": task.submission,
        "interview": task.interview,
        "now": now,
        "in_hours": good_from <= now,
        "good_from": good_from,
        "phone_display": display_phone(candidate.phone),
        "follow_up": follow_up,
        "form": form,
        "next": request.GET.get("next") or request.POST.get("next") or reverse("hiring:today"),
    }
    return render(request, "followups/call.html", context, status=status)


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The call: who, their local time, a tel: link, the script and the outcome buttons."""
    return _call_page(request, _call_task(pk), None)


@require_POST
def call_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log the outcome: ``reached`` with the answers form, or one click for voicemail / no answer."""
    task = _call_task(pk)
    actor, now = _actor(request), timezone.now()
    name = task.candidate.name if task.candidate else ""
    if request.POST.get("outcome") == "reached":
        form = (
            ThreeQuestionsForm(request.POST, allow_call_me=False, ask_recommend=False)
            if is_follow_up_call(task)
            else None
        )
        if form is not None and not form.is_valid():
            return _call_page(request, task, form, status=400)
        logged = log_call(
            task, outcome="reached", actor=actor, now=now, answers=form.answers() if form else None
        )
        text = f"Logged: you reached {name}." + (" Their answers are saved." if form else "")
    else:
        outcome = CallOutcomeForm(request.POST)
        if not outcome.is_valid():
            messages.error(request, "Choose what happened on the call.")
            return redirect(reverse("followups:call", args=[pk]))
        logged = log_call(task, outcome=outcome.cleaned_data["outcome"], actor=actor, now=now)
        label = dict(CallOutcomeForm.OUTCOMES)[outcome.cleaned_data["outcome"]].lower()
        text = f"Logged: {label} for {name}. The follow-ups go on."
    if logged is None:
        messages.info(request, "This call was already logged.")
    else:
        messages.success(request, text)
    return redirect(safe_next(request, default=reverse("hiring:today")))


@require_POST
def update_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the prepared "Update" message of an open Update task (one click from Today)."""
    task = get_object_or_404(
        Task.objects.select_related("candidate", "submission"), pk=pk, kind=Task.Kind.UPDATE_CANDIDATE
    )
    touchpoint = send_update(task, actor=_actor(request), now=timezone.now())
    if touchpoint is None:
        messages.info(request, "This update was already sent.")
    else:
        messages.success(request, f"Update to {task.candidate} queued; it goes out in their business hours.")
    return redirect(safe_next(request, default=reverse("hiring:today")))


@require_POST
def feedback_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Remind now" on an overdue company: one more feedback reminder to the hiring manager."""
    run = get_object_or_404(CadenceRun.objects.select_related("contact"), pk=pk)
    touchpoint = remind_manager_now(run, actor=_actor(request), now=timezone.now())
    if touchpoint is None:
        messages.info(request, "They have answered already; no reminder needed.")
    else:
        messages.success(request, f"Reminder to {run.contact} queued; it goes out in their business hours.")
    return redirect(safe_next(request, default=reverse("hiring:today")))


@require_POST
def alert_handled(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a gone-quiet alert handled (the recruiter reached out another way)."""
    task = get_object_or_404(Task.objects.select_related("submission"), pk=pk, kind=Task.Kind.GONE_QUIET)
    if mark_alert_handled(task, actor=_actor(request), now=timezone.now()):
        messages.success(request, f"Marked handled: {task.title}.")
    else:
        messages.info(request, "Already handled.")
    return redirect(safe_next(request, default=reverse("hiring:today")))
