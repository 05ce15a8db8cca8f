"""The public feedback pages behind ``/l/feedback/<token>/`` (signed links from the follow-up emails).

One link purpose, two pages: a candidate's link asks the three questions, a hiring manager's link asks for a
verdict. GET only renders (mail scanners fetch every link) and shows the saved answers, so a person can
correct them while the link lives; POST records the response. Neither page ever shows the other side's
answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from candidly.followups.forms import ThreeQuestionsForm, VerdictForm
from candidly.followups.models import Feedback
from candidly.followups.responses import record_response
from candidly.followups.responsiveness import FIGURE_LABELS, figure_events
from candidly.hiring.endings.withdraw import Via
from candidly.hiring.public_withdrawal import withdraw_url
from candidly.lib.paging import window
from candidly.messaging.models import Link
from candidly.messaging.public import page_context, public_link
from candidly.people.models import Company, Contact

WITHDRAW = "withdraw"


@require_http_methods(["GET", "HEAD", "POST"])
@public_link(Link.Purpose.FEEDBACK)
def feedback(request: HttpRequest, link: Link, now: datetime) -> HttpResponse:
    """Dispatch on whose link it is: the candidate's three questions or the hiring manager's verdict."""
    if link.contact is not None:
        return _manager_page(request, link)
    return _candidate_page(request, link)


def _withdraw_url(link: Link) -> str | None:
    """The withdraw link this feedback link offers (issued on the first POST, the same one after), or None
    once the process ended."""
    interview = link.interview
    assert interview is not None and link.candidate is not None
    submission = interview.submission
    if not submission.is_open:
        return None
    return withdraw_url(link.candidate, submission, source=Via.FEEDBACK, offered_by=link)


def _candidate_page(request: HttpRequest, link: Link) -> HttpResponse:
    interview, candidate = link.interview, link.candidate
    assert interview is not None and candidate is not None
    saved = Feedback.objects.filter(interview=interview, candidate=candidate).first()
    if request.method == "POST" and request.POST.get("action") == WITHDRAW:
        # "I'm out" from the form: one click into the withdrawal page, with a link made for this.
        url = _withdraw_url(link)
        if url is not None:
            return HttpResponseRedirect(url, status=303)
    form = ThreeQuestionsForm(
        request.POST if request.method == "POST" else None, initial=ThreeQuestionsForm.initial_from(saved)
    )
    context: dict[str, Any] = page_context(link, form=form, saved=saved)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        result = record_response(
            person=candidate,
            interview=interview,
            channel=Feedback.Channel.FORM,
            answers=answers,
            received_at=timezone.now(),
        )
        context.update(
            feedback=result.feedback,
            corrected=result.corrected,
            withdraw_url=_withdraw_url(link) if answers.is_out else None,
        )
        return render(request, "followups/feedback_done.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "followups/feedback_form.html", context, status=status)


def _manager_page(request: HttpRequest, link: Link) -> HttpResponse:
    interview, contact = link.interview, link.contact
    assert interview is not None and contact is not None
    saved = Feedback.objects.filter(interview=interview, contact=contact).first()
    # "Did not attend" marked the interview a no-show: the record is append-only, so it cannot be
    # corrected from the link (the page says whom to call instead).
    final = saved is not None and saved.verdict == Feedback.Verdict.DID_NOT_ATTEND
    initial = {"verdict": saved.verdict, "notes": saved.notes} if saved else {}
    form = VerdictForm(request.POST if request.method == "POST" and not final else None, initial=initial)
    context: dict[str, Any] = page_context(
        link, form=form, saved=saved, final=final, candidate=interview.submission.candidate
    )
    if request.method == "POST" and not final and form.is_valid():
        result = record_response(
            person=contact,
            interview=interview,
            channel=Feedback.Channel.FORM,
            answers=form.verdict_answer(),
            received_at=timezone.now(),
        )
        context.update(feedback=result.feedback, corrected=result.corrected)
        return render(request, "followups/manager_feedback_done.html", context)
    status = 400 if request.method == "POST" and not final else 200
    return render(request, "followups/manager_feedback_form.html", context, status=status)


# --- recruiters: the events behind a responsiveness figure -------------------------------------------------


def responsiveness_events(request: HttpRequest, about: str, pk: int) -> HttpResponse:
    """``/companies/<pk>/responsiveness/?figure=…`` and the same for contacts (login required)."""
    company = get_object_or_404(Company, pk=pk) if about == "company" else None
    contact = None
    if about == "contact":
        contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    figure = request.GET.get("figure", "")
    if figure not in FIGURE_LABELS:
        raise Http404("No such figure.")
    events = figure_events(figure, company=company, contact=contact)
    page = window(events, request.GET, size=50)
    context = {"company": company, "contact": contact, "figure_label": FIGURE_LABELS[figure], "page": page}
    return render(request, "followups/responsiveness_events.html", context)
