""" "Download CSV" for the list pages: the page's own query for its current filter, every row, streamed.

Each export calls the same filter function as its list page, reads the rows in chunks (``iterator``), and
streams CSV lines made safe for spreadsheets (``lib.csvcells``), so memory stays bounded whatever the count.
Candidates, companies and contacts are written in the columns the import reads (``dataio.rows.COLUMNS``):
an export imports back as it was. Times are ISO 8601 in the viewer's zone, with the offset.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidly.dataio.rows import COLUMNS
from candidly.hiring import queries as hiring_queries
from candidly.hiring import views as hiring_views
from candidly.hiring.forms import InterviewFilterForm, RoleFilterForm, SubmissionFilterForm
from candidly.hiring.models import Interview, Role, Submission
from candidly.lib.csvcells import csv_lines
from candidly.lib.text import search_terms
from candidly.people import queries as people_queries
from candidly.people.models import Candidate, Company, Contact

CHUNK = 500


def _stream(name: str, header: Iterable[str], rows: Iterator[list[Any]]) -> StreamingHttpResponse:
    # The BOM tells Excel the file is UTF-8 (it guesses the local code page otherwise); our import skips it.
    lines = itertools.chain(["\ufeff"], csv_lines(itertools.chain([list(header)], rows)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def _rows(queryset: QuerySet[Any], row: Callable[[Any], list[Any]]) -> Iterator[list[Any]]:
    for obj in queryset.iterator(chunk_size=CHUNK):
        yield row(obj)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""


def _q(request: HttpRequest) -> str:
    return search_terms(request.GET.get("q"))


# --- people: the import's columns -----------------------------------------------------------------------


def _company_row(company: Company) -> list[Any]:
    return [company.name, company.website, company.country, company.time_zone, company.notes]


def _contact_row(contact: Contact) -> list[Any]:
    return [
        contact.company.name,
        contact.name,
        contact.email,
        contact.title,
        contact.phone,
        contact.time_zone,
        contact.is_hiring_manager,
    ]


def _candidate_row(candidate: Candidate) -> list[Any]:
    return [
        candidate.name,
        candidate.email,
        candidate.phone,
        candidate.time_zone,
        candidate.country,
        candidate.preferred_channel,
        candidate.recruiter.username if candidate.recruiter else "",
        ", ".join(tag.name for tag in candidate.role_tags.all()),
        candidate.locations,
        candidate.remote,
        candidate.min_compensation,
        candidate.currency,
        candidate.notes,
        candidate.consent_at is not None,
        candidate.unsubscribed_at is not None,
    ]


@require_safe
def companies_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = _rows(hiring_queries.search_companies(_q(request)), _company_row)
    return _stream("companies", COLUMNS["companies"].all, rows)


@require_safe
def contacts_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = _rows(people_queries.search_contacts(_q(request)), _contact_row)
    return _stream("contacts", COLUMNS["contacts"].all, rows)


@require_safe
def candidates_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = _rows(hiring_queries.search_candidates(_q(request)), _candidate_row)
    return _stream("candidates", COLUMNS["candidates"].all, rows)


# --- hiring lists: what the page shows ------------------------------------------------------------------


def _filters(form_class: type[Any], request: HttpRequest) -> dict[str, Any]:
    return hiring_views._filters(form_class, request)[1]


@require_safe
def roles_csv(request: HttpRequest) -> StreamingHttpResponse:
    def row(role: Role) -> list[Any]:
        return [
            role.company.name,
            role.title,
            role.get_status_display(),
            role.hiring_manager.name,
            role.location,
            role.get_workplace_display(),
            role.open_submissions,  # type: ignore[attr-defined]
            _when(role.created_at),
        ]

    header = [
        "company",
        "title",
        "status",
        "hiring_manager",
        "location",
        "workplace",
        "open_submissions",
        "created_at",
    ]
    return _stream(
        "roles", header, _rows(hiring_views.filtered_roles(_filters(RoleFilterForm, request)), row)
    )


@require_safe
def submissions_csv(request: HttpRequest) -> StreamingHttpResponse:
    def row(submission: Submission) -> list[Any]:
        return [
            submission.candidate.name,
            submission.candidate.email,
            submission.role.title,
            submission.role.company.name,
            submission.get_stage_display(),
            submission.get_end_reason_display() if submission.end_reason else "",
            _when(submission.created_at),
            _when(submission.ended_at),
        ]

    header = [
        "candidate",
        "candidate_email",
        "role",
        "company",
        "stage",
        "end_reason",
        "created_at",
        "ended_at",
    ]
    queryset = hiring_views.filtered_submissions(_filters(SubmissionFilterForm, request))
    return _stream("submissions", header, _rows(queryset, row))


@require_safe
def interviews_csv(request: HttpRequest) -> StreamingHttpResponse:
    def row(interview: Interview) -> list[Any]:
        submission = interview.submission
        return [
            _when(interview.starts_at),
            _when(interview.ends_at),
            interview.time_zone,
            submission.candidate.name,
            submission.role.title,
            submission.role.company.name,
            interview.round,
            interview.get_format_display(),
            interview.get_status_display(),
            ", ".join(contact.name for contact in interview.interviewers.all()),
        ]

    header = [
        "starts_at",
        "ends_at",
        "time_zone",
        "candidate",
        "role",
        "company",
        "round",
        "format",
        "status",
        "interviewers",
    ]
    filters = _filters(InterviewFilterForm, request)
    viewer = request.user.pk
    assert viewer is not None  # LoginRequiredMiddleware has turned anonymous visitors away
    queryset = hiring_views.filtered_interviews(filters, now=timezone.now(), viewer_pk=viewer)
    return _stream("interviews", header, _rows(queryset, row))
