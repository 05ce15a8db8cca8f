"""The public feedback pages: the candidate's three questions and the hiring manager's verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Feedback, Task, Touchpoint
from candidly.hiring.models import Interview
from candidly.messaging.links import issue_link
from candidly.messaging.models import Link
from candidly.timeline.models import Event
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

Status = Touchpoint.Status


@pytest.fixture
def interview(clock) -> Interview:
    interview = InterviewFactory(
        starts_at=clock.now - timedelta(hours=2),
        ends_at=clock.now - timedelta(hours=1),
        submission__candidate__name="Cara Candidate",
        submission__role__title="Backend Engineer",
        submission__role__company__name="Acme Robotics",
        submission__role__hiring_manager__name="Hannah Manager",
    )
    plan_follow_up_cadences(interview)
    return interview


def candidate_url(interview: Interview, **options) -> str:
    token = issue_link(
        Link.Purpose.FEEDBACK, candidate=interview.submission.candidate, interview=interview, **options
    )
    return f"/l/feedback/{token}/"


def manager_url(interview: Interview) -> str:
    token = issue_link(
        Link.Purpose.FEEDBACK, contact=interview.submission.role.hiring_manager, interview=interview
    )
    return f"/l/feedback/{token}/"


ANSWERS = {"enjoyment": "4", "difference": "a_little", "difference_note": "More travel", "excitement": "yes"}


def test_feedback_page_get_asks_the_three_questions_and_changes_nothing(interview):
    url = candidate_url(interview)
    events_before = Event.objects.count()

    response = Client().get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<legend>Did you enjoy the interview?</legend>" in page
    assert "<legend>Was the role or team different from what you expected?</legend>" in page
    assert "<legend>Are you still excited to move forward?</legend>" in page
    assert "<legend>I'd rather talk</legend>" in page and "Call me instead" in page
    assert "Only your recruiter sees your answers, never Acme Robotics." in page
    assert response["Referrer-Policy"] == "same-origin"
    assert (Feedback.objects.count(), Event.objects.count()) == (0, events_before)
    assert set(Touchpoint.objects.values_list("status", flat=True)) == {Status.PLANNED}


def test_feedback_page_answers_are_a_response_that_stops_the_candidates_cadence(interview):
    response = Client().post(candidate_url(interview), ANSWERS)

    assert response.status_code == 200
    assert "Your recruiter will be in touch about next steps." in response.content.decode()
    feedback = Feedback.objects.get()
    assert (
        feedback.enjoyment,
        feedback.difference,
        feedback.difference_note,
        feedback.excitement,
        feedback.channel,
    ) == (
        4,
        "a_little",
        "More travel",
        "yes",
        "form",
    )
    candidate_rows = Touchpoint.objects.filter(candidate__isnull=False)
    assert set(candidate_rows.values_list("status", "skip_reason")) == {
        (Status.SKIPPED, "answered the feedback form")
    }
    assert set(Touchpoint.objects.filter(contact__isnull=False).values_list("status", flat=True)) == {
        Status.PLANNED
    }


def test_feedback_page_missing_answers_are_refused_per_field_keeping_what_was_typed(interview):
    response = Client().post(candidate_url(interview), {"enjoyment": "5", "difference_note": "Smaller team"})

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "difference": ["Please choose one (or tick “call me” below)."],
        "excitement": ["Please choose one (or tick “call me” below)."],
    }
    page = response.content.decode()
    assert 'value="5" id="id_enjoyment_4" checked' in page.replace("required ", "")
    assert "Smaller team</textarea>" in page
    assert Feedback.objects.count() == 0
    assert set(Touchpoint.objects.values_list("status", flat=True)) == {Status.PLANNED}


def test_feedback_page_call_me_alone_is_enough_and_queues_an_urgent_call(interview, clock):
    response = Client().post(candidate_url(interview), {"call_me": "on", "call_window": "morning"})

    assert response.status_code == 200
    assert "We'll call you (morning, 9:00 to 12:00, your time)." in response.content.decode()
    task = Task.objects.get(urgent=True)
    assert (task.kind, task.candidate) == (Task.Kind.CALL, interview.submission.candidate)


def test_feedback_page_shows_saved_answers_and_takes_a_correction(interview):
    url = candidate_url(interview)
    Client().post(url, ANSWERS)

    page = Client().get(url).content.decode()
    corrected = Client().post(url, {**ANSWERS, "excitement": "not_sure"})

    assert "You answered on" in page
    assert 'value="a_little" id="id_difference_1" checked' in page.replace("required ", "")
    assert "Your answers are updated." in corrected.content.decode()
    assert Feedback.objects.get().excitement == "not_sure"
    assert Event.objects.filter(kind="followup.responded").count() == 1


def test_feedback_page_same_answers_again_write_no_correction(interview):
    # Issue 10, hole 3: a form sent twice (a double tap, a reload) is not a correction.
    url = candidate_url(interview)

    first = Client().post(url, ANSWERS)
    again = Client().post(url, ANSWERS)

    assert (first.status_code, again.status_code) == (200, 200)
    assert "Got it." in again.content.decode()
    assert list(Event.objects.filter(kind__startswith="feedback.").values_list("kind", flat=True)) == [
        "feedback.given"
    ]


def test_manager_page_same_verdict_again_writes_no_correction(interview):
    url = manager_url(interview)

    Client().post(url, {"verdict": "advance", "notes": "Strong"})
    Client().post(url, {"verdict": "advance", "notes": "Strong"})

    assert list(Event.objects.filter(kind__startswith="feedback.").values_list("kind", flat=True)) == [
        "feedback.given"
    ]
    assert Task.objects.filter(kind=Task.Kind.RELAY_VERDICT).count() == 1


def test_feedback_page_no_leads_into_the_withdrawal_page(interview):
    response = Client().post(candidate_url(interview), {**ANSWERS, "excitement": "no"})

    page = response.content.decode()
    assert "Step out of the Backend Engineer process" in page
    withdraw_url = response.context["withdraw_url"]
    assert withdraw_url.startswith("http://") and "/l/withdraw/" in withdraw_url
    withdraw_page = Client().get(withdraw_url[withdraw_url.index("/l/") :])
    assert withdraw_page.status_code == 200
    link = Link.objects.get(purpose=Link.Purpose.WITHDRAW)
    assert (link.candidate, link.submission) == (interview.submission.candidate, interview.submission)
    assert (
        Task.objects.get().title == "Cara Candidate is not keen to go on with Acme Robotics: talk it through"
    )


def test_feedback_page_im_out_button_redirects_to_its_withdraw_link(interview):
    response = Client().post(candidate_url(interview), {"action": "withdraw"})

    assert response.status_code == 303
    assert "/l/withdraw/" in response["Location"]
    assert Feedback.objects.count() == 0


def test_feedback_page_im_out_posted_again_reuses_its_withdraw_link(interview):
    # Issue 10, hole 3: every POST used to mint a new link row, without limit.
    url = candidate_url(interview)

    locations = [Client().post(url, {"action": "withdraw"})["Location"] for _ in range(3)]
    answered_no = Client().post(url, {**ANSWERS, "excitement": "no"}).context["withdraw_url"]

    assert len(set(locations)) == 1
    assert answered_no == locations[0]
    assert Link.objects.filter(purpose=Link.Purpose.WITHDRAW).count() == 1
    assert Client().get(locations[0][locations[0].index("/l/") :]).status_code == 200


def test_feedback_page_unknown_and_expired_links_reveal_nothing(interview, clock):
    expired = candidate_url(interview, max_age=timedelta(days=1))
    clock.advance(timedelta(days=2))

    unknown = Client().get("/l/feedback/aaaaaaaaaaaaaaaaaaaaaaaaaa/")
    gone = Client().get(expired)

    assert (unknown.status_code, gone.status_code) == (404, 410)
    for response in (unknown, gone):
        assert "Cara" not in response.content.decode()
        assert "Acme" not in response.content.decode()


def test_feedback_page_of_a_cancelled_interview_is_gone(interview):
    url = candidate_url(interview)
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.CANCELLED_WITH_NOTICE)

    response = Client().post(url, ANSWERS)

    assert response.status_code == 410
    assert Feedback.objects.count() == 0


# --- the hiring manager's page -----------------------------------------------------------------------


def test_manager_page_asks_for_a_verdict_and_never_shows_the_candidates_answers(interview):
    Client().post(candidate_url(interview), {**ANSWERS, "difference_note": "Salary lower than advertised"})

    response = Client().get(manager_url(interview))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Your feedback on Cara Candidate</h1>" in page
    assert "<legend>Your verdict</legend>" in page
    assert "The candidate did not attend" in page
    assert "Salary lower" not in page and "More travel" not in page


def test_manager_page_verdict_stops_their_cadence_and_tasks_the_recruiter(interview):
    response = Client().post(manager_url(interview), {"verdict": "reject", "notes": "Not enough Go."})

    assert response.status_code == 200
    assert "Got it: not moving forward." in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.contact, feedback.verdict, feedback.notes) == (
        interview.submission.role.hiring_manager,
        "reject",
        "Not enough Go.",
    )
    assert set(Touchpoint.objects.filter(contact__isnull=False).values_list("status", flat=True)) == {
        Status.SKIPPED
    }
    assert list(Task.objects.values_list("kind", flat=True)) == [Task.Kind.RELAY_VERDICT]


def test_manager_page_without_a_verdict_is_refused(interview):
    response = Client().post(manager_url(interview), {"notes": "Hmm"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"verdict": ["Please choose one."]}
    assert "Hmm</textarea>" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_manager_page_did_not_attend_is_final(interview):
    url = manager_url(interview)
    Client().post(url, {"verdict": "did_not_attend"})

    page = Client().get(url).content.decode()
    again = Client().post(url, {"verdict": "advance"})

    interview.refresh_from_db()
    assert interview.status == Interview.Status.NO_SHOW
    assert "did not attend; we recorded it" in page
    assert again.status_code == 200
    assert Feedback.objects.get().verdict == "did_not_attend"


def test_the_three_questions_page_runs_two_queries_whatever_the_guessing(
    interview, django_assert_num_queries
):
    # One query finds the link with everything the page shows and counts the address's recent bad tokens
    # (the rate limit), one reads the saved answers. Bad tokens from the address do not add any.
    url = candidate_url(interview)
    for _ in range(3):
        assert Client().get("/l/feedback/aaaaaaaaaaaaaaaaaaaaaaaaaa/").status_code == 404

    with django_assert_num_queries(2):
        response = Client().get(url)

    assert response.status_code == 200


def test_the_three_questions_page_still_refuses_an_address_over_the_bad_token_limit(interview):
    from candidly.messaging.links import BAD_TOKEN_LIMIT

    url = candidate_url(interview)
    for _ in range(BAD_TOKEN_LIMIT):
        Client().get("/l/feedback/aaaaaaaaaaaaaaaaaaaaaaaaaa/")

    assert Client().get(url).status_code == 429
