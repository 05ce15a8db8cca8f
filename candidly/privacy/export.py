"""A person's data, for them (GDPR art. 15 and 20): one ZIP of everything we hold about a candidate.

``data.json`` is complete and machine-readable (profile, consent, submissions with their interviews and
feedback, tasks about them, messages with their text, replies, role suggestions, the timeline);
``summary.html`` is the same for a person to read. The candidate page and the API call
:func:`build_export`; each call writes a ``candidate.exported`` Event, which the audit trail lists.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone

from candidly.accounts.models import User
from candidly.followups.models import Feedback, Task, Touchpoint
from candidly.hiring.models import Interview, RoleSuggestion, Submission
from candidly.messaging.emails import RenderError, render_email
from candidly.messaging.models import InboundEmail, InboxMessage
from candidly.messaging.sms import render_sms
from candidly.people.models import Candidate
from candidly.privacy.models import KeptRecord
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

FORMAT_VERSION = 1
CANDIDATE_FIELDS = (
    "id",
    "name",
    "email",
    "phone",
    "time_zone",
    "country",
    "preferred_channel",
    "locations",
    "remote",
    "min_compensation",
    "currency",
    "notes",
    "unsubscribed_at",
    "sms_opted_out_at",
    "messages_paused_until",
    "erased_at",
    "created_at",
    "updated_at",
)


def filename(candidate: Candidate, *, now: datetime) -> str:
    return f"candidate-{candidate.pk}-data-{now:%Y-%m-%d}.zip"


def build_export(candidate: Candidate, actor: User) -> bytes:
    """The ZIP (``data.json`` + ``summary.html``) of everything held about ``candidate``, as bytes.

    Appends one ``candidate.exported`` Event by ``actor`` (the audit trail's "export read"). Who may ask is
    the caller's check (admins and the candidate's recruiter). Reads a fixed number of queries per kind of
    record; raises nothing of its own.
    """
    now = timezone.now()
    with transaction.atomic():
        data = collect(candidate, now=now, actor=actor)
        record_event(
            kind=EventKind.CANDIDATE_EXPORTED,
            summary=f"Exported the data of candidate #{candidate.pk}",
            actor=actor,
            candidate=candidate,
            data={"format": "zip", "version": FORMAT_VERSION},
        )
    text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    summary = render_to_string("privacy/export_summary.html", {"data": data, "candidate": candidate})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", text)
        archive.writestr("summary.html", summary)
    return buffer.getvalue()


def _values(row: Model, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def collect(candidate: Candidate, *, now: datetime, actor: User | None = None) -> dict[str, Any]:
    """Everything held about ``candidate`` as plain data (what ``data.json`` holds)."""
    about = (
        Q(candidate=candidate)
        | Q(submission__candidate=candidate)
        | Q(interview__submission__candidate=candidate)
    )
    submissions = list(
        Submission.objects.filter(candidate=candidate)
        .select_related("role__company")
        .order_by("created_at", "pk")
    )
    interviews = list(Interview.objects.filter(submission__candidate=candidate).order_by("starts_at", "pk"))
    feedback = list(Feedback.objects.filter(candidate=candidate).order_by("created_at", "pk"))
    touchpoints = list(Touchpoint.objects.filter(candidate=candidate).order_by("due_at", "pk"))
    copies = _inbox_copies(touchpoints)
    return {
        "format": {"name": "Candidly candidate export", "version": FORMAT_VERSION},
        "exported_at": now,
        "exported_by": str(actor) if actor is not None else "",
        "candidate": {
            **_values(candidate, CANDIDATE_FIELDS),
            "recruiter": str(candidate.recruiter) if candidate.recruiter_id else "",
            "role_tags": sorted(candidate.role_tags.values_list("name", flat=True)),
        },
        "consent": {
            "given_at": candidate.consent_at,
            "given_how": candidate.get_consent_how_display() if candidate.consent_how else "",
            "withdrawn_at": candidate.consent_withdrawn_at,
            "withdrawn_how": candidate.get_consent_withdrawn_how_display()
            if candidate.consent_withdrawn_how
            else "",
            "history": [
                {"at": event.occurred_at, "what": event.summary}
                for event in Event.objects.filter(
                    candidate=candidate,
                    kind__in=[EventKind.CANDIDATE_CONSENT_GIVEN, EventKind.CANDIDATE_CONSENT_WITHDRAWN],
                ).order_by("occurred_at", "pk")
            ],
        },
        "submissions": [
            {
                "id": submission.pk,
                "role": submission.role.title,
                "company": submission.role.company.name,
                "stage": submission.get_stage_display(),
                "end_reason": submission.get_end_reason_display() if submission.end_reason else "",
                "end_note": submission.end_note,
                "open_to_other_roles": submission.open_to_other_roles,
                "share_reason_with_company": submission.share_reason_with_company,
                "withdrawal_wants": submission.withdrawal_wants,
                "created_at": submission.created_at,
                "ended_at": submission.ended_at,
                "interviews": [
                    {
                        **_values(
                            interview,
                            [
                                "id",
                                "round",
                                "starts_at",
                                "ends_at",
                                "time_zone",
                                "format",
                                "address",
                                "notes",
                            ],
                        ),
                        "status": interview.get_status_display(),
                    }
                    for interview in interviews
                    if interview.submission_id == submission.pk
                ],
            }
            for submission in submissions
        ],
        "feedback": [
            {
                **_values(
                    row,
                    [
                        "interview_id",
                        "channel",
                        "enjoyment",
                        "difference",
                        "difference_note",
                        "excitement",
                        "call_me",
                        "call_window",
                        "recommend_score",
                        "recommend_comment",
                        "notes",
                        "created_at",
                        "updated_at",
                    ],
                )
            }
            for row in feedback
        ],
        "tasks": [
            _values(task, ["id", "kind", "title", "details", "status", "due_at", "done_at", "outcome"])
            for task in Task.objects.filter(about).order_by("due_at", "pk")
        ],
        "messages": [
            {
                **_values(
                    touchpoint,
                    ["id", "kind", "channel", "status", "due_at", "done_at", "message_id", "skip_reason"],
                ),
                "text_written_by_recruiter": touchpoint.message_text,
                "written_again": _written_again(touchpoint),
                "copy": copies.get(touchpoint.message_id, {}),
            }
            for touchpoint in touchpoints
        ],
        "replies": [
            _values(reply, ["received_at", "from_email", "subject", "text", "status"])
            for reply in InboundEmail.objects.filter(
                Q(candidate=candidate)
                | Q(touchpoint__candidate=candidate)
                | Q(from_email__iexact=candidate.email)
            ).order_by("received_at", "pk")
        ],
        "role_suggestions": [
            {
                "role": suggestion.role.title,
                "company": suggestion.role.company.name,
                "reasons": suggestion.reasons,
                "sent_at": suggestion.sent_at,
                "interested_at": suggestion.interested_at,
            }
            for suggestion in RoleSuggestion.objects.filter(candidate=candidate)
            .select_related("role__company")
            .order_by("created_at", "pk")
        ],
        "timeline": [
            {
                "at": event.occurred_at,
                "kind": event.kind,
                "summary": event.summary,
                "by": event.actor_label,
                "words": _words(event.data),
                "data": event.data,
            }
            for event in Event.objects.filter(about)
            .select_related("actor_user")
            .order_by("occurred_at", "pk")
        ],
        "kept_by_law": [
            {"what": row.get_what_display(), "data": row.data, "kept_until": row.kept_until}
            for row in KeptRecord.objects.filter(candidate=candidate)
        ],
    }


# Links in a message written again for the export: their tokens would be dead (the savepoint that issued them
# is rolled back), so they are shown as what they were.
ACTION_LINK = re.compile(r"https?://[^\s\"'<>]+/(?:l|w|u)/[^\s\"'<>]*")


def _written_again(touchpoint: Touchpoint) -> dict[str, str]:
    """A sent message's subject and text as Candidly writes it (we keep no copy of what left, except the demo
    inbox's): rendered in a savepoint that is rolled back, so the links it issues never exist. Empty for a
    message not sent or one that can no longer be written."""
    if touchpoint.status != Touchpoint.Status.DONE or not touchpoint.is_message:
        return {}
    moment = touchpoint.done_at or touchpoint.due_at
    try:
        with transaction.atomic():
            if touchpoint.channel == Touchpoint.Channel.SMS and touchpoint.candidate_id is not None:
                subject, text = "", render_sms(touchpoint, now=moment)
            else:
                email = render_email(touchpoint, now=moment)
                subject, text = email.subject, email.text
            transaction.set_rollback(True)
    except (RenderError, TemplateDoesNotExist, TemplateSyntaxError, ObjectDoesNotExist, ValueError):
        return {}
    return {"subject": subject, "text": ACTION_LINK.sub("[link]", text)}


def _words(data: object) -> str:
    """The free text an Event carries (a cancellation note, a reply, an SMS), for the readable summary."""
    if not isinstance(data, dict):
        return ""
    return " ".join(str(data[key]) for key in ("note", "text", "message") if isinstance(data.get(key), str))


def _inbox_copies(touchpoints: list[Touchpoint]) -> dict[str, dict[str, Any]]:
    """The demo inbox's copy of each message sent (subject and text), by the touchpoint's Message-ID."""
    ids = {touchpoint.message_id for touchpoint in touchpoints if touchpoint.message_id}
    if not ids:
        return {}
    wanted = ids | {f"<{value.strip('<>')}>" for value in ids}
    copies = {}
    for message in InboxMessage.objects.filter(message_id__in=wanted, account_security=False):
        copies[message.message_id.strip("<>")] = {"subject": message.subject, "text": message.text_body}
    return {value: copies.get(value.strip("<>"), {}) for value in ids}
