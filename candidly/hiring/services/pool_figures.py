"""The figures the talent pool filters on, stored on the candidate row (``Candidate.last_ended_stage`` etc.).

Computed for each candidate at read time they cost the pool seconds at a million candidates (every row's
subqueries, until a page of 50 matched); stored, a filtered page is read in name order from an index.
They are copies, recomputed from their sources (the candidate's submissions and interview-outcome Events)
by this one function, which every writer of those sources calls in its transaction: stage changes
(``submissions.move_submission``, so rejections, withdrawals and placements), new submissions, the
withdrawal's "open to other roles" answer, interview outcomes and their corrections, and the bulk loaders.
Recomputing (rather than adding and subtracting) keeps a copy right whatever the order of the writes.
The time-dependent *watch* label is not stored: the pool reads it from the Events of the window.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from candidly.hiring.models import Submission
from candidly.hiring.reliability import outcomes_of
from candidly.lib.db import count_of
from candidly.people.models import Candidate


@transaction.atomic
def refresh_pool_figures(candidate_ids: Iterable[int] | None) -> int:
    """Recompute the stored pool figures of ``candidate_ids`` (None: every candidate, for loaders that
    insert in bulk), in the caller's transaction: the rows locked, then one UPDATE; returns the rows
    written."""
    latest = Submission.objects.filter(candidate=OuterRef("pk"), ended_at__isnull=False).order_by(
        "-ended_at", "-pk"
    )
    rows = Candidate.objects.all()
    if candidate_ids is not None:
        ids = sorted(set(candidate_ids))
        # Lock the rows first: the UPDATE's subqueries then read with a snapshot taken after any other
        # transaction changing this candidate's processes committed (read committed), never before it.
        list(Candidate.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        rows = rows.filter(pk__in=ids)
    return rows.update(
        last_ended_stage=Coalesce(Subquery(latest.values("stage")[:1]), Value("")),
        last_open_to_other_roles=Subquery(latest.values("open_to_other_roles")[:1]),
        open_processes=count_of(
            Submission.objects.filter(candidate=OuterRef("pk"), stage__in=Submission.OPEN_STAGES), "candidate"
        ),
        interview_outcomes=outcomes_of(candidate=OuterRef("pk")),
    )
