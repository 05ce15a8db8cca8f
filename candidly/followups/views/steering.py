"""Recruiters steer what goes out, from the interview, submission and candidate pages: "Send now", "Skip"
and "Move" on each planned message, "see all", pausing a candidate's messages, and editing the honest
update before it goes. Each view checks the form, calls one ``followups.steering`` service and goes back.
Login is required (LoginRequiredMiddleware)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import User
from candidly.followups import steering
from candidly.followups.cadences import ask_interviewer_for_feedback
from candidly.followups.forms import (
    MoveTouchpointForm,
    PauseMessagesForm,
    SkipTouchpointForm,
    UpdateMessageForm,
)
from candidly.followups.models import Task, Touchpoint
from candidly.followups.queries import planned_touchpoints
from candidly.followups.silence import send_update, update_message
from candidly.hiring.models import Interview, Submission
from candidly.lib.paging import window
from candidly.lib.redirects import safe_next
from candidly.people.models import Candidate, Contact

PAGE_SIZE = 50
BUSY = "That message is being sent right now (or was just changed by someone else); nothing changed."


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware turned anonymous visitors away
    return request.user


def _touchpoint(pk: int) -> Touchpoint:
    return get_object_or_404(
        Touchpoint.objects.select_related("candidate", "contact__company", "interview", "submission"), pk=pk
    )


def _home(touchpoint: Touchpoint) -> str:
    """The page a steered message is listed on, when the form did not say where to go back to."""
    if touchpoint.interview_id is not None:
        return reverse("hiring:interview-detail", args=[touchpoint.interview_id])
    if touchpoint.submission_id is not None:
        return reverse("hiring:submission-detail", args=[touchpoint.submission_id])
    if touchpoint.candidate_id is not None:
        return reverse("people:candidate-detail", args=[touchpoint.candidate_id])
    return reverse("hiring:today")


def _label(touchpoint: Touchpoint) -> str:
    return f"the {touchpoint.get_kind_display().lower()} to {touchpoint.person.name}"


@require_POST
def touchpoint_send_now(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = _touchpoint(pk)
    try:
        result = steering.send_touchpoint_now(touchpoint, actor=_actor(request), now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if not result.changed:
            messages.info(request, BUSY)
        elif result.due_at is not None and result.due_at > timezone.now():
            local = timezone.localtime(result.due_at)
            messages.success(
                request,
                f"It is night or a day off where they are: {_label(touchpoint)} goes at "
                f"{local:%a %d %b %H:%M} your time, their first business moment.",
            )
        else:
            messages.success(request, f"Sending {_label(touchpoint)} now.")
    return redirect(safe_next(request, default=_home(touchpoint)))


@require_POST
def touchpoint_skip(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = _touchpoint(pk)
    form = SkipTouchpointForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why it should not be sent; nothing changed.")
        return redirect(safe_next(request, default=_home(touchpoint)))
    result = steering.skip_touchpoint(
        touchpoint, reason=form.cleaned_data["reason"], actor=_actor(request), now=timezone.now()
    )
    if result.changed:
        messages.success(request, f"Skipped {_label(touchpoint)}.")
    else:
        messages.info(request, BUSY)
    return redirect(safe_next(request, default=_home(touchpoint)))


@require_POST
def touchpoint_move(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = _touchpoint(pk)
    form = MoveTouchpointForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new date and time; nothing changed.")
        return redirect(safe_next(request, default=_home(touchpoint)))
    try:
        result = steering.move_touchpoint(
            touchpoint, to=form.cleaned_data["to"], actor=_actor(request), now=timezone.now()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages) + " Nothing changed.")
    else:
        if result.changed and result.due_at is not None:
            local = timezone.localtime(result.due_at)
            messages.success(request, f"Moved {_label(touchpoint)} to {local:%a %d %b %H:%M} your time.")
        else:
            messages.info(request, BUSY)
    return redirect(safe_next(request, default=_home(touchpoint)))


def planned_list(request: HttpRequest) -> HttpResponse:
    """Every planned message about one interview, submission or candidate (``?interview=`` …), paginated."""
    about: dict[str, object] = {}
    title = ""
    sources: tuple[tuple[str, QuerySet[Any]], ...] = (
        ("interview", Interview.objects.select_related("submission__candidate", "submission__role__company")),
        ("submission", Submission.objects.select_related("candidate", "role__company")),
        ("candidate", Candidate.objects.all()),
    )
    for name, rows in sources:
        value = request.GET.get(name, "")
        if value.isdigit():
            obj = get_object_or_404(rows, pk=int(value))
            about = {name: obj}
            title = str(obj)
            break
    if not about:
        raise Http404("Say whose planned messages to list.")
    page = window(planned_touchpoints(**about), request.GET, size=PAGE_SIZE)  # type: ignore[arg-type]
    return render(request, "followups/planned_list.html", {"page": page, "title": title, "about": about})


@require_POST
def candidate_pause(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate, pk=pk)
    back = safe_next(request, default=reverse("people:candidate-detail", args=[pk]))
    form = PauseMessagesForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(back)
    until = None if form.cleaned_data["resume"] else form.cleaned_data["until"]
    try:
        resume_at = steering.pause_messages(candidate, until=until, actor=_actor(request), now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if resume_at is None:
        messages.success(request, f"Messages to {candidate.name} resumed.")
    else:
        local = timezone.localtime(resume_at)
        messages.success(
            request, f"Messages to {candidate.name} paused; they resume {local:%a %d %b %H:%M} your time."
        )
    return redirect(back)


def update_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The honest update, editable before it goes: GET shows the prepared words, POST sends what was typed."""
    task = get_object_or_404(
        Task.objects.select_related("candidate", "submission__role__company", "submission__recruiter"),
        pk=pk,
        kind=Task.Kind.UPDATE_CANDIDATE,
    )
    if task.submission is None or task.candidate is None:
        raise Http404("Not an update about a process.")
    form = UpdateMessageForm(request.POST or None, initial={"message": update_message(task.submission)})
    if request.method == "POST" and form.is_valid():
        touchpoint = send_update(
            task, actor=_actor(request), now=timezone.now(), message=form.cleaned_data["message"]
        )
        if touchpoint is None:
            messages.info(request, "This update was already sent.")
        else:
            messages.success(
                request, f"Update to {task.candidate.name} queued; it goes out in their business hours."
            )
        return redirect("hiring:today")
    recruiter = task.submission.responsible_recruiter
    return render(
        request,
        "followups/update_edit.html",
        {"task": task, "form": form, "recruiter": recruiter, "first_name": task.candidate.name.split()[0]},
    )


@require_POST
def interviewer_feedback_ask(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """ "Ask for feedback" next to an interviewer on the panel (the hiring manager's cadence asks them)."""
    interview = get_object_or_404(Interview, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    try:
        ask_interviewer_for_feedback(interview, contact, actor=_actor(request), now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Feedback request to {contact.name} queued; it goes in their business hours."
        )
    return redirect("hiring:interview-detail", pk=pk)
