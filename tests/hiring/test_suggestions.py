"""Better-suited roles: explainable ranking, what is never suggested, the email and "I'm interested"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from candidly.followups.models import Task
from candidly.hiring.endings.withdraw import withdraw_submission
from candidly.hiring.models import Role, RoleSuggestion, Submission
from candidly.hiring.suggestions import suggest_roles
from candidly.people.models import Candidate
from candidly.timeline.models import Event
from tests.banner import BANNER_QUERIES
from tests.factories import CompanyFactory, RoleFactory, SubmissionFactory, TagFactory
from tests.hiring.endings_support import (
    NOW,
    frozen_clock_and_links,  # noqa: F401 (an autouse fixture)
    link_in,
    make_world,
)

pytestmark = pytest.mark.django_db


def open_role(company, title, *, tags=("python",), location="London", workplace="hybrid", top=80000, **extra):
    role = RoleFactory(
        company=company,
        title=title,
        location=location,
        workplace=workplace,
        compensation_min=min(top, 50000) if top else None,
        compensation_max=top,
        **extra,
    )
    role.tags.set([TagFactory(name=name) for name in tags])
    return role


def ranked(candidate) -> list[tuple[str, int]]:
    return [(s.role.title, s.score) for s in suggest_roles(Candidate.objects.get(pk=candidate.pk)).items]


def withdraw(world, reason, **kwargs):
    withdraw_submission(world.submission, reason=reason, via="email", now=NOW, **kwargs)


def test_suggestions_explain_every_point():
    world = make_world()
    Candidate.objects.filter(pk=world.cara.pk).update(remote="hybrid")
    globex = CompanyFactory(name="Globex")
    open_role(globex, "Platform Engineer", tags=("python", "backend"), top=90000)
    world.cara.role_tags.add(TagFactory(name="backend"))

    [suggestion] = suggest_roles(Candidate.objects.get(pk=world.cara.pk)).items

    assert [str(reason) for reason in suggestion.reasons] == [
        "+4 Matches their tags: backend, python",
        "+2 In London, one of their locations",
        "+2 Hybrid, as they prefer",
        "+1 Pays up to 90,000 EUR, at or above their minimum of 60,000 EUR",
    ]
    assert suggestion.score == 9


def test_suggestions_never_a_past_role_a_closed_role_or_one_below_their_minimum():
    world = make_world()
    globex = CompanyFactory(name="Globex")
    open_role(globex, "Fits")
    open_role(globex, "Closed", status=Role.Status.CLOSED)
    open_role(globex, "Filled", status=Role.Status.FILLED)
    open_role(globex, "Underpaid", top=55000)
    went_through = open_role(globex, "Went through before")
    SubmissionFactory(
        candidate=world.cara,
        role=went_through,
        stage="rejected",
        ended_at=NOW - timedelta(days=90),
        end_reason="other",
    )

    assert ranked(world.cara) == [("Fits", 5)]


def test_suggestions_after_compensation_rank_better_pay_first():
    world = make_world()
    globex = CompanyFactory(name="Globex")
    open_role(globex, "Same pay", top=80000)
    open_role(globex, "Better pay", top=100000)
    withdraw(world, Submission.EndReason.COMPENSATION)

    items = suggest_roles(Candidate.objects.get(pk=world.cara.pk)).items

    assert [(s.role.title, s.score) for s in items] == [("Better pay", 8), ("Same pay", 3)]
    assert str(items[0].reasons[-1]) == (
        "+3 Pays more than Backend Engineer (up to 100,000 EUR vs up to 80,000 EUR)"
    )
    assert (
        str(items[1].reasons[-1])
        == "-2 Does not pay more than Backend Engineer, and pay was why they left it"
    )


def test_suggestions_after_location_rank_remote_first():
    world = make_world()
    globex = CompanyFactory(name="Globex")
    open_role(globex, "Also in London", location="London")
    open_role(globex, "Remote", location="Berlin", workplace="remote")
    withdraw(world, Submission.EndReason.LOCATION)

    assert ranked(world.cara) == [("Remote", 6), ("Also in London", 3)]


def test_suggestions_after_team_or_culture_never_the_same_company():
    world = make_world()
    open_role(world.acme, "Great fit at Acme", tags=("python", "backend"), top=120000)
    open_role(CompanyFactory(name="Globex"), "Elsewhere")
    withdraw(world, Submission.EndReason.TEAM_CULTURE)

    assert ranked(world.cara) == [("Elsewhere", 5)]


def test_suggestions_after_role_different_prefer_other_companies_and_written_descriptions():
    world = make_world()
    open_role(world.acme, "Acme again")
    open_role(CompanyFactory(name="Globex"), "Described", description="Python services for logistics.")
    open_role(CompanyFactory(name="Initech"), "Undescribed")
    withdraw(world, Submission.EndReason.ROLE_DIFFERENT)

    assert ranked(world.cara) == [("Described", 6), ("Undescribed", 5), ("Acme again", 3)]


def test_suggestions_after_a_slow_process_prefer_other_companies():
    world = make_world()
    open_role(world.acme, "Acme again")
    open_role(CompanyFactory(name="Globex"), "Globex")
    withdraw(world, Submission.EndReason.PROCESS_SLOW)

    assert ranked(world.cara) == [("Globex", 5), ("Acme again", 3)]


def test_suggestions_after_another_offer_hold_back_unless_they_are_open():
    world = make_world()
    open_role(CompanyFactory(name="Globex"), "Globex")
    withdraw(world, Submission.EndReason.OTHER_OFFER)

    held = suggest_roles(Candidate.objects.get(pk=world.cara.pk))
    Submission.objects.filter(pk=world.submission.pk).update(open_to_other_roles=True)

    assert (held.items, held.held_back) == (
        [],
        "They accepted another offer; suggest roles once they say they are looking again.",
    )
    assert ranked(world.cara) == [("Globex", 5)]


@pytest.mark.parametrize("reason", [Submission.EndReason.PERSONAL, Submission.EndReason.OTHER])
def test_suggestions_after_personal_or_other_reasons_rank_by_fit_alone(reason):
    world = make_world()
    open_role(world.acme, "Acme again", tags=("python", "backend"))
    open_role(CompanyFactory(name="Globex"), "Globex")
    withdraw(world, reason)

    items = suggest_roles(Candidate.objects.get(pk=world.cara.pk)).items

    assert [(s.role.title, s.score) for s in items] == [("Acme again", 5), ("Globex", 5)]
    assert [str(r) for r in items[0].reasons] == [
        "+2 Matches their tags: python",
        "+2 In London, one of their locations",
        "+1 Pays up to 80,000 EUR, at or above their minimum of 60,000 EUR",
    ]


def test_suggestions_after_the_company_declined_lower_that_company():
    from candidly.hiring.endings.reject import reject_submission

    world = make_world()
    open_role(world.acme, "Acme again")
    open_role(CompanyFactory(name="Globex"), "Globex")
    reject_submission(world.submission, actor=world.rita, now=NOW)

    assert ranked(world.cara) == [("Globex", 5), ("Acme again", 4)]


def test_suggestions_none_when_not_open_to_other_roles_or_placed():
    world = make_world()
    open_role(CompanyFactory(name="Globex"), "Globex")
    withdraw(world, Submission.EndReason.PERSONAL, open_to_other_roles=False)
    placed = make_world_placed(world)

    not_open = suggest_roles(Candidate.objects.get(pk=world.cara.pk))
    after_placement = suggest_roles(Candidate.objects.get(pk=placed.pk))

    assert (not_open.items, not_open.held_back) == ([], "They said they are not open to other roles.")
    assert (after_placement.items, after_placement.held_back) == (
        [],
        "They were placed; suggest roles once they say they are looking again.",
    )


def make_world_placed(world):
    from tests.factories import CandidateFactory

    dora = CandidateFactory(name="Dora", email="dora@mail.test", locations="London", recruiter=world.rita)
    dora.role_tags.set([TagFactory(name="python")])
    SubmissionFactory(candidate=dora, stage="placed", ended_at=NOW, end_reason="hired")
    return dora


# --- the candidate page, the email and "I'm interested" ------------------------------------------------


def test_candidate_page_shows_suggestions_with_their_reasons():
    world = make_world()
    open_role(CompanyFactory(name="Globex"), "Data Engineer", workplace="remote", location="", top=100000)
    withdraw(world, Submission.EndReason.LOCATION)
    client = Client()
    client.force_login(world.rita)

    response = client.get(reverse("people:candidate-detail", args=[world.cara.pk]))

    html = response.content.decode()
    assert [s.role.title for s in response.context["suggestions"].items] == ["Data Engineer"]
    assert "Ranked away from why Backend Engineer at Acme Robotics ended: location or remote." in html
    assert "<li>+3 Remote: location was why they left Backend Engineer</li>" in html
    assert "Send roles you might like" in html


def test_send_roles_you_might_like_arrives_with_working_links(smtp_sink):
    world = make_world()
    globex = CompanyFactory(name="Globex")
    data = open_role(globex, "Data Engineer", workplace="remote", location="", top=100000)
    platform = open_role(globex, "Platform Engineer", location="London", top=90000)
    withdraw(world, Submission.EndReason.LOCATION)
    client = Client()
    client.force_login(world.rita)
    candidate_page = reverse("people:candidate-detail", args=[world.cara.pk])

    response = client.post(
        reverse("hiring:suggestions-send", args=[world.cara.pk]),
        {"role": [str(data.pk), str(platform.pk)], "next": candidate_page},
    )

    assert (response.status_code, response.url) == (302, candidate_page)
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ["cara@mail.test"]
    assert mail.subject == "2 roles you might like"
    assert mail.header("From") == "Rita Recruiter via Candidly <candidly@localhost>"
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    text = mail.body("plain").replace("\r\n", "\n")
    assert "Thanks again for being straight with us about Backend Engineer at Acme Robotics." in text
    assert "- Data Engineer at Globex\n  Remote · 50,000 to 100,000 EUR\n" in text
    assert "Call me: +44 20 7946 0958 (tel:+442079460958)" in text
    first = link_in(text, "/l/role/")
    assert first in mail.body("html")
    rows = list(RoleSuggestion.objects.order_by("pk").values_list("role__title", "sent_at", "suggested_by"))
    assert rows == [("Data Engineer", NOW, world.rita.pk), ("Platform Engineer", NOW, world.rita.pk)]
    assert Event.objects.filter(kind="candidate.roles_suggested").get().summary == (
        "Emailed 2 roles they might like: Data Engineer at Globex, Platform Engineer at Globex"
    )

    # The candidate opens the first role and says they are interested (twice: one task).
    public = Client()
    page = public.get(first)
    interested = public.post(first)
    again = public.post(first)

    assert page.status_code == 200
    assert "Data Engineer" in page.content.decode() and "I'm interested" in page.content.decode()
    assert (interested.status_code, again.status_code) == (200, 200)
    assert "Great, we'll call you" in interested.content.decode()
    tasks = list(Task.objects.filter(kind="call").values_list("title", "assigned_to__username", "candidate"))
    assert tasks == [("Call Cara Candidate: interested in Data Engineer at Globex", "rita", world.cara.pk)]
    interest = Event.objects.get(kind="role.interest_expressed")
    assert (interest.actor_type, interest.candidate_id, interest.company_id) == (
        "candidate",
        world.cara.pk,
        globex.pk,
    )


def test_send_roles_refused_for_an_unsubscribed_candidate(smtp_sink):
    world = make_world()
    open_role(CompanyFactory(name="Globex"), "Globex")
    Candidate.objects.filter(pk=world.cara.pk).update(unsubscribed_at=NOW)
    client = Client()
    client.force_login(world.rita)

    response = client.post(reverse("hiring:suggestions-send", args=[world.cara.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "They unsubscribed from our emails: call them about these roles instead."
    ]
    assert smtp_sink.received == []
    assert RoleSuggestion.objects.count() == 0


def test_send_roles_when_the_mail_server_is_down_marks_nothing_sent(smtp_sink):
    world = make_world()
    open_role(CompanyFactory(name="Globex"), "Globex")
    smtp_sink.stop()
    client = Client()
    client.force_login(world.rita)

    response = client.post(reverse("hiring:suggestions-send", args=[world.cara.pk]), follow=True)

    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("The email could not be sent (")
    assert list(RoleSuggestion.objects.values_list("sent_at", flat=True)) == [None]
    assert list(Event.objects.values_list("kind", flat=True)) == ["candidate.roles_suggestion_failed"]


def test_role_page_of_a_role_closed_since_refuses_interest(smtp_sink):
    world = make_world()
    role = open_role(CompanyFactory(name="Globex"), "Globex role")
    client = Client()
    client.force_login(world.rita)
    client.post(reverse("hiring:suggestions-send", args=[world.cara.pk]))
    url = link_in(smtp_sink.received[0].body("plain"), "/l/role/")
    Role.objects.filter(pk=role.pk).update(status=Role.Status.FILLED)

    page = Client().get(url)
    refused = Client().post(url)

    assert page.status_code == 200
    assert "This role is no longer open." in page.content.decode()
    assert refused.status_code == 410
    assert Task.objects.count() == 0
    assert not Event.objects.filter(kind="role.interest_expressed").exists()


def test_role_page_with_a_bad_token_shows_nothing():
    response = Client().get(f"/l/role/{'b' * 26}/")

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()


@pytest.mark.parametrize("roles", [1, 5])
def test_candidate_page_query_count_is_constant_with_suggestions(django_assert_num_queries, roles):
    world = make_world()
    for n in range(roles):
        open_role(CompanyFactory(name=f"Company {n}"), f"Role {n}", tags=("python", f"tag-{n}"))
    client = Client()
    client.force_login(world.rita)
    # session, user, candidate+recruiter, tags, submissions, interviews, reliability, open roles, their tags,
    # feedback (the answers about interviews), events
    with django_assert_num_queries(12 + BANNER_QUERIES):
        response = client.get(reverse("people:candidate-detail", args=[world.cara.pk]))

    assert len(response.context["suggestions"].items) == roles
