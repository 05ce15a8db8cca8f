"""The responsiveness record of a company and its hiring managers, and the events behind each number."""

from __future__ import annotations

from datetime import timedelta

import pytest

from candidly.followups import responsiveness
from candidly.followups.cadences import plan_follow_up_cadences
from candidly.followups.models import Task
from candidly.followups.responses import Verdict, record_response
from candidly.followups.responsiveness import responsiveness_record
from candidly.hiring.models import Interview
from tests.factories import CompanyFactory, ContactFactory, InterviewFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(clock):
    """Acme with two hiring managers; three interviews with Hannah and one with Omar, all planned."""
    company = CompanyFactory(name="Acme Robotics")
    hannah = ContactFactory(company=company, name="Hannah Manager")
    omar = ContactFactory(company=company, name="Omar Other")
    interviews = []
    for manager, hours_ago in ((hannah, 1), (hannah, 1), (hannah, 1), (omar, 1)):
        role = RoleFactory(company=company, hiring_manager=manager)
        interview = InterviewFactory(
            submission__role=role,
            starts_at=clock.now - timedelta(hours=hours_ago + 1),
            ends_at=clock.now - timedelta(hours=hours_ago),
        )
        plan_follow_up_cadences(interview)
        interviews.append(interview)
    return company, hannah, omar, interviews


def test_responsiveness_record_counts_answers_timing_waiting_and_escalations(
    acme, clock, make_worker, smtp_sink
):
    company, hannah, omar, (quick, late, _waiting, _omars) = acme
    clock.advance(timedelta(hours=2))  # 3 hours after the end
    record_response(
        person=hannah, interview=quick, channel="form", answers=Verdict("advance"), received_at=clock.now
    )
    clock.advance(timedelta(days=2))  # Thursday: past the window; the escalations come
    make_worker(batch_size=100).run_batch()
    record_response(
        person=hannah, interview=late, channel="form", answers=Verdict("reject"), received_at=clock.now
    )

    record = responsiveness_record(company=company)
    hannahs = responsiveness_record(contact=hannah)

    assert Task.objects.filter(kind=Task.Kind.CHASE_COMPANY).count() == 3  # late, waiting and Omar's
    assert (record.awaiting, record.responses, record.within_window, record.escalations) == (2, 2, 1, 3)
    # 3 h and 51 h after the end: median 27 h
    assert (record.median_hours_display, record.share_within_display) == ("27.0 h", "50 % (1 of 2)")
    assert (hannahs.awaiting, hannahs.responses, hannahs.escalations) == (1, 2, 2)
    assert responsiveness_record(contact=omar).share_within_display == "—"


def test_responsiveness_record_leaves_out_no_shows_and_ended_processes(acme, clock):
    company, _hannah, _omar, (first, second, _third, _omars) = acme
    Interview.objects.filter(pk=first.pk).update(status=Interview.Status.NO_SHOW)
    second.submission.__class__.objects.filter(pk=second.submission_id).update(
        stage="rejected", end_reason="company_declined", ended_at=clock.now
    )

    record = responsiveness_record(company=company)

    assert record.awaiting == 2  # the third and Omar's


def test_company_page_shows_the_record_and_each_number_links_to_its_events(acme, clock, recruiter_client):
    company, hannah, _omar, (quick, late, waiting, omars) = acme
    record_response(
        person=hannah, interview=quick, channel="form", answers=Verdict("hold"), received_at=clock.now
    )

    page = recruiter_client.get(f"/companies/{company.pk}/").content.decode()
    awaiting = recruiter_client.get(f"/companies/{company.pk}/responsiveness/?figure=awaiting")
    answers = recruiter_client.get(f"/contacts/{hannah.pk}/responsiveness/?figure=responses")

    assert "Responsiveness record" in page
    assert f'href="/companies/{company.pk}/responsiveness/?figure=awaiting"' in page
    assert f'href="/companies/{company.pk}/responsiveness/?figure=escalations"' in page
    assert "100 % (1 of 1)" in page
    assert sorted(event.interview_id for event in awaiting.context["page"]) == sorted(
        [late.pk, waiting.pk, omars.pk]
    )
    assert [(e.kind, e.interview_id) for e in answers.context["page"]] == [
        ("followup.manager_responded", quick.pk)
    ]
    contact_page = recruiter_client.get(f"/contacts/{hannah.pk}/").content.decode()
    assert f'href="/contacts/{hannah.pk}/responsiveness/?figure=responses"' in contact_page


def test_responsiveness_events_page_refuses_an_unknown_figure(acme, recruiter_client):
    company = acme[0]

    response = recruiter_client.get(f"/companies/{company.pk}/responsiveness/?figure=secrets")

    assert response.status_code == 404


def test_awaiting_feedback_leaves_with_a_rejected_process_and_comes_back_when_it_reopens(
    acme, recruiter_client
):
    company, _hannah, _omar, (first, second, third, omars) = acme
    awaiting_url = f"/companies/{company.pk}/responsiveness/?figure=awaiting"
    stage_url = f"/submissions/{second.submission_id}/stage/"

    recruiter_client.post(stage_url, {"stage": "rejected", "reason": "company_declined"})
    while_ended = sorted(event.interview_id for event in recruiter_client.get(awaiting_url).context["page"])
    recruiter_client.post(stage_url, {"stage": "interviewing", "reason": ""})
    reopened = sorted(event.interview_id for event in recruiter_client.get(awaiting_url).context["page"])

    assert while_ended == sorted([first.pk, third.pk, omars.pk])
    assert reopened == sorted([first.pk, second.pk, third.pk, omars.pk])
    assert responsiveness_record(company=company).awaiting == 4


@pytest.mark.parametrize(("counted", "shown"), [(4, "4"), (3, "3+")])
def test_awaiting_feedback_is_counted_up_to_a_bound_and_shown_with_a_plus_beyond(
    acme, recruiter_client, monkeypatch, counted, shown
):
    # Four requests awaiting an answer (see the test above); the page counts them up to AWAITING_COUNTED.
    monkeypatch.setattr(responsiveness, "AWAITING_COUNTED", counted)
    company = acme[0]

    record = responsiveness_record(company=company)
    page = recruiter_client.get(f"/companies/{company.pk}/").content.decode()

    assert record.awaiting_display == shown
    assert f'aria-label="Awaiting feedback: {shown}, see the requests">{shown}</a>' in page


def test_record_median_takes_only_times_of_zero_or_more_but_counts_every_answer(clock):
    """Old or hand-made Events may carry no usable time: the median skips them (on PostgreSQL the database
    takes it, elsewhere Python: the same answer), the counts do not."""
    from candidly.timeline.kinds import EventKind
    from candidly.timeline.services import record_event

    company = CompanyFactory(name="Odd Data Ltd")
    manager = ContactFactory(company=company, name="Mona Manager")
    times = [3600, 7200, 36000, "soon", -60, True, None, 10800]
    for seconds in times:
        record_event(
            kind=EventKind.FOLLOWUP_MANAGER_RESPONDED,
            summary="Feedback came",
            company=company,
            contact=manager,
            data={"response_seconds": seconds, "within_window": seconds == 3600},
        )

    record = responsiveness_record(contact=manager)

    # Usable: 1 h, 2 h, 3 h, 10 h -> the mean of the two middle ones, 2.5 h.
    assert (record.responses, record.within_window, record.median_hours_display) == (8, 1, "2.5 h")
    assert responsiveness_record(company=company).median_seconds == 9000
