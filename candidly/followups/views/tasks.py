"""The recruiter's task list (``/tasks/``) and one task's page, with "Mark done".

A "Cancel with <company>" task shows the hiring manager's details and the prepared email as a ``mailto:``
link, so telling the company is one click from the task. Login is required (LoginRequiredMiddleware).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import User
from candidly.followups.interview_plan import cancellation_reason
from candidly.followups.models import Task
from candidly.followups.queries import TASK_LIST_RELATED, task_list_parts
from candidly.followups.tasks import complete_task
from candidly.hiring.models import Interview
from candidly.lib.paging import window_of_parts
from candidly.lib.phones import display_phone
from candidly.messaging.prepared import PreparedEmail, prepare_manager_cancellation_email
from candidly.people.models import Contact

PAGE_SIZE = 50
# Tasks about the company: the page shows the hiring manager's details next to them.
COMPANY_KINDS = frozenset({Task.Kind.CANCEL_WITH_COMPANY, Task.Kind.TELL_COMPANY, Task.Kind.CHASE_COMPANY})


class DoneForm(forms.Form):
    outcome = forms.CharField(
        label="What happened? (optional)",
        required=False,
        max_length=300,
        help_text="One line for the timeline, e.g. “Emailed Hannah; she'll send new slots”.",
    )


def _viewer(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    assert isinstance(request.user, User)
    return request.user


def task_list(request: HttpRequest) -> HttpResponse:
    """Open tasks: everyone's, the viewer's first; ``?who=mine`` shows only the viewer's."""
    viewer = _viewer(request)
    mine_only = request.GET.get("who") == "mine"
    page = window_of_parts(task_list_parts(viewer, mine_only=mine_only), request.GET, size=PAGE_SIZE)
    return render(
        request, "followups/task_list.html", {"page": page, "mine_only": mine_only, "now": timezone.now()}
    )


def _mailto(email: PreparedEmail) -> str:
    # quote (not quote_plus): mail clients read "+" literally, and newlines must survive as %0A.
    query = urlencode({"subject": email.subject, "body": email.body}, quote_via=quote)
    return f"mailto:{quote(email.to_email, safe='@')}?{query}"


def _company_context(task: Task) -> dict[str, Any]:
    """The hiring manager's details, and for a cancelled interview the prepared email to them."""
    submission = task.submission or (task.interview.submission if task.interview else None)
    if task.kind not in COMPANY_KINDS or submission is None:
        return {}
    manager: Contact = submission.role.hiring_manager
    context: dict[str, Any] = {
        "manager": manager,
        "manager_phone_display": display_phone(manager.phone) if manager.phone else "",
    }
    interview = task.interview
    if (
        task.kind == Task.Kind.CANCEL_WITH_COMPANY
        and interview
        and interview.status in Interview.CANCELLED_STATUSES
    ):
        email = prepare_manager_cancellation_email(
            interview, reason=cancellation_reason(interview), recruiter=submission.responsible_recruiter
        )
        context.update(prepared_email=email, mailto=_mailto(email))
    return context


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.select_related(
            *TASK_LIST_RELATED,
            "done_by",
            "submission__candidate",
            "submission__recruiter",
            "submission__role__hiring_manager__company",
            "submission__role__recruiter",
        ),
        pk=pk,
    )
    context = {"task": task, "form": DoneForm(), **_company_context(task)}
    return render(request, "followups/task_detail.html", context)


@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Mark done": one POST, then back to the task (its page shows who did it and when)."""
    task = get_object_or_404(Task, pk=pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        context = {"task": task, "form": form, **_company_context(task)}
        return render(request, "followups/task_detail.html", context, status=400)
    if complete_task(task, actor=_viewer(request), now=timezone.now(), outcome=form.cleaned_data["outcome"]):
        messages.success(request, f"Done: {task.title}")
    else:
        messages.info(request, "This task was already closed; nothing changed.")
    return redirect("followups:task-detail", pk=pk)
