"""Recruiter pages for roles, submissions and interviews, and the Today page. Login is required for all
(LoginRequiredMiddleware); each view checks input with a form, calls one service, and renders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.models import AgencySettings, User
from candidly.followups.cadences import STOPPED_INTERVIEW_STATUSES
from candidly.followups.queries import PLANNED_SHOWN, feedback_for, open_tasks_panel, planned_touchpoints
from candidly.followups.today import today_lists
from candidly.hiring import ending_views, queries
from candidly.hiring.forms import (
    CandidateEventsFilterForm,
    CompanyChangeForm,
    CorrectOutcomeForm,
    InterviewFilterForm,
    InterviewForm,
    InterviewOutcomeForm,
    RecruiterCancelForm,
    RoleFilterForm,
    RoleForm,
    SubmissionFilterForm,
    SubmissionForm,
    SubmissionStageForm,
)
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.reliability import KIND_LABELS
from candidly.hiring.services import interview_status, interviews, roles, submissions
from candidly.hiring.services.interview_status import CancellationResult
from candidly.lib.db import count_of, first_rows
from candidly.lib.paging import Window, window
from candidly.lib.redirects import safe_next
from candidly.messaging.invites import InviteMethod, build_invite, invite_filename
from candidly.people.models import Candidate, Contact
from candidly.timeline.models import Event

PAGE_SIZE = 50
# Sections of a detail page (a role's interviews, a company's roles): the rest is one "see all" away.
SECTION_SIZE = 20
# Today has seven sections: each shows its ten most pressing rows (a screen, not a report) and links to the
# whole list. Twenty each made a 95 KB page that took a busy desk's recruiter ~300 ms to render at scale.
TODAY_SECTION_SIZE = 10


def _actor(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Window:
    return window(rows, request.GET, size=PAGE_SIZE)


def _filters(form_class: type[Any], request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    """A GET filter form and its valid values; a bad value is ignored rather than failing the page."""
    form = form_class(request.GET or None)
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


def _scoped(rows: QuerySet[Any], filters: dict[str, Any], *, prefix: str) -> QuerySet[Any]:
    """Rows of one role or one company when the list was opened from its page (``?role=`` / ``?company=``)."""
    if filters.get("role"):
        rows = rows.filter(**{f"{prefix}role_id": filters["role"]})
    if filters.get("company"):
        rows = rows.filter(**{f"{prefix}role__company_id": filters["company"]})
    return rows


def _first(rows: QuerySet[Any], limit: int = SECTION_SIZE) -> tuple[list[Any], bool]:
    """At most ``limit`` rows and whether there are more (one row more is read instead of a COUNT)."""
    found = list(rows[: limit + 1])
    return found[:limit], len(found) > limit


def _first_keyed(interviews: QuerySet[Interview], limit: int) -> tuple[list[Interview], bool]:
    """``_first`` for Today's interview lists: the ids first, then only those rows joined to what the
    page shows (``lib.db.first_rows``)."""
    found = first_rows(interviews, limit + 1, related=("submission__candidate", "submission__role__company"))
    return found[:limit], len(found) > limit


def _planned(**about: Any) -> dict[str, Any]:
    """The page's planned messages (at most ``PLANNED_SHOWN``) and the "see all" link when there are more."""
    rows = list(planned_touchpoints(**about)[: PLANNED_SHOWN + 1])
    name, obj = next(iter(about.items()))
    return {
        "planned": rows[:PLANNED_SHOWN],
        "more_planned": len(rows) > PLANNED_SHOWN,
        "planned_url": f"{reverse('followups:planned-list')}?{name}={obj.pk}",
    }


def _timeline(**about: Any) -> QuerySet[Event]:
    return Event.objects.filter(**about).select_related("actor_user").order_by("-occurred_at", "-id")


# --- Today -----------------------------------------------------------------------------------------


def today(request: HttpRequest) -> HttpResponse:
    """The recruiter's home: what to do now (calls, overdue companies, gone-quiet alerts, updates, unmarked
    interviews), today's interviews in the viewer's zone, and what the worker sends in the next hours.

    The viewer's own work (interviews they are responsible for, their and unassigned tasks); an admin can
    switch to the whole agency (``?who=agency``). Every section shows at most ``TODAY_SECTION_SIZE`` rows and
    links to the full list, so the page costs the same queries for a desk of ten or an agency of thousands."""
    viewer = _actor(request)
    everyone = viewer.is_admin and request.GET.get("who") == "agency"
    now = timezone.now()
    day = timezone.localdate(now)
    mine = None if everyone else queries.mine_or_nobodys(viewer.pk, prefix="submission__")
    todays = queries.interviews_on_day(day, timezone.get_current_timezone_name())
    unmarked = queries.unmarked_interviews(now)
    if mine is not None:
        todays, unmarked = todays.filter(mine), unmarked.filter(mine)
    interviews, more_interviews = _first_keyed(todays, TODAY_SECTION_SIZE)
    unmarked_rows, more_unmarked = _first_keyed(unmarked, TODAY_SECTION_SIZE)
    return render(
        request,
        "hiring/today.html",
        {
            "day": day,
            "now": now,
            "everyone": everyone,
            "who": "" if everyone else "mine",
            "interviews": interviews,
            "more_interviews": more_interviews,
            "unmarked": unmarked_rows,
            "more_unmarked": more_unmarked,
            "lists": today_lists(user=viewer, now=now, limit=TODAY_SECTION_SIZE, everyone=everyone),
            "panel": open_tasks_panel(viewer),
        },
    )


# --- Roles -----------------------------------------------------------------------------------------


def role_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(RoleFilterForm, request)
    page = _page(request, filtered_roles(filters))
    return render(request, "hiring/role_list.html", {"form": form, "page": page})


def filtered_roles(filters: dict[str, Any]) -> QuerySet[Role]:
    """The role list's rows for its filter form's values, ordered (the page and its CSV export)."""
    # A correlated count per row of the page, not a GROUP BY over every submission of every role.
    roles = Role.objects.select_related("company", "hiring_manager").annotate(
        open_submissions=count_of(
            Submission.objects.filter(role=OuterRef("pk"), stage__in=Submission.OPEN_STAGES), "role"
        )
    )
    if q := filters.get("q", "").strip():
        tagged = Role.tags.through.objects.filter(tag__name__icontains=q).values("role_id")
        roles = roles.filter(
            Q(title__icontains=q)
            | Q(company__name__icontains=q)
            | Q(location__icontains=q)
            | Q(pk__in=tagged)
        )
    if status := filters.get("status"):
        roles = roles.filter(status=status)
    if filters.get("company"):
        roles = roles.filter(company_id=filters["company"])
    return roles.order_by("company__name", "title", "pk")


def role_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = RoleForm(
        request.POST or None, initial={"recruiter": actor.pk, "company": request.GET.get("company")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            role = roles.create_role(
                fields=form.role_fields(), tag_names=form.cleaned_data["tags"], actor=actor
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Role “{role.title}” created.")
            return redirect("hiring:role-detail", pk=role.pk)
    return render(request, "hiring/role_form.html", {"form": form, "role": None})


def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(
        Role.objects.select_related("company", "hiring_manager", "recruiter").prefetch_related("tags"), pk=pk
    )
    submissions = role.submissions.select_related("candidate").order_by("-created_at", "-pk")
    upcoming, more_upcoming = _first(
        queries.interviews_with_people()
        .filter(queries.not_ended(timezone.now()), submission__role=role)
        .order_by("starts_at", "pk")
    )
    return render(
        request,
        "hiring/role_detail.html",
        {
            "role": role,
            "page": _page(request, submissions),
            "interviews": upcoming,
            "more_interviews": more_upcoming,
        },
    )


def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role, pk=pk)
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        try:
            saved = roles.update_role(
                role, changes=form.role_fields(), tag_names=form.cleaned_data["tags"], actor=_actor(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Role “{saved.title}” saved.")
            return redirect("hiring:role-detail", pk=saved.pk)
    # A ModelForm writes what was typed onto its instance; the heading shows the saved row.
    return render(request, "hiring/role_form.html", {"form": form, "role": Role.objects.get(pk=pk)})


# --- Submissions -----------------------------------------------------------------------------------


def submission_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(SubmissionFilterForm, request)
    page = _page(request, filtered_submissions(filters))
    return render(request, "hiring/submission_list.html", {"form": form, "page": page})


def filtered_submissions(filters: dict[str, Any]) -> QuerySet[Submission]:
    """The submission list's rows for its filter form's values, newest first (the page and its export)."""
    submissions = Submission.objects.select_related("candidate", "role__company")
    if q := filters.get("q", "").strip():
        # Matching ids first (trigram indexes), then the submissions by key: no scan of every submission.
        submissions = submissions.filter(
            Q(candidate_id__in=queries.candidate_ids_matching(q))
            | Q(role_id__in=queries.role_ids_matching(q))
        )
    submissions = _scoped(submissions, filters, prefix="")
    stage = filters.get("stage")
    if stage == SubmissionFilterForm.OPEN:
        submissions = submissions.filter(stage__in=Submission.OPEN_STAGES)
    elif stage == SubmissionFilterForm.ENDED:
        submissions = submissions.filter(stage__in=Submission.ENDED_STAGES)
    elif stage:
        submissions = submissions.filter(stage=stage)
    return submissions.order_by("-created_at", "-pk")


def submission_create(request: HttpRequest) -> HttpResponse:
    form = SubmissionForm(
        request.POST or None,
        initial={"candidate": request.GET.get("candidate"), "role": request.GET.get("role")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = submissions.create_submission(
                candidate=form.cleaned_data["candidate"],
                role=form.cleaned_data["role"],
                note=form.cleaned_data["note"],
                actor=_actor(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{submission.candidate.name} submitted to {submission.role.title}.")
            return redirect("hiring:submission-detail", pk=submission.pk)
    return render(request, "hiring/submission_form.html", {"form": form})


def _submission_page(
    request: HttpRequest, submission: Submission, stage_form: SubmissionStageForm
) -> HttpResponse:
    interviews = submission.interviews.prefetch_related(
        Prefetch("interviewers", queryset=Contact.objects.order_by("name"))
    ).order_by("starts_at", "pk")
    return render(
        request,
        "hiring/submission_detail.html",
        {
            "submission": submission,
            "interviews": interviews,
            "events": _timeline(submission=submission),
            **_planned(submission=submission),
            "stage_form": stage_form,
        },
    )


def _get_submission(pk: int) -> Submission:
    return get_object_or_404(
        Submission.objects.select_related("candidate", "role__company", "role__hiring_manager", "recruiter"),
        pk=pk,
    )


def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission(pk)
    return _submission_page(request, submission, SubmissionStageForm(submission=submission))


@require_POST
def submission_stage(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission(pk)
    form = SubmissionStageForm(request.POST, submission=submission)
    if form.is_valid():
        try:
            stage = form.cleaned_data["stage"]
            if stage in ending_views.ENDINGS and submission.is_open:
                # Withdrawn and rejected end through their services: interviews, touchpoints, tasks, messages.
                return ending_views.end_submission_for(
                    request, submission, outcome=ending_views.ENDINGS[stage], data=form.cleaned_data
                )
            moved = submissions.move_submission(
                submission,
                stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=_actor(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Moved to “{moved.get_stage_display()}”.")
            return redirect("hiring:submission-detail", pk=moved.pk)
    return _submission_page(request, submission, form)


# --- Interviews ------------------------------------------------------------------------------------


def interview_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(InterviewFilterForm, request)
    past = filters.get("when") == InterviewFilterForm.PAST
    page = _page(request, filtered_interviews(filters, now=timezone.now(), viewer_pk=_actor(request).pk))
    return render(request, "hiring/interview_list.html", {"form": form, "page": page, "past": past})


def filtered_interviews(filters: dict[str, Any], *, now: datetime, viewer_pk: int) -> QuerySet[Interview]:
    """The interview list's rows (upcoming, or past with ``when=past``; ``who=mine``: ``viewer_pk``'s and
    nobody's), ordered (the page and its export)."""
    interviews = queries.interviews_with_people().prefetch_related(
        Prefetch("interviewers", queryset=Contact.objects.order_by("name"))
    )
    interviews = _scoped(interviews, filters, prefix="submission__")
    if filters.get("who") == "mine":
        interviews = interviews.filter(queries.mine_or_nobodys(viewer_pk, prefix="submission__"))
    if filters.get("when") == InterviewFilterForm.PAST:
        return interviews.filter(queries.ended(now)).order_by("-starts_at", "-pk")
    # Upcoming includes the one going on right now.
    return interviews.filter(queries.not_ended(now)).order_by("starts_at", "pk")


def _after_interview_saved(
    request: HttpRequest, form: InterviewForm, interview: Interview
) -> HttpResponseRedirect:
    for note in form.ambiguity_notes:
        messages.warning(request, note)
    return redirect("hiring:interview-detail", pk=interview.pk)


def interview_create(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission(pk)
    form = InterviewForm(request.POST or None, submission=submission)
    if request.method == "POST" and form.is_valid():
        try:
            changes = form.interview_changes()
            interview = interviews.schedule_interview(
                submission,
                starts_at=changes["starts_at"],
                ends_at=changes["ends_at"],
                time_zone=changes["time_zone"],
                format=changes["format"],
                video_url=changes["video_url"],
                address=changes["address"],
                notes=changes["notes"],
                interviewers=list(form.cleaned_data["interviewers"]),
                actor=_actor(request),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Interview round {interview.round} booked.")
            return _after_interview_saved(request, form, interview)
    return render(
        request, "hiring/interview_form.html", {"form": form, "submission": submission, "interview": None}
    )


def _get_interview(pk: int) -> Interview:
    return get_object_or_404(
        Interview.objects.select_related(
            "submission__candidate__recruiter",
            "submission__role__company",
            "submission__role__recruiter",
            "submission__recruiter",
            "created_by",
        ),
        pk=pk,
    )


def interview_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _get_interview(pk)
    return render(
        request,
        "hiring/interview_detail.html",
        {
            "interview": interview,
            "now": timezone.now(),
            "interviewers": interview.interviewers.order_by("name"),
            "correctable": interview.status in interview_status.CORRECTABLE_STATUSES,
            # The hiring manager's cadence asks them; the rest of the panel is asked from here.
            "can_ask_panel": interview.ends_at <= timezone.now()
            and interview.status not in STOPPED_INTERVIEW_STATUSES,
            **_planned(interview=interview),
            "feedback": feedback_for(interview=interview),
            "events": _timeline(interview=interview),
        },
    )


def interview_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _get_interview(pk)
    form = InterviewForm(request.POST or None, submission=interview.submission, interview=interview)
    if request.method == "POST" and form.is_valid():
        try:
            interview = interviews.update_interview(
                interview,
                changes=form.interview_changes(),
                interviewers=list(form.cleaned_data["interviewers"]),
                actor=_actor(request),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Interview round {interview.round} saved.")
            return _after_interview_saved(request, form, interview)
    return render(
        request,
        "hiring/interview_form.html",
        {"form": form, "submission": interview.submission, "interview": interview},
    )


# --- Interview status: confirm, cancel for the candidate, outcome; the calendar invite ------------------


@require_POST
def interview_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Attended" / "No-show" buttons (interview page, candidate page, Today): one POST, then back."""
    interview = _get_interview(pk)
    back = safe_next(request, default=reverse("hiring:interview-detail", args=[pk]))
    form = InterviewOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose “Attended” or “No-show”.")
        return redirect(back)
    try:
        result = interview_status.mark_interview_outcome(
            interview, outcome=form.cleaned_data["outcome"], now=timezone.now(), actor=_actor(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    name = interview.submission.candidate.name
    if not result.changed:
        messages.info(request, f"Already recorded: {result.interview.get_status_display()}.")
    elif result.status == Interview.Status.COMPLETED:
        messages.success(request, f"Recorded: {name} attended round {interview.round}.")
    else:
        messages.success(request, f"Recorded: {name} did not attend round {interview.round} (no-show).")
    return redirect(back)


@require_POST
def interview_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The recruiter records that the candidate confirmed (by phone, by email)."""
    interview = _get_interview(pk)
    outcome = interview_status.confirm_interview(
        interview, now=timezone.now(), via=interview_status.Via.RECRUITER, actor=_actor(request)
    )
    texts = {
        interview_status.ConfirmationResult.CONFIRMED: "Recorded: the candidate confirmed they will attend.",
        interview_status.ConfirmationResult.ALREADY_CONFIRMED: "Already confirmed.",
        interview_status.ConfirmationResult.ALREADY_STARTED: "The interview has already started.",
        interview_status.ConfirmationResult.NOT_SCHEDULED: (
            f"This interview is “{outcome.interview.get_status_display()}”; it cannot be confirmed."
        ),
    }
    level = messages.SUCCESS if outcome.confirmed else messages.INFO
    messages.add_message(request, level, texts[outcome.result])
    return redirect(safe_next(request, default=reverse("hiring:interview-detail", args=[pk])))


CANCELLATION_MESSAGES = {
    interview_status.CancellationResult.CANCELLED_WITH_NOTICE: (
        "Cancelled with notice. Your task “Cancel with {company}” has the hiring manager's details and "
        "a prepared email."
    ),
    interview_status.CancellationResult.LATE_CANCELLATION: (
        "Late cancellation (less than {hours} hours before). Two urgent tasks are on your list: cancel "
        "with {company}, and call the candidate."
    ),
    CancellationResult.ALREADY_CANCELLED: "This interview was already cancelled; nothing changed.",
    CancellationResult.ALREADY_STARTED: "The interview has already started; it cannot be cancelled.",
    CancellationResult.NOT_SCHEDULED: "This interview is no longer scheduled; nothing changed.",
}


def interview_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The recruiter records the candidate's "I can't make it"; the 24-hour rule decides what it counts as."""
    interview = _get_interview(pk)
    form = RecruiterCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = interview_status.cancel_interview_for_candidate(
            interview,
            now=timezone.now(),
            reason_kind=form.cleaned_data["reason_kind"],
            note=form.cleaned_data["note"],
            via=interview_status.Via.RECRUITER,
            actor=_actor(request),
        )
        text = CANCELLATION_MESSAGES[outcome.result].format(
            company=interview.submission.role.company.name,
            hours=AgencySettings.load().cancellation_notice_hours,
        )
        messages.add_message(request, messages.SUCCESS if outcome.cancelled else messages.INFO, text)
        return redirect("hiring:interview-detail", pk=pk)
    return render(request, "hiring/interview_cancel.html", {"interview": interview, "form": form})


def interview_company_change(request: HttpRequest, pk: int) -> HttpResponse:
    """ "The company cancelled or moved this round": never on the candidate's record; the candidate gets the
    calendar cancellation, or the update (confirm again if they had confirmed)."""
    interview = _get_interview(pk)
    form = CompanyChangeForm(request.POST or None, interview=interview)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = interviews.record_company_change(
                interview,
                change=data["change"],
                reason=data["reason"],
                actor=_actor(request),
                now=timezone.now(),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                time_zone=data["time_zone"] or None,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            for note in form.ambiguity_notes:
                messages.warning(request, note)
            name = interview.submission.candidate.name
            if changed.status == Interview.Status.CANCELLED_BY_COMPANY:
                text = (
                    f"Round {changed.round} cancelled by the company. {name} gets the calendar cancellation."
                )
            else:
                text = f"Round {changed.round} moved. {name} gets the updated invite" + (
                    " and is asked to confirm the new time."
                    if changed.status == Interview.Status.SCHEDULED
                    else "."
                )
            messages.success(request, text)
            return redirect("hiring:interview-detail", pk=pk)
    return render(request, "hiring/interview_company_change.html", {"interview": interview, "form": form})


def interview_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a wrongly recorded outcome (attended, no-show, the kind of cancellation), with a reason."""
    interview = _get_interview(pk)
    form = CorrectOutcomeForm(request.POST or None, interview=interview)
    if request.method == "POST" and form.is_valid():
        try:
            correction = interview_status.correct_interview_outcome(
                interview,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                actor=_actor(request),
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Corrected to “{correction.interview.get_status_display()}”. The reliability record and "
                "the planned follow-ups follow the correction.",
            )
            return redirect("hiring:interview-detail", pk=pk)
    return render(request, "hiring/interview_correct.html", {"interview": interview, "form": form})


def interview_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The interview's calendar invite as the candidate gets it (a cancelled one as METHOD:CANCEL)."""
    interview = _get_interview(pk)
    cancelled = interview.status in Interview.CANCELLED_STATUSES
    method: InviteMethod = "CANCEL" if cancelled else "REQUEST"
    organizer = interview.submission.responsible_recruiter or _actor(request)
    body = build_invite(interview, method=method, cancel_link=None, organizer=organizer)
    response = HttpResponse(body, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="{invite_filename(interview)}"'
    return response


def candidate_events(request: HttpRequest, pk: int) -> HttpResponse:
    """A candidate's timeline, optionally one kind of Event: the events behind a reliability figure."""
    candidate = get_object_or_404(Candidate, pk=pk)
    form = CandidateEventsFilterForm(request.GET or None, kinds=KIND_LABELS)
    kind = form.cleaned_data.get("kind") if form.is_bound and form.is_valid() else ""
    events = _timeline(candidate=candidate)
    if kind:
        events = events.filter(kind=kind)
    return render(
        request,
        "hiring/candidate_events.html",
        {
            "candidate": candidate,
            "form": form,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind or "", ""),
            "page": _page(request, events),
        },
    )
