"""Erasure (GDPR art. 17): one transaction that leaves none of a person's data behind, and every count.

The person's row stays, anonymised (``Erased candidate #812``), so every foreign key -- submissions,
interviews, feedback, touchpoints, tasks and timeline Events -- still points somewhere and every report
counts what it counted before. What goes is what identifies them or is in their words: the row's fields,
Event summaries and data (Events become tombstones: "Erased candidate #812: interview cancelled with
notice"), feedback free text (theirs and the hiring manager's about them), task titles and details, message
copies (edited message text, inbound replies, the demo inbox), SMS texts (on Events) and Django admin's log.
Pending touchpoints are skipped (``followups.skips.skip_touchpoints``) and every link revoked first, so
nothing more goes out to them. What the law makes the agency keep is ``settings.CANDIDLY_KEPT_BY_LAW``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Left, Replace

from candidly.accounts.models import User
from candidly.followups.models import Feedback, Task, Touchpoint
from candidly.followups.skips import skip_touchpoints
from candidly.hiring.models import Interview, RoleSuggestion, Submission
from candidly.messaging.links import revoke_links
from candidly.messaging.models import InboundEmail, InboxMessage
from candidly.people.models import Candidate, Contact
from candidly.privacy.models import KeptRecord
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never be delivered to
SKIP_REASON = "The person's data was erased."
# Event data that reports and records read, kept when an Event becomes a tombstone: numbers, yes/no, and
# slug-like values under these keys only (kinds, channels, stages, reasons from a fixed list). Any other key,
# and any free text under these keys, goes.
KEPT_EVENT_DATA = frozenset(
    {
        "after_step",
        "audience",
        "by_company",
        "call_me",
        "call_window",
        "changed",
        "channel",
        "closed_tasks",
        "count",
        "difference",
        "enjoyment",
        "excitement",
        "feedback",
        "from",
        "from_kind",
        "how",
        "kind",
        "moved",
        "purposes",
        "reason",
        "recommend",
        "replanned",
        "response_seconds",
        "role",
        "roles",
        "sequence",
        "suggestion",
        "task",
        "task_kind",
        "to",
        "to_kind",
        "touchpoint",
        "touchpoints",
        "verdict",
        "via",
        "within_window",
    }
)
SLUG = re.compile(r"[a-z0-9_.\-]{0,64}")
# A name shorter than this is too common to look for in the demo inbox's bodies (the address still is).
INBOX_NAME_MIN = 5


class ErasureRefused(Exception):
    """The person cannot be erased now; the message says why and what to do first."""


@dataclass
class Erasure:
    """What one erasure changed, for the page's message and the Event's data."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)
    event: Event | None = None


def candidate_label(candidate: Candidate) -> str:
    return f"Erased candidate #{candidate.pk}"


def contact_label(contact: Contact) -> str:
    return f"Erased contact #{contact.pk}"


def why_not_erasable(candidate: Candidate) -> str:
    """Empty when ``candidate`` can be erased now; otherwise what stands in the way, in the admin's words."""
    if candidate.erased_at is not None:
        return "This candidate's data has already been erased."
    if Submission.objects.filter(candidate=candidate, stage__in=Submission.OPEN_STAGES).exists():
        return (
            "They are still in an open process: end it first (withdraw them from the submission's page), "
            "then erase their data."
        )
    return ""


def why_contact_not_erasable(contact: Contact) -> str:
    if contact.erased_at is not None:
        return "This contact's data has already been erased."
    open_roles = contact.managed_roles.filter(status__in=["open", "on_hold"])
    if open_roles.exists():
        return "They manage an open role: give the role another hiring manager first, then erase their data."
    if Interview.objects.filter(interviewers=contact, status__in=Interview.UPCOMING_STATUSES).exists():
        return "They sit on an upcoming interview: take them off it first, then erase their data."
    return ""


def erase_candidate(
    candidate: Candidate, *, actor: User | None, now: datetime, via: str = "admin"
) -> Erasure:
    """Erase ``candidate``'s personal data everywhere, in one transaction; returns what it changed.

    ``actor`` is the admin (None for the retention rule, ``via="retention"``). Appends one
    ``candidate.erased`` Event (by ``actor`` or Candidly) naming only the row's number. Raises
    ``ErasureRefused`` (changing nothing) when ``why_not_erasable`` says so: already erased, or an open
    process; ``PermissionDenied``-worthy checks are the caller's.
    """
    with transaction.atomic():
        person = Candidate.objects.select_for_update().get(pk=candidate.pk)
        refusal = why_not_erasable(person)
        if refusal:
            raise ErasureRefused(refusal)
        label = candidate_label(person)
        result = Erasure(label=label)
        about = (
            Q(candidate=person) | Q(submission__candidate=person) | Q(interview__submission__candidate=person)
        )
        touchpoints = Touchpoint.objects.filter(about)
        result.counts["touchpoints_skipped"] = len(
            skip_touchpoints(touchpoints, reason=SKIP_REASON, now=now, include_due=True)
        )
        result.counts["links_revoked"] = revoke_links(candidate=person, now=now)
        message_ids = _message_ids(touchpoints, Event.objects.filter(about))
        message_ids |= set(
            RoleSuggestion.objects.filter(candidate=person)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
        )
        result.counts["kept"] = _keep_by_law(person, now=now)
        result.counts["events"] = _tombstone(Event.objects.filter(about), label)
        result.counts["tasks"] = _scrub_tasks(Task.objects.filter(about), label)
        result.counts["touchpoints"] = touchpoints.update(message_text="", last_error="", skip_reason="")
        result.counts["feedback"] = Feedback.objects.filter(interview__submission__candidate=person).update(
            difference_note="", notes="", recommend_comment=""
        )
        inbound = InboundEmail.objects.filter(
            Q(candidate=person) | Q(from_email__iexact=person.email) | Q(touchpoint__in=touchpoints)
        )
        result.counts["replies"] = _scrub_inbound(inbound)
        result.counts["inbox"] = _forget_inbox(message_ids, email=person.email, name=person.name)
        Submission.objects.filter(candidate=person).update(end_note="", withdrawal_wants={})
        Interview.objects.filter(submission__candidate=person).update(notes="")
        RoleSuggestion.objects.filter(candidate=person).update(reasons=[])
        _scrub_admin_log(
            {
                Candidate: [person.pk],
                Submission: list(Submission.objects.filter(candidate=person).values_list("pk", flat=True)),
                Interview: list(
                    Interview.objects.filter(submission__candidate=person).values_list("pk", flat=True)
                ),
            },
            label,
        )
        person.role_tags.clear()
        _anonymise_candidate(person, now=now)
        result.event = record_event(
            kind=EventKind.CANDIDATE_ERASED,
            summary=f"{label}: personal data erased"
            + (" (retention rule)" if via == "retention" else " on request"),
            actor=actor,
            candidate=person,
            data={"via": via, **result.counts},
        )
        return result


def erase_contact(contact: Contact, *, actor: User, now: datetime) -> Erasure:
    """Erase a company contact (a hiring manager or interviewer), in one transaction, like a candidate: their
    row anonymised, their touchpoints skipped and links revoked, their feedback notes, tasks, replies and
    Events scrubbed. Raises ``ErasureRefused`` when ``why_contact_not_erasable`` says so."""
    with transaction.atomic():
        person = Contact.objects.select_for_update().get(pk=contact.pk)
        refusal = why_contact_not_erasable(person)
        if refusal:
            raise ErasureRefused(refusal)
        label = contact_label(person)
        result = Erasure(label=label)
        touchpoints = Touchpoint.objects.filter(contact=person)
        result.counts["touchpoints_skipped"] = len(
            skip_touchpoints(touchpoints, reason=SKIP_REASON, now=now, include_due=True)
        )
        result.counts["links_revoked"] = revoke_links(contact=person, now=now)
        message_ids = _message_ids(touchpoints, Event.objects.filter(contact=person))
        result.counts["events"] = _tombstone(Event.objects.filter(contact=person), label)
        result.counts["tasks"] = _scrub_tasks(Task.objects.filter(contact=person), label)
        # Tasks about the processes they manage or interview for (a candidate's "Tell Acme" task names the
        # manager and their address) stay the recruiter's: only the contact's name, address and number go.
        others = Task.objects.filter(
            Q(submission__role__hiring_manager=person)
            | Q(interview__submission__role__hiring_manager=person)
            | Q(interview__interviewers=person)
        ).exclude(contact=person)
        result.counts["tasks"] += _replace_in_tasks(others, [person.name, person.email, person.phone], label)
        result.counts["touchpoints"] = touchpoints.update(message_text="", last_error="", skip_reason="")
        result.counts["feedback"] = Feedback.objects.filter(contact=person).update(notes="")
        inbound = InboundEmail.objects.filter(
            Q(contact=person) | Q(from_email__iexact=person.email) | Q(touchpoint__in=touchpoints)
        )
        result.counts["replies"] = _scrub_inbound(inbound)
        result.counts["inbox"] = _forget_inbox(message_ids, email=person.email, name=person.name)
        _scrub_admin_log({Contact: [person.pk]}, label)
        person.name = label
        person.title = ""
        person.email = f"erased-contact-{person.pk}@{ERASED_DOMAIN}"
        person.phone = ""
        person.erased_at = now
        person.save(update_fields=["name", "title", "email", "phone", "erased_at", "updated_at"])
        result.event = record_event(
            kind=EventKind.CONTACT_ERASED,
            summary=f"{label}: personal data erased on request",
            actor=actor,
            contact=person,
            data={"via": "admin", **result.counts},
        )
        return result


# --- the parts ---------------------------------------------------------------------------------------------


def _phrase(kind: str) -> str:
    """``interview.cancelled_with_notice`` -> ``interview cancelled with notice``: what a tombstone says."""
    return kind.replace(".", " ").replace("_", " ")


def scrub_event_data(value: Any, key: str = "") -> Any:
    """``value`` with only what ``KEPT_EVENT_DATA`` allows: numbers, yes/no and slugs under kept keys."""
    if isinstance(value, dict):
        kept = {}
        for name, inner in value.items():
            # Dicts keyed by slugs (``purposes``: {purpose: count}) keep their keys under a kept parent.
            if name in KEPT_EVENT_DATA or (key in KEPT_EVENT_DATA and SLUG.fullmatch(str(name))):
                scrubbed = scrub_event_data(inner, name if name in KEPT_EVENT_DATA else key)
                if scrubbed is not None or inner is None:
                    kept[name] = scrubbed
        return kept
    if isinstance(value, list):
        return [item for item in (scrub_event_data(item, key) for item in value) if item is not None]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and key in KEPT_EVENT_DATA and SLUG.fullmatch(value):
        return value
    return None


def _tombstone(events: QuerySet[Event], label: str) -> int:
    """Rewrite each Event's summary and data as a tombstone (one UPDATE per Event: their data differ)."""
    changed = 0
    for pk, kind, data in events.values_list("pk", "kind", "data"):
        scrubbed = scrub_event_data(data if isinstance(data, dict) else {})
        changed += Event.objects.filter(pk=pk).redact(summary=f"{label}: {_phrase(kind)}", data=scrubbed)
    return changed


def _scrub_tasks(tasks: QuerySet[Task], label: str) -> int:
    changed = 0
    for kind in tasks.values_list("kind", flat=True).distinct():
        title = f"{label}: {Task.Kind(kind).label.lower()}" if kind in Task.Kind.values else label
        changed += tasks.filter(kind=kind).update(title=title[:300], details="", outcome="")
    return changed


def _replace_in_tasks(tasks: QuerySet[Task], words: list[str], label: str) -> int:
    ids = list(tasks.values_list("pk", flat=True).distinct())
    for word in (word for word in words if word):
        Task.objects.filter(pk__in=ids).update(
            # A label longer than the name must not overflow the columns' 300 characters.
            title=Left(Replace("title", Value(word), Value(label)), 300),
            details=Replace("details", Value(word), Value(label)),
            outcome=Left(Replace("outcome", Value(word), Value(label)), 300),
        )
    return len(ids)


def _message_ids(touchpoints: QuerySet[Touchpoint], events: QuerySet[Event]) -> set[str]:
    ids = set(touchpoints.exclude(message_id="").values_list("message_id", flat=True))
    for data in events.filter(data__has_key="message_id").values_list("data", flat=True):
        if isinstance(data, dict) and isinstance(data.get("message_id"), str):
            ids.add(data["message_id"])
    return {value for value in ids if value}


def _scrub_inbound(inbound: QuerySet[InboundEmail]) -> int:
    return inbound.update(from_email="", to=[], subject="", text="", raw=b"", note="")


def _forget_inbox(message_ids: set[str], *, email: str, name: str) -> int:
    """Delete the demo inbox's copies of messages to or about the person: it is a copy of what was sent,
    not a record anything counts."""
    match = Q(raw__icontains=email) | Q(headers__icontains=email)
    bracketed = {f"<{value.strip('<>')}>" for value in message_ids} | message_ids
    if bracketed:
        match |= Q(message_id__in=bracketed)
    if len(name) >= INBOX_NAME_MIN:
        match |= Q(subject__icontains=name) | Q(text_body__icontains=name) | Q(html_body__icontains=name)
    deleted, _ = InboxMessage.objects.filter(match).delete()
    return deleted


def _scrub_admin_log(objects: dict[type, list[int]], label: str) -> None:
    """Django admin's change log names the objects it changed (``object_repr``) and what changed."""
    for model, pks in objects.items():
        if not pks:
            continue
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks]
        ).update(object_repr=label, change_message="")


def _keep_by_law(person: Candidate, *, now: datetime) -> int:
    """The placements' minimal record, when the agency keeps them (``CANDIDLY_KEPT_BY_LAW``)."""
    years = settings.CANDIDLY_KEPT_BY_LAW.get(KeptRecord.What.PLACEMENT, 0)
    if not years:
        return 0
    placed = Submission.objects.filter(candidate=person, stage=Submission.Stage.PLACED).select_related(
        "role__company"
    )
    rows = [
        KeptRecord(
            what=KeptRecord.What.PLACEMENT,
            candidate=person,
            data={
                "name": person.name,
                "role": submission.role.title,
                "company": submission.role.company.name,
                "placed_on": submission.ended_at.date().isoformat() if submission.ended_at else "",
            },
            kept_until=now + timedelta(days=365 * years),
            created_at=now,
        )
        for submission in placed
    ]
    KeptRecord.objects.bulk_create(rows)
    return len(rows)


def _anonymise_candidate(person: Candidate, *, now: datetime) -> None:
    person.name = candidate_label(person)
    person.email = f"erased-{person.pk}@{ERASED_DOMAIN}"
    person.phone = ""
    person.country = ""
    person.preferred_channel = Candidate.Channel.EMAIL
    person.locations = ""
    person.remote = Candidate.Remote.ANY
    person.min_compensation = None
    person.notes = ""
    person.consent_how = person.consent_withdrawn_how = ""
    # Nothing may go to them again: unsubscribed, whatever else was planned.
    person.unsubscribed_at = person.unsubscribed_at or now
    person.messages_paused_until = None
    person.erased_at = now
    person.save()
