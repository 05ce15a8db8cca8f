"""The six reports' read models: each turns one :class:`Scope` into tables (and the charts of their numbers).

Every number is a count of rows the services wrote, read by what the records already count, never by a
second definition:

- interview outcomes, no-shows, late cancellations and "gone quiet" are the Event kinds the candidate's
  reliability record counts (``hiring.reliability``); escalations and the feedback window are the hiring
  manager's responsiveness record (``followups.responsiveness``); response times are the
  ``response_seconds`` of ``followup.responded`` / ``followup.manager_responded`` (``followups.responses``);
- Events are read by kind and ``occurred_at`` (the ``(kind, occurred_at)`` index), grouped into local weeks or
  months by the database; a page runs a fixed number of queries whatever the range or the data size.

Each builder documents its queries. None writes anything or fails on an empty period (rows of zeros, "—").
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.fields.json import KT
from django.urls import reverse

from candidly.accounts.models import User
from candidly.followups.cadences import AUDIENCE_KINDS
from candidly.followups.models import Cadence, Feedback, Task, Touchpoint
from candidly.followups.responsiveness import overdue_runs
from candidly.hiring.models import RoleSuggestion, Submission
from candidly.hiring.queries import responsible_recruiter_id
from candidly.reports import facts, figures
from candidly.reports.figures import AnswerTimes
from candidly.reports.figures import person as _person
from candidly.reports.scope import Scope
from candidly.reports.tables import (
    NONE,
    Cell,
    Chart,
    Report,
    Table,
    count,
    one_decimal,
    per_hundred,
    percent,
    text,
    whole,
)
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

OUTCOME_KINDS = facts.OUTCOME_KINDS
# Rows of the ranked tables (worst first): a page, not a dump.
RANKED_LIMIT = 20
COMMENTS_LIMIT = 50


def _events(scope: Scope, kinds: Iterable[str]) -> Q:
    return (
        Q(kind__in=list(kinds), submission__isnull=False)
        & scope.during("occurred_at")
        & scope.processes("submission__")
    )


def _median_hours(seconds: list[float]) -> float | None:
    return statistics.median(seconds) / 3600 if seconds else None


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None


# --- 1. Ghosting, both sides, over time ---------------------------------------------------------------------

GHOSTING_COLUMNS = [
    ("late", "Late cancellations", EventKind.INTERVIEW_LATE_CANCELLATION),
    ("no_show", "No-shows", EventKind.INTERVIEW_NO_SHOW),
    ("quiet", "Gone quiet", EventKind.SUBMISSION_GONE_QUIET),
    ("overdue", "Overdue feedback", ""),
    ("escalated", "Escalations", EventKind.FOLLOWUP_ESCALATED),
]


def _ghosting_counts(scope: Scope, *, now: datetime) -> tuple[dict[date, Counter[str]], dict[str, int]]:
    """Read from the records: counts per period by kind (and ``overdue``), and the endings. Three queries."""
    kinds = [kind for _, _, kind in GHOSTING_COLUMNS if kind]
    counted = (
        Event.objects.filter(_events(scope, [*OUTCOME_KINDS, *kinds]))
        .annotate(
            period=scope.truncate("occurred_at"),
            counted_kind=Case(
                When(kind__in=OUTCOME_KINDS, then=facts.outcome_kind()),
                default=F("kind"),
                output_field=CharField(),
            ),
        )
        .values_list("period", "counted_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_period: dict[date, Counter[str]] = defaultdict(Counter)
    for period, kind, n in counted:
        by_period[scope.period_of(period)][kind] += n
    overdue = (
        overdue_runs(now=now)
        .filter(scope.during("respond_by"), scope.processes("interview__submission__"))
        .annotate(period=scope.truncate("respond_by"))
        .values_list("period")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for period, n in overdue:
        by_period[scope.period_of(period)]["overdue"] += n
    ended = facts.with_missed(
        Submission.objects.filter(scope.during("ended_at"), scope.processes())
    ).aggregate(ended=Count("pk"), silent=Count("pk", filter=facts.silent_ending()))
    return by_period, ended


def ghosting(scope: Scope, *, now: datetime, rolled: bool = False) -> Report:
    """Candidates' late cancellations, no-shows and "gone quiet", and companies' overdue feedback and
    escalations, per 100 interviews with an outcome, per period; and how the processes that ended in the
    range ended: with an explicit answer, or in silence. Three queries; one from the rollup (``rolled``).

    - interviews: ``interview.completed``, ``.no_show``, ``.late_cancellation``, ``.cancelled_with_notice``
      Events in the period (a round called off by the company is not one);
    - overdue feedback: hiring managers' feedback windows that ended in the period without an answer in time
      (``responsiveness.overdue_runs``), counted in the period the window ended;
    - ended in silence: the process ended while the candidate was flagged gone quiet, or after a no-show;
      every other ending (withdrawn, declined, placed) was somebody's explicit answer.
    """
    by_period, ended = figures.ghosting_counts(scope) if rolled else _ghosting_counts(scope, now=now)
    columns = ["Period", "Interviews"]
    for _, label, _ in GHOSTING_COLUMNS:
        columns += [label, f"{label} per 100 interviews"]
    table = Table("ghosting", "Ghosting per period, both sides", columns)
    table.chart_labels = [scope.short_label(period) for period in scope.periods()]
    totals: Counter[str] = Counter()
    for period in scope.periods():
        found = by_period.get(period, Counter())
        interviews = sum(found[kind] for kind in OUTCOME_KINDS)
        row = [text(scope.label(period)), count(interviews)]
        totals["interviews"] += interviews
        for key, _, kind in GHOSTING_COLUMNS:
            n = found[kind or key]
            totals[key] += n
            row += [count(n), per_hundred(n, interviews)]
        table.rows.append(row)
    table.total = [text("Whole range"), count(totals["interviews"])]
    for key, _, _ in GHOSTING_COLUMNS:
        table.total += [count(totals[key]), per_hundred(totals[key], totals["interviews"])]

    explicit = ended["ended"] - ended["silent"]
    endings = Table(
        "endings", "How the processes that ended in this range ended", ["Ending", "Processes", "Share"]
    )
    endings.rows = [
        [text("With an explicit answer"), count(explicit), percent(explicit, ended["ended"])],
        [text("In silence"), count(ended["silent"]), percent(ended["silent"], ended["ended"])],
    ]
    endings.total = [text("All endings"), count(ended["ended"]), percent(ended["ended"], ended["ended"])]
    if ended["ended"]:
        headline = (
            f"{explicit} of {ended['ended']} processes that ended in this range ended with an explicit "
            "answer "
            f"({endings.rows[0][2].text}); {ended['silent']} ended in silence."
        )
    else:
        headline = "No process ended in this range."
    rates = [f"{label} per 100 interviews" for _, label, _ in GHOSTING_COLUMNS]
    return Report(
        slug="ghosting",
        title="Ghosting, both sides",
        summary="Who went dark, per 100 interviews: candidates (late cancellations, no-shows, gone quiet) "
        "and companies (overdue feedback, escalations).",
        headline=[headline],
        charts=[
            Chart(
                "chart-ghosting",
                "line",
                "Ghosting per 100 interviews",
                "Per period: candidates' late cancellations, no-shows and gone quiet, and companies' overdue "
                "feedback and escalations, each per 100 interviews. The table below has the same numbers.",
                table,
                rates,
                names=[label for _, label, _ in GHOSTING_COLUMNS],
                y_title="per 100",
            )
        ],
        tables=[table, endings],
        notes=[
            "Interviews: rounds that took place, were missed or were cancelled by the candidate in the "
            "period. An outcome corrected later counts as corrected, in the period it was first recorded.",
            "Overdue feedback: a hiring manager's feedback window ended without their answer (counted in the "
            "period the window ended). Escalations: the cadence's last step came with no feedback yet.",
            "Ended in silence: the candidate had gone quiet or did not show up; every other ending was "
            "somebody's explicit answer (a withdrawal, the company's decision, a placement).",
        ],
    )


# --- 2. Time to answer -------------------------------------------------------------------------------------


def _ranked(rows: dict[int, dict[str, object]]) -> list[dict[str, object]]:
    """Worst first: who went quiet without ever answering, then the slowest median, then most escalations."""

    return sorted(rows.values(), key=lambda row: (*figures.ranking_numbers(row), str(row["name"])))[
        :RANKED_LIMIT
    ]


def _answer_times(scope: Scope) -> AnswerTimes:
    """Read from the records: every response time in the range, medians taken in Python. One query."""
    kinds = [EventKind.FOLLOWUP_RESPONDED, EventKind.FOLLOWUP_MANAGER_RESPONDED, EventKind.FOLLOWUP_ESCALATED]
    rows = (
        Event.objects.filter(_events(scope, kinds))
        .annotate(period=scope.truncate("occurred_at"))
        .values_list(
            "period",
            "kind",
            "data__response_seconds",
            "data__within_window",
            "contact_id",
            "contact__name",
            "company_id",
            "company__name",
        )
        .order_by()
    )
    candidate_times: dict[date, list[float]] = defaultdict(list)
    manager_times: dict[date, list[float]] = defaultdict(list)
    people: dict[str, dict[int, dict[str, object]]] = {"contact": {}, "company": {}}
    times: dict[tuple[str, int], list[float]] = defaultdict(list)
    for period, kind, seconds, within, contact_id, contact_name, company_id, company_name in rows:
        bucket = scope.period_of(period)
        value = _seconds(seconds)
        if kind == EventKind.FOLLOWUP_RESPONDED:
            if value is not None:
                candidate_times[bucket].append(value)
            continue
        if kind == EventKind.FOLLOWUP_MANAGER_RESPONDED and value is not None:
            manager_times[bucket].append(value)
        for about, pk, name in (("contact", contact_id, contact_name), ("company", company_id, company_name)):
            if pk is None:
                continue
            row = people[about].setdefault(pk, _person(pk, name, company_name, company_id))
            if kind == EventKind.FOLLOWUP_ESCALATED:
                row["escalations"] = int(row["escalations"]) + 1  # type: ignore[call-overload]
                continue
            row["answers"] = int(row["answers"]) + 1  # type: ignore[call-overload]
            row["within"] = int(row["within"]) + (within is True)  # type: ignore[call-overload]
            if value is not None:
                times[(about, pk)].append(value)
    for about, found in people.items():
        for pk, row in found.items():
            row["median"] = _median_hours(times[(about, pk)])

    def summary(values: list[float]) -> tuple[int, float | None]:
        return len(values), _median_hours(values)

    return AnswerTimes(
        candidates={period: summary(values) for period, values in candidate_times.items()},
        managers={period: summary(values) for period, values in manager_times.items()},
        candidates_total=summary([value for values in candidate_times.values() for value in values]),
        managers_total=summary([value for values in manager_times.values() for value in values]),
        people=people,
    )


def time_to_answer(scope: Scope, *, now: datetime, rolled: bool = False) -> Report:
    """Candidates' median time to respond after an interview and hiring managers' median time to feedback,
    per period; and the managers and companies side by side (feedback given, median, share within the
    window, escalations), worst first, each linking to its responsiveness record. One query from the
    records; from the rollup (``rolled``), see ``figures.answer_times``.

    Times are ``response_seconds`` (from the interview's end to the first response), counted in the period
    the response came.
    """
    found = figures.answer_times(scope, shown=RANKED_LIMIT) if rolled else _answer_times(scope)
    people = found.people
    over_time = Table(
        "time-to-answer",
        "Median time to answer after an interview, per period",
        [
            "Period",
            "Candidates' responses",
            "Candidates' median hours",
            "Managers' feedback",
            "Managers' median hours",
        ],
    )
    over_time.chart_labels = [scope.short_label(period) for period in scope.periods()]
    for period in scope.periods():
        mine = found.candidates.get(period, (0, None))
        theirs = found.managers.get(period, (0, None))
        over_time.rows.append(
            [
                text(scope.label(period)),
                count(mine[0]),
                one_decimal(mine[1]),
                count(theirs[0]),
                one_decimal(theirs[1]),
            ]
        )
    over_time.total = [
        text("Whole range"),
        count(found.candidates_total[0]),
        one_decimal(found.candidates_total[1]),
        count(found.managers_total[0]),
        one_decimal(found.managers_total[1]),
    ]

    ranking_columns = ["Feedback given", "Median hours to feedback", "Within the window", "Escalations"]
    managers = Table(
        "managers",
        f"Hiring managers, slowest first (at most {RANKED_LIMIT})",
        ["Hiring manager", "Company", *ranking_columns],
    )
    for row in _ranked(people["contact"]):
        managers.rows.append(
            [
                text(str(row["name"]), reverse("people:contact-detail", args=[row["pk"]])),
                text(str(row["company"] or NONE)),
                *_ranking_cells(row),
            ]
        )
    companies = Table(
        "companies", f"Companies, slowest first (at most {RANKED_LIMIT})", ["Company", *ranking_columns]
    )
    for row in _ranked(people["company"]):
        companies.rows.append(
            [text(str(row["name"]), reverse("people:company-detail", args=[row["pk"]])), *_ranking_cells(row)]
        )
    headline = []
    if found.candidates_total[0] or found.managers_total[0]:
        headline.append(
            f"Candidates answered in a median of {over_time.total[2].text} h after an interview; hiring "
            f"managers gave feedback in a median of {over_time.total[4].text} h."
        )
    return Report(
        slug="time-to-answer",
        title="Time to answer",
        summary="How long candidates take to respond after an interview, and hiring managers to give "
        "feedback; the slowest managers and companies first.",
        headline=headline,
        charts=[
            Chart(
                "chart-time-to-answer",
                "line",
                "Median hours to answer after an interview",
                "Per period: the candidates' median hours from the interview's end to their first "
                "response, and "
                "the hiring managers' median hours to feedback. The table below has the same numbers.",
                over_time,
                ["Candidates' median hours", "Managers' median hours"],
                names=["Candidates", "Hiring managers"],
                y_title="hours",
            )
        ],
        tables=[over_time, managers, companies],
        notes=[
            "Hours run from the interview's end to the person's first response (a form, a reply, a call that "
            "reached them). Within the window: feedback inside the hiring manager cadence's window.",
            "Escalations: the cadence's last step came with no feedback yet; someone with escalations and no "
            "feedback in the range is listed first.",
        ],
    )


def _ranking_cells(row: dict[str, object]) -> list[Cell]:
    answers = int(row["answers"])  # type: ignore[call-overload]
    median = row["median"]
    return [
        count(answers),
        one_decimal(median if isinstance(median, float) else None),
        percent(int(row["within"]), answers),  # type: ignore[call-overload]
        count(int(row["escalations"])),  # type: ignore[call-overload]
    ]


# --- 3. Which follow-up works ------------------------------------------------------------------------------

AUDIENCE_LABELS: dict[str, str] = {
    Cadence.Audience.CANDIDATE: "Candidates",
    Cadence.Audience.HIRING_MANAGER: "Hiring managers",
}
RESPONSE_KINDS = {
    EventKind.FOLLOWUP_RESPONDED: Cadence.Audience.CANDIDATE,
    EventKind.FOLLOWUP_MANAGER_RESPONDED: Cadence.Audience.HIRING_MANAGER,
}
BEFORE_ANY_STEP = "Before any follow-up"


def _response_steps(scope: Scope) -> list[tuple[str, str | None, str | None, int]]:
    return list(
        Event.objects.filter(_events(scope, RESPONSE_KINDS))
        .values_list("kind", KT("data__after_step"), KT("data__channel"))
        .annotate(n=Count("pk"))
        .order_by()
    )


def follow_up_steps(scope: Scope, *, now: datetime, rolled: bool = False) -> Report:
    """For each cadence step, the share of its audience's responses it drew (the last step performed before
    the response: ``after_step`` on the response Event), and the responses by channel. One query."""
    rows = figures.response_steps(scope) if rolled else _response_steps(scope)
    steps: Counter[tuple[str, str]] = Counter()
    channels: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for kind, step, channel, n in rows:
        side = str(RESPONSE_KINDS[EventKind(kind)])
        steps[(side, step or "")] += n
        channels[(side, channel or "")] += n
        totals[side] += n

    table = Table(
        "steps",
        "Responses drawn by each cadence step",
        ["Step", "Responses drawn", "Share of the audience's responses"],
    )
    for audience, kinds in AUDIENCE_KINDS.items():
        for kind in ("", *kinds):
            label = BEFORE_ANY_STEP if not kind else str(Touchpoint.Kind(kind).label)
            n = steps[(audience, kind)]
            table.rows.append(
                [text(f"{AUDIENCE_LABELS[audience]}: {label}"), count(n), percent(n, totals[audience])]
            )
    table.total = [
        text("All responses"),
        count(sum(totals.values())),
        percent(sum(totals.values()), sum(totals.values())),
    ]

    by_channel = Table(
        "channels",
        "Responses by channel",
        ["Channel", "Candidates' responses", "Managers' responses", "Share of all responses"],
    )
    everyone = sum(totals.values())
    for value, label in Feedback.Channel.choices:
        mine = channels[(Cadence.Audience.CANDIDATE, value)]
        theirs = channels[(Cadence.Audience.HIRING_MANAGER, value)]
        by_channel.rows.append(
            [text(str(label)), count(mine), count(theirs), percent(mine + theirs, everyone)]
        )
    by_channel.total = [
        text("All channels"),
        count(totals[Cadence.Audience.CANDIDATE]),
        count(totals[Cadence.Audience.HIRING_MANAGER]),
        percent(everyone, everyone),
    ]
    headline = []
    if everyone:
        best = max(table.rows, key=lambda row: row[1].value or 0.0)
        headline.append(f"The step that drew the most responses: {best[0].text} ({best[1].text}).")
    return Report(
        slug="follow-ups",
        title="Which follow-up works",
        summary="Which cadence step a response came after, and by which channel: evidence to tune the "
        "cadences.",
        headline=headline,
        charts=[
            Chart(
                "chart-steps",
                "hbar",
                "Share of responses drawn by each step",
                "For each cadence step, the share of its audience's responses that came after it "
                "(candidates' "
                "and hiring managers' steps separately). The table below has the same numbers.",
                table,
                ["Share of the audience's responses"],
                names=["Share of responses (%)"],
            ),
            Chart(
                "chart-channels",
                "bar",
                "Responses by channel",
                "How many responses came by feedback form, phone, email reply and SMS reply, for "
                "candidates and "
                "hiring managers. The table below has the same numbers.",
                by_channel,
                ["Candidates' responses", "Managers' responses"],
                names=["Candidates", "Hiring managers"],
            ),
        ],
        tables=[table, by_channel],
        notes=[
            "A response is credited to the last step performed before it: the message sent, the call made or "
            "the task handed to the recruiter. “Before any follow-up”: they answered before the first step.",
        ],
    )


# --- 4. Candidate experience (cNPS) ------------------------------------------------------------------------


def _nps(scores: Counter[int]) -> tuple[int, int, int, int, float | None]:
    answers = sum(scores.values())
    promoters = sum(n for score, n in scores.items() if score >= 9)
    detractors = sum(n for score, n in scores.items() if score <= 6)
    passives = answers - promoters - detractors
    nps = 100 * (promoters - detractors) / answers if answers else None
    return answers, promoters, passives, detractors, nps


NPS_COLUMNS = ["Answers", "Promoters (9-10)", "Passives (7-8)", "Detractors (0-6)", "cNPS"]


def _nps_cells(scores: Counter[int]) -> list[Cell]:
    answers, promoters, passives, detractors, nps = _nps(scores)
    return [count(answers), count(promoters), count(passives), count(detractors), whole(nps)]


def _scores(answers: QuerySet[Feedback], scope: Scope) -> list[tuple[date, int | None, int, int]]:
    return list(
        answers.annotate(
            period=scope.truncate("created_at"),
            desk=responsible_recruiter_id(prefix="interview__submission__"),
        )
        .values_list("period", "desk", "recommend_score")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _per_period_and_desk(
    rows: Iterable[tuple[date, int | None, int, int]],
) -> list[tuple[date | None, int | None, int, int]]:
    """(period, desk, score, n) as ``figures.scores`` gives them: a row per period (no desk) and a row per
    desk (no period)."""
    split: list[tuple[date | None, int | None, int, int]] = []
    for period, desk, score, n in rows:
        split += [(period, None, score, n), (None, desk, score, n)]
    return split


def experience(scope: Scope, *, now: datetime, users: dict[int, User], rolled: bool = False) -> Report:
    """The candidate experience score: cNPS (% promoters, 9-10, minus % detractors, 0-6) of the optional
    "would you recommend us?" answers given in the range, per period and per recruiter, and the comments
    candidates wrote with their score (newest first, at most ``COMMENTS_LIMIT``). Two queries; three from the
    rollup."""
    answers = Feedback.objects.filter(
        scope.during("created_at"),
        scope.processes("interview__submission__"),
        candidate__isnull=False,
        recommend_score__isnull=False,
    )
    rows = figures.scores(scope) if rolled else _per_period_and_desk(_scores(answers, scope))
    by_period: dict[date, Counter[int]] = defaultdict(Counter)
    by_desk: dict[int | None, Counter[int]] = defaultdict(Counter)
    everything: Counter[int] = Counter()
    for period, desk, score, n in rows:
        if period is not None:
            by_period[scope.period_of(period)][score] += n
            everything[score] += n
        else:
            by_desk[desk][score] += n
    over_time = Table("cnps", "Candidate experience score (cNPS) per period", ["Period", *NPS_COLUMNS])
    over_time.chart_labels = [scope.short_label(period) for period in scope.periods()]
    for period in scope.periods():
        over_time.rows.append([text(scope.label(period)), *_nps_cells(by_period.get(period, Counter()))])
    over_time.total = [text("Whole range"), *_nps_cells(everything)]
    desks = Table("recruiters", "Candidate experience score per recruiter", ["Recruiter", *NPS_COLUMNS])
    named = sorted(by_desk, key=lambda pk: (pk is None, str(users.get(pk, "")) if pk else ""))
    for pk in named:
        name = str(users[pk]) if pk in users else "Nobody assigned"
        desks.rows.append([text(name), *_nps_cells(by_desk[pk])])
    desks.total = [text("All recruiters"), *_nps_cells(everything)]

    newest = answers.exclude(recommend_comment="")
    if rolled:
        newest = Feedback.objects.filter(pk__in=figures.comment_ids(scope, COMMENTS_LIMIT))
    shared = newest.select_related("interview__submission__role__company").order_by("-created_at", "-pk")[
        :COMMENTS_LIMIT
    ]
    comments = Table(
        "comments",
        f"What candidates told us with their score (newest {COMMENTS_LIMIT})",
        ["Given on", "Score", "Interview", "Comment"],
    )
    for feedback in shared:
        role = feedback.interview.submission.role
        comments.rows.append(
            [
                text(f"{feedback.created_at.astimezone(scope.zone):%d %b %Y}"),
                count(int(feedback.recommend_score or 0)),
                text(
                    f"Round {feedback.interview.round}, {role.title} at {role.company.name}",
                    reverse("hiring:interview-detail", args=[feedback.interview_id]),
                ),
                text(feedback.recommend_comment),
            ]
        )
    total = over_time.total
    headline = (
        [
            f"cNPS {total[5].text} from {total[1].text} answers ({total[2].text} promoters, "
            f"{total[4].text} detractors)."
        ]
        if sum(everything.values())
        else ["No candidate answered the recommendation question in this range."]
    )
    return Report(
        slug="experience",
        title="Candidate experience score",
        summary="How likely candidates are to recommend working with the agency (0-10, asked after every "
        "interview, optional): cNPS over time and per recruiter, with what they chose to tell us.",
        headline=headline,
        charts=[
            Chart(
                "chart-cnps",
                "line",
                "Candidate experience score (cNPS) per period",
                "Per period, the share of promoters (9 or 10) minus the share of detractors (0 to 6), "
                "from -100 "
                "to 100. The table below has the same numbers.",
                over_time,
                ["cNPS"],
                y_title="cNPS",
            )
        ],
        tables=[over_time, desks, comments],
        notes=[
            "cNPS: % of answers 9-10 minus % of answers 0-6, rounded; counted when the answer was first "
            "given.",
            "Comments are the candidates' own words, written next to the question, which says the agency "
            "reads them; the company never sees them.",
        ],
    )


# --- 5. Withdrawals and where they went --------------------------------------------------------------------


def _withdrawals(scope: Scope) -> list[tuple[str, int, int, int, int, int]]:
    suggested = RoleSuggestion.objects.filter(after_submission=OuterRef("pk"), sent_at__isnull=False)
    placed = RoleSuggestion.objects.filter(
        after_submission=OuterRef("pk"),
        role__submissions__candidate=OuterRef("candidate"),
        role__submissions__stage=Submission.Stage.PLACED,
    )
    return list(
        Submission.objects.filter(
            scope.during("ended_at"), scope.processes(), stage=Submission.Stage.WITHDRAWN
        )
        .annotate(
            was_suggested=Exists(suggested),
            was_interested=Exists(suggested.filter(interested_at__isnull=False)),
            was_placed=Exists(placed),
        )
        .values_list("end_reason")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(open_to_other_roles=True)),
            sent=Count("pk", filter=Q(was_suggested=True)),
            interested=Count("pk", filter=Q(was_interested=True)),
            placed=Count("pk", filter=Q(was_placed=True)),
        )
        .order_by()
    )


def withdrawals(scope: Scope, *, now: datetime, rolled: bool = False) -> Report:
    """Withdrawals that happened in the range by reason, and where those candidates went: open to other
    roles, sent better-suited roles (``RoleSuggestion`` after that process), interested, and placed in one of
    the suggested roles. One query."""
    rows = figures.withdrawals(scope) if rolled else _withdrawals(scope)
    found = sorted(rows, key=lambda row: (-row[1], str(Submission.EndReason(row[0]).label)))
    columns = [
        "Reason",
        "Withdrawals",
        "Open to other roles",
        "Sent better-suited roles",
        "Interested",
        "Placed in a suggested role",
    ]
    table = Table("withdrawals", "Withdrawals by reason, and where the candidates went", columns)
    totals = [0, 0, 0, 0, 0]
    for reason, *numbers in found:
        table.rows.append([text(str(Submission.EndReason(reason).label)), *(count(n) for n in numbers)])
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
    table.total = [text("All reasons"), *(count(n) for n in totals)]
    headline = (
        [
            f"{totals[0]} candidates withdrew; {totals[2]} were sent better-suited roles and "
            f"{totals[4]} were "
            f"later placed in one of them ({percent(totals[4], totals[0]).text} of withdrawals)."
        ]
        if totals[0]
        else ["Nobody withdrew in this range."]
    )
    return Report(
        slug="withdrawals",
        title="Withdrawals and where they went",
        summary="Why candidates stepped out, and how many were later placed in a better-suited role "
        "through the suggestions.",
        headline=headline,
        charts=[
            Chart(
                "chart-withdrawals",
                "hbar",
                "Withdrawals by reason and placements that followed",
                "For each reason candidates gave for withdrawing: how many withdrew, and how many of "
                "them were "
                "later placed in a role suggested to them. The table below has the same numbers.",
                table,
                ["Withdrawals", "Placed in a suggested role"],
            )
        ],
        tables=[table],
        notes=[
            "Counted when the withdrawal happened. Sent better-suited roles: a suggestions email went "
            "out after "
            "that process; placed: their submission to one of those roles ended as placed.",
        ],
    )


# --- 6. The desk today (admins) ----------------------------------------------------------------------------


def _open_processes(scope: Scope) -> list[tuple[int | None, int, int]]:
    return list(
        Submission.objects.filter(scope.processes(), stage__in=Submission.OPEN_STAGES)
        .annotate(desk=responsible_recruiter_id())
        .values_list("desk")
        .annotate(n=Count("pk"), quiet=Count("pk", filter=Q(gone_quiet_at__isnull=False)))
        .order_by()
    )


def desk_today(scope: Scope, *, now: datetime, users: dict[int, User], rolled: bool = False) -> Report:
    """Per recruiter, now: open processes (and how many are flagged gone quiet), open tasks, overdue tasks
    and calls not made (call tasks past their due time). The date range does not apply. Two queries."""
    processes = figures.open_processes(scope) if rolled else _open_processes(scope)
    tasks = Task.objects.filter(status=Task.Status.OPEN)
    if scope.processes():
        tasks = tasks.filter(scope.processes("submission__"))
    task_rows = (
        tasks.values_list("assigned_to")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            calls=Count("pk", filter=Q(due_at__lt=now, kind=Task.Kind.CALL)),
        )
        .order_by()
    )
    desks: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for desk, n, quiet in processes:
        desks[desk][0:2] = [n, quiet]
    for desk, n, overdue, calls in task_rows:
        desks[desk][2:5] = [n, overdue, calls]
    shown = [pk for pk in users if scope.recruiter is None or pk == scope.recruiter.pk]
    order = sorted(shown, key=lambda pk: str(users[pk])) + ([None] if None in desks else [])
    columns = ["Recruiter", "Open processes", "Gone quiet", "Open tasks", "Overdue tasks", "Calls not made"]
    table = Table("desk", "The desk today, per recruiter", columns)
    totals = [0, 0, 0, 0, 0]
    for pk in order:
        numbers = desks.get(pk, [0, 0, 0, 0, 0])
        table.rows.append(
            [text(str(users[pk]) if pk is not None else "Nobody assigned"), *(count(n) for n in numbers)]
        )
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
    table.total = [text("Everyone"), *(count(n) for n in totals)]
    return Report(
        slug="desk",
        title="The desk today",
        summary="Where each recruiter stands right now: open processes, overdue tasks, calls not made.",
        headline=[
            f"{totals[0]} open processes; {totals[3]} overdue tasks, of which {totals[4]} are calls not made."
        ],
        charts=[
            Chart(
                "chart-desk",
                "bar",
                "The desk today, per recruiter",
                "For each recruiter: open processes, overdue tasks and calls not made, now. The table "
                "below has "
                "the same numbers.",
                table,
                ["Open processes", "Overdue tasks", "Calls not made"],
            )
        ],
        tables=[table],
        notes=[
            "Now, whatever the date range. Overdue: an open task past its due time. Calls not made: "
            "open call "
            "tasks past their due time. Gone quiet: open processes whose candidate is flagged gone quiet.",
        ],
    )
