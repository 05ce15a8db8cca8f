"""Changing companies, contacts and candidates. Each change is one transaction that also writes its Event.

Callers (views, the API, commands) validate input first, usually with ``people.forms``; these services still
refuse a duplicate email or company name that slipped past that check (two people saving at once) by raising
``ValidationError`` keyed by the field, so an interface can show it next to the input instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event, record_events


class _CompanyOptional(TypedDict, total=False):
    website: str
    country: str
    time_zone: str
    notes: str


class CompanyFields(_CompanyOptional):
    name: str


class CompanyChanges(_CompanyOptional, total=False):
    name: str


class _ContactOptional(TypedDict, total=False):
    title: str
    phone: str
    time_zone: str
    is_hiring_manager: bool


class ContactFields(_ContactOptional):
    company: Company
    name: str
    email: str


class ContactChanges(_ContactOptional, total=False):
    company: Company
    name: str
    email: str


class _CandidateOptional(TypedDict, total=False):
    phone: str
    time_zone: str
    country: str
    preferred_channel: str
    recruiter: User | None
    role_tags: list[str]
    locations: str
    remote: str
    min_compensation: int | None
    currency: str
    notes: str
    # Booleans for the form; stored as the moment they became true (``consent_at``, ``unsubscribed_at``).
    consent: bool
    unsubscribed: bool


class CandidateFields(_CandidateOptional):
    name: str
    email: str


class CandidateChanges(_CandidateOptional, total=False):
    name: str
    email: str


# Fields that are not columns of the same name: how to read them for the "what changed" comparison.
_CANDIDATE_VIRTUAL: dict[str, Callable[[Candidate], Any]] = {
    "role_tags": lambda c: sorted(tag.name for tag in c.role_tags.all()),
    "consent": lambda c: c.consent_at is not None,
    "unsubscribed": lambda c: c.unsubscribed_at is not None,
}
_LABELS = {
    "role_tags": "role tags",
    "consent": "consent",
    "unsubscribed": "unsubscribe state",
    "is_hiring_manager": "hiring manager",
}


def _label(model: type[models.Model], name: str) -> str:
    return _LABELS.get(name) or str(getattr(model._meta.get_field(name), "verbose_name", name))


def _changed(
    obj: models.Model, changes: Mapping[str, Any], read: Mapping[str, Callable[[Any], Any]]
) -> list[str]:
    """Names of the fields whose new value differs from the stored one, in the order given."""
    changed = []
    for name, value in changes.items():
        current = read[name](obj) if name in read else getattr(obj, name)
        if name == "role_tags":
            value = sorted(set(value))
        if current != value:
            changed.append(name)
    return changed


def _assign(obj: models.Model, changes: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        setattr(obj, name, changes[name])


def _duplicate(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="duplicate")})


def _set_tags(candidate: Candidate, names: Iterable[str]) -> None:
    """Point the candidate at Tag rows named ``names`` (already slugs), creating missing ones race-safely."""
    wanted = sorted(set(names))
    # ignore_conflicts: another request may create the same tag between our read and our insert.
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    candidate.role_tags.set(Tag.objects.filter(name__in=wanted))


def _summary(verb: str, what: str, obj: object, model: type[models.Model], changed: list[str]) -> str:
    if not changed:
        return f"{verb} {what} {obj}."
    return f"{verb} {what} {obj}: " + ", ".join(_label(model, name) for name in changed) + "."


# --- companies ---------------------------------------------------------------------------------------------

_COMPANY_DUPLICATE = "A company with this name already exists."


def create_company(*, actor: User, **fields: Unpack[CompanyFields]) -> Company:
    """Add a client company and record ``company.created`` with ``actor`` on its timeline.

    Raises ``ValidationError({"name": ...})`` if a company with the same name (any case) exists.
    """
    values: dict[str, Any] = {"time_zone": settings.CANDIDLY_DEFAULT_TIME_ZONE, **fields}
    try:
        with transaction.atomic():
            company = Company.objects.create(**values)
            record_event(
                kind=EventKind.COMPANY_CREATED,
                summary=f"Added company {company}.",
                actor=actor,
                company=company,
            )
    except IntegrityError as exc:
        if not Company.objects.filter(name__iexact=values["name"]).exists():
            raise
        raise _duplicate("name", _COMPANY_DUPLICATE) from exc
    return company


def update_company(company: Company, *, actor: User, **changes: Unpack[CompanyChanges]) -> list[str]:
    """Apply ``changes``; if any field really changed, save and record ``company.updated`` naming them.

    Returns the names of the changed fields (empty: nothing saved, no Event). Raises ``ValidationError``
    on a duplicate name, leaving the row as it was.
    """
    changed = _changed(company, changes, {})
    if not changed:
        return []
    try:
        with transaction.atomic():
            _assign(company, changes, changed)
            company.save(update_fields=[*changed, "updated_at"])
            record_event(
                kind=EventKind.COMPANY_UPDATED,
                summary=_summary("Updated", "company", company, Company, changed),
                actor=actor,
                company=company,
                data={"changed": changed},
            )
    except IntegrityError as exc:
        company.refresh_from_db()
        if not Company.objects.filter(name__iexact=changes.get("name", "")).exclude(pk=company.pk).exists():
            raise
        raise _duplicate("name", _COMPANY_DUPLICATE) from exc
    return changed


# --- contacts ----------------------------------------------------------------------------------------------

_CONTACT_DUPLICATE = "Someone at this company already has this email address."


def create_contact(*, actor: User, **fields: Unpack[ContactFields]) -> Contact:
    """Add a person at a company and record ``contact.created`` (on the contact's and company's timeline).

    ``email`` must already be normalised (lower case). Raises ``ValidationError({"email": ...})`` if the
    company already has a contact with that email.
    """
    values: dict[str, Any] = {"time_zone": fields["company"].time_zone, **fields}
    try:
        with transaction.atomic():
            contact = Contact.objects.create(**values)
            record_event(
                kind=EventKind.CONTACT_CREATED,
                summary=f"Added contact {contact.name} at {contact.company}.",
                actor=actor,
                contact=contact,
            )
    except IntegrityError as exc:
        if not Contact.objects.filter(company=values["company"], email=values["email"]).exists():
            raise
        raise _duplicate("email", _CONTACT_DUPLICATE) from exc
    return contact


def update_contact(contact: Contact, *, actor: User, **changes: Unpack[ContactChanges]) -> list[str]:
    """Apply ``changes``; if any field really changed, save and record ``contact.updated`` naming them.

    Returns the changed field names (empty: nothing saved, no Event). Raises ``ValidationError`` on a
    duplicate email at the (new) company, leaving the row as it was.
    """
    changed = _changed(contact, changes, {})
    if not changed:
        return []
    try:
        with transaction.atomic():
            _assign(contact, changes, changed)
            contact.save(update_fields=[*changed, "updated_at"])
            record_event(
                kind=EventKind.CONTACT_UPDATED,
                summary=_summary("Updated", "contact", contact.name, Contact, changed),
                actor=actor,
                contact=contact,
                data={"changed": changed},
            )
    except IntegrityError as exc:
        contact.refresh_from_db()
        company = changes.get("company", contact.company)
        email = changes.get("email", contact.email)
        if not Contact.objects.filter(company=company, email=email).exclude(pk=contact.pk).exists():
            raise
        raise _duplicate("email", _CONTACT_DUPLICATE) from exc
    return changed


# --- candidates --------------------------------------------------------------------------------------------

_CANDIDATE_DUPLICATE = "A candidate with this email address already exists."


def _apply_candidate(candidate: Candidate, changes: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Copy ``names`` from ``changes`` onto the row; returns the column names to save."""
    now = timezone.now()
    columns = []
    for name in names:
        value = changes[name]
        if name == "role_tags":
            continue  # many-to-many: written after the row is saved
        if name == "consent":
            candidate.consent_at, name = (now if value else None), "consent_at"
        elif name == "unsubscribed":
            candidate.unsubscribed_at, name = (now if value else None), "unsubscribed_at"
        else:
            setattr(candidate, name, value)
        columns.append(name)
    return columns


def create_candidate(*, actor: User, **fields: Unpack[CandidateFields]) -> Candidate:
    """Add a candidate to the talent pool and record ``candidate.created`` on their timeline.

    ``email`` must already be normalised (lower case) and ``phone`` E.164; ``role_tags`` are tag slugs,
    created when new. Raises ``ValidationError({"email": ...})`` if the email is taken; nothing is saved then.
    """
    values: dict[str, Any] = {"time_zone": settings.CANDIDLY_DEFAULT_TIME_ZONE, **fields}
    candidate = Candidate()
    _apply_candidate(candidate, values, values)
    try:
        with transaction.atomic():
            candidate.save()
            if values.get("role_tags"):
                _set_tags(candidate, values["role_tags"])
            record_event(
                kind=EventKind.CANDIDATE_CREATED,
                summary=f"Added candidate {candidate}.",
                actor=actor,
                candidate=candidate,
            )
    except IntegrityError as exc:
        if not Candidate.objects.filter(email=values["email"]).exists():
            raise
        raise _duplicate("email", _CANDIDATE_DUPLICATE) from exc
    return candidate


def update_candidate(candidate: Candidate, *, actor: User, **changes: Unpack[CandidateChanges]) -> list[str]:
    """Apply ``changes``; if any really changed, save and record ``candidate.updated`` naming the fields.

    ``consent``/``unsubscribed`` set their timestamp to now when turned on and clear it when turned off.
    Returns the changed names (empty: nothing saved, no Event). Raises ``ValidationError`` on a duplicate
    email, leaving the row and its tags as they were.
    """
    changed = _changed(candidate, changes, _CANDIDATE_VIRTUAL)
    if not changed:
        return []
    try:
        with transaction.atomic():
            columns = _apply_candidate(candidate, changes, changed)
            if columns:
                candidate.save(update_fields=[*columns, "updated_at"])
            if "role_tags" in changed:
                _set_tags(candidate, changes["role_tags"])
            record_event(
                kind=EventKind.CANDIDATE_UPDATED,
                summary=_summary("Updated", "candidate", candidate, Candidate, changed),
                actor=actor,
                candidate=candidate,
                data={"changed": changed},
            )
    except IntegrityError as exc:
        candidate.refresh_from_db()
        if not Candidate.objects.filter(email=changes.get("email", "")).exclude(pk=candidate.pk).exists():
            raise
        raise _duplicate("email", _CANDIDATE_DUPLICATE) from exc
    return changed


def set_sms_opt_out(
    candidate: Candidate, *, opted_out: bool, now: datetime, text: str = "", message_sid: str = ""
) -> bool:
    """The candidate texted STOP (``opted_out``) or START: SMS to them stops or resumes; email is untouched.

    Writes ``candidate.sms_opted_out`` / ``candidate.sms_opted_in`` on their timeline (the candidate acted,
    by SMS; ``text`` and ``message_sid`` are kept in its data). Returns False and writes nothing when the
    state is already that (a second STOP). Runs in the caller's transaction.
    """
    if (candidate.sms_opted_out_at is not None) == opted_out:
        return False
    candidate.sms_opted_out_at = now if opted_out else None
    candidate.save(update_fields=["sms_opted_out_at", "updated_at"])
    record_event(
        kind=EventKind.CANDIDATE_SMS_OPTED_OUT if opted_out else EventKind.CANDIDATE_SMS_OPTED_IN,
        summary=(
            f"Texted “{text}”: no more SMS to {candidate.name}; their messages go by email"
            if opted_out
            else f"Texted “{text}”: SMS to {candidate.name} resumes"
        ),
        actor_type=Event.Actor.CANDIDATE,
        candidate=candidate,
        data={"text": text, "message_sid": message_sid},
    )
    return True


# --- imports: many new rows at once ------------------------------------------------------------------------
#
# An import of thousands of people cannot afford a transaction and three queries per row. These create the
# same rows and the same ``*.created`` Events as the services above, in batched INSERTs, from values the
# caller validated with the same forms. They run in the caller's transaction (one for the whole import).

BULK_BATCH = 500


def changed_fields(obj: Company | Contact | Candidate, changes: Mapping[str, Any]) -> list[str]:
    """The names in ``changes`` whose value differs from ``obj``'s: what ``update_*`` would save.

    For a candidate, read its ``role_tags`` prefetched to avoid a query per row.
    """
    return _changed(obj, changes, _CANDIDATE_VIRTUAL if isinstance(obj, Candidate) else {})


def _bulk_duplicate(message: str) -> ValidationError:
    return ValidationError(
        f"{message} (added by someone else meanwhile). Nothing was imported.", code="duplicate"
    )


def create_companies_in_bulk(rows: Sequence[CompanyFields], *, actor: User, note: str) -> list[Company]:
    """Create companies from validated ``rows`` with one ``company.created`` Event each (``note`` says
    where they came from, e.g. the imported file). Raises ``ValidationError`` on a name taken meanwhile."""
    zone = settings.CANDIDLY_DEFAULT_TIME_ZONE
    companies = [Company(**{"time_zone": zone, **row}) for row in rows]
    try:
        with transaction.atomic():
            Company.objects.bulk_create(companies, batch_size=BULK_BATCH)
    except IntegrityError as exc:
        raise _bulk_duplicate(_COMPANY_DUPLICATE) from exc
    record_events(
        {
            "kind": EventKind.COMPANY_CREATED,
            "summary": f"Added company {company} ({note}).",
            "actor": actor,
            "company": company,
        }
        for company in companies
    )
    return companies


def create_contacts_in_bulk(rows: Sequence[ContactFields], *, actor: User, note: str) -> list[Contact]:
    """Create contacts from validated ``rows`` (emails lower case, phones E.164), each with its
    ``contact.created`` Event. Raises ``ValidationError`` on an email taken at the company meanwhile."""
    contacts = [Contact(**{"time_zone": row["company"].time_zone, **row}) for row in rows]
    try:
        with transaction.atomic():
            Contact.objects.bulk_create(contacts, batch_size=BULK_BATCH)
    except IntegrityError as exc:
        raise _bulk_duplicate(_CONTACT_DUPLICATE) from exc
    record_events(
        {
            "kind": EventKind.CONTACT_CREATED,
            "summary": f"Added contact {contact.name} at {contact.company} ({note}).",
            "actor": actor,
            "contact": contact,
        }
        for contact in contacts
    )
    return contacts


def create_candidates_in_bulk(rows: Sequence[CandidateFields], *, actor: User, note: str) -> list[Candidate]:
    """Create candidates from validated ``rows`` (as ``create_candidate`` takes them), their tags (new ones
    created) and a ``candidate.created`` Event each. Raises ``ValidationError`` on an email taken."""
    candidates = []
    for row in rows:
        candidate = Candidate()
        values: dict[str, Any] = {"time_zone": settings.CANDIDLY_DEFAULT_TIME_ZONE, **row}
        _apply_candidate(candidate, values, values)
        candidates.append(candidate)
    try:
        with transaction.atomic():
            Candidate.objects.bulk_create(candidates, batch_size=BULK_BATCH)
    except IntegrityError as exc:
        raise _bulk_duplicate(_CANDIDATE_DUPLICATE) from exc
    wanted = sorted({name for row in rows for name in row.get("role_tags", [])})
    if wanted:
        Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
        through = Candidate.role_tags.through
        links = [
            through(candidate_id=candidate.pk, tag_id=tag_ids[name])
            for candidate, row in zip(candidates, rows, strict=True)
            for name in sorted(set(row.get("role_tags", [])))
        ]
        through.objects.bulk_create(links, batch_size=BULK_BATCH)
    record_events(
        {
            "kind": EventKind.CANDIDATE_CREATED,
            "summary": f"Added candidate {candidate} ({note}).",
            "actor": actor,
            "candidate": candidate,
        }
        for candidate in candidates
    )
    return candidates
