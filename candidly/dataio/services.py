"""Importing companies, contacts and candidates: what each validated row will do, and doing it in one go.

The flow: an interface validates each row of a file with the people forms (``dataio.rows``) and calls
``preview_import``, which decides per row *create*, *update* (an existing person, found by email; a company
by name), *skip* (nothing would change, or a duplicate in the file or by phone number) or *error*, and keeps
that plan in an ``ImportBatch`` owned by the uploader. ``confirm_import`` then does exactly that plan in one
transaction: new rows through ``people.services.create_*_in_bulk`` (batched INSERTs, one ``*.created`` Event
each), changed ones through ``people.services.update_*`` (the Event naming what changed). If the agency's
data moved since the preview so that the plan would differ, nothing is imported (``PreviewOutdated``) and the
batch holds the new plan to look at again.

Duplicates are looked up with one query per ``LOOKUP_BATCH`` rows, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.db.models.functions import Lower

from candidly.accounts.models import User
from candidly.dataio.models import ImportBatch
from candidly.people import services as people
from candidly.people.models import Candidate, Company, Contact, Tag

PREVIEW_LIFETIME = timedelta(hours=1)
LOOKUP_BATCH = 500
CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"
ACTIONS = (CREATE, UPDATE, SKIP, ERROR)
M = TypeVar("M", bound=Model)


class PreviewOutdated(Exception):
    """The agency's data changed since the preview: the plan differs, nothing was imported."""


class PreviewGone(Exception):
    """The preview expired or was already imported."""


@dataclass(frozen=True)
class ValidRow:
    """One row of the file: its line number and either its values (JSON-safe, as the forms cleaned them,
    related rows by primary key) or the reasons it is wrong."""

    row: int
    values: dict[str, Any]
    errors: list[str]


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), LOOKUP_BATCH):
        yield items[start : start + LOOKUP_BATCH]


def _load(queryset: QuerySet[M], field: str, keys: Iterable[Any]) -> list[M]:
    """Rows of ``queryset`` whose ``field`` is in ``keys``: one query per ``LOOKUP_BATCH`` keys."""
    wanted = sorted(set(keys))
    return [obj for chunk in _chunks(wanted) for obj in queryset.filter(**{f"{field}__in": chunk})]


# --- from stored values to the services' arguments ------------------------------------------------------


class _Related:
    """Users and companies the rows point at (by primary key), loaded in one query each."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        user_ids = {row["recruiter"] for row in rows if row.get("recruiter")}
        company_ids = {row["company"] for row in rows if row.get("company")}
        self.users = {user.pk: user for user in _load(User.objects.all(), "pk", user_ids)}
        self.companies = {company.pk: company for company in _load(Company.objects.all(), "pk", company_ids)}

    def arguments(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The service's keyword arguments for ``values``; None when a related row has gone."""
        arguments = dict(values)
        if "recruiter" in values:
            arguments["recruiter"] = self.users.get(values["recruiter"]) if values["recruiter"] else None
            if values["recruiter"] and arguments["recruiter"] is None:
                return None
        if "company" in values:
            arguments["company"] = self.companies.get(values["company"])
            if arguments["company"] is None:
                return None
        return arguments


# --- the plan ----------------------------------------------------------------------------------------------


def _planned(
    row: ValidRow, action: str, *, target: int | None = None, changed: Sequence[str] = (), reason: str = ""
) -> dict[str, Any]:
    return {
        "row": row.row,
        "action": action,
        "values": row.values,
        "target": target,
        "changed": list(changed),
        "reason": reason,
    }


def _existing(kind: str, rows: Sequence[ValidRow]) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Existing rows by the import's match key, and by phone number (candidates, contacts)."""
    values = [row.values for row in rows if not row.errors]
    if kind == ImportBatch.Kind.COMPANIES:
        companies = _load(
            Company.objects.annotate(key=Lower("name")), "key", (v["name"].lower() for v in values)
        )
        return {company.key: company for company in companies}, {}  # type: ignore[attr-defined]
    if kind == ImportBatch.Kind.CONTACTS:
        contacts = Contact.objects.select_related("company")
        by_email = _load(contacts, "email", (v["email"] for v in values))
        by_phone = _load(contacts, "phone", (v["phone"] for v in values if v.get("phone")))
        return (
            {(c.company_id, c.email): c for c in by_email},
            {(c.company_id, c.phone): c for c in by_phone},
        )
    candidates = Candidate.objects.select_related("recruiter").prefetch_related(
        Prefetch("role_tags", queryset=Tag.objects.order_by("name"))
    )
    found = _load(candidates, "email", (v["email"] for v in values))
    phones = _load(Candidate.objects.all(), "phone", (v["phone"] for v in values if v.get("phone")))
    return {c.email: c for c in found}, {c.phone: c for c in phones}


def _keys(kind: str, values: dict[str, Any]) -> tuple[Any, Any]:
    """The match key (email; a company's name; a contact's company and email) and the phone key."""
    phone = values.get("phone") or None
    if kind == ImportBatch.Kind.COMPANIES:
        return values["name"].lower(), None
    if kind == ImportBatch.Kind.CONTACTS:
        return (values["company"], values["email"]), (values["company"], phone) if phone else None
    return values["email"], phone


def plan_rows(kind: str, rows: Sequence[ValidRow]) -> list[dict[str, Any]]:
    """What importing each row would do now, in file order (see the module's docstring)."""
    by_key, by_phone = _existing(kind, rows)
    related = _Related([row.values for row in rows if not row.errors])
    seen_keys: dict[Any, int] = {}
    seen_phones: dict[Any, int] = {}
    plan = []
    for row in rows:
        if row.errors:
            plan.append(_planned(row, ERROR, reason=" ".join(row.errors)))
            continue
        key, phone = _keys(kind, row.values)
        arguments = related.arguments(row.values)
        if arguments is None:
            plan.append(_planned(row, ERROR, reason="Its recruiter or company no longer exists."))
        elif key in seen_keys:
            plan.append(_planned(row, SKIP, reason=f"Same {_key_name(kind)} as row {seen_keys[key]}."))
        elif phone and phone in seen_phones:
            plan.append(_planned(row, SKIP, reason=f"Same phone number as row {seen_phones[phone]}."))
        elif key in by_key:
            existing = by_key[key]
            changed = people.changed_fields(existing, arguments)
            if changed:
                plan.append(_planned(row, UPDATE, target=existing.pk, changed=changed))
            else:
                plan.append(
                    _planned(row, SKIP, target=existing.pk, reason=f"{existing} is already like this.")
                )
        elif phone and phone in by_phone:
            other = by_phone[phone]
            plan.append(
                _planned(
                    row, SKIP, target=other.pk, reason=f"{other.name} ({other.email}) has this phone number."
                )
            )
        else:
            plan.append(_planned(row, CREATE))
        seen_keys.setdefault(key, row.row)
        if phone:
            seen_phones.setdefault(phone, row.row)
    return plan


def _key_name(kind: str) -> str:
    return "name" if kind == ImportBatch.Kind.COMPANIES else "email address"


def count_actions(plan: Sequence[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(ACTIONS, 0)
    for entry in plan:
        counts[entry["action"]] += 1
    return counts


def preview_import(
    *, owner: User, kind: str, filename: str, columns: list[str], rows: Sequence[ValidRow], now: datetime
) -> ImportBatch:
    """Plan ``rows`` and keep the plan as an ``ImportBatch`` of ``owner``'s, expiring after an hour.

    Changes no person. Also deletes expired batches (they hold the file's data; nobody can confirm them)."""
    ImportBatch.objects.filter(expires_at__lt=now).delete()
    plan = plan_rows(kind, rows)
    return ImportBatch.objects.create(
        owner=owner,
        kind=kind,
        filename=filename[:200],
        columns=columns,
        rows=plan,
        summary=count_actions(plan),
        expires_at=now + PREVIEW_LIFETIME,
    )


def _as_rows(plan: Sequence[dict[str, Any]]) -> list[ValidRow]:
    return [
        ValidRow(
            row=entry["row"],
            values=entry["values"],
            errors=[entry["reason"]] if entry["action"] == ERROR else [],
        )
        for entry in plan
    ]


def _decisions(plan: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(entry["row"], entry["action"], entry["target"], entry["changed"]) for entry in plan]


def confirm_import(batch: ImportBatch, *, actor: User, now: datetime) -> dict[str, int]:
    """Import what ``batch``'s preview showed, in one transaction; returns the counts per action.

    Raises ``PreviewGone`` when the batch expired or was imported already (a second click), and
    ``PreviewOutdated`` when planning the same rows now gives another plan (someone added or changed a
    person since): then nothing is imported and ``batch.rows`` holds the new plan. A ``ValidationError``
    from a service (a duplicate created in the last instant) also leaves everything as it was.
    """
    if batch.expires_at <= now:
        raise PreviewGone("This preview has expired. Upload the file again.")
    with transaction.atomic():
        # The conditional update is the lock: of two confirms of the same batch, one imports.
        taken = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
            status=ImportBatch.Status.IMPORTED, imported_at=now
        )
        if not taken:
            raise PreviewGone("This file was imported already.")
        plan = plan_rows(batch.kind, _as_rows(batch.rows))
        outdated = _decisions(plan) != _decisions(batch.rows)
        if outdated:
            transaction.set_rollback(True)  # the batch stays "previewed", to be confirmed again
        else:
            _apply(batch, plan, actor=actor)
    if outdated:
        batch.rows, batch.summary = plan, count_actions(plan)
        batch.save(update_fields=["rows", "summary"])
        raise PreviewOutdated("Some people were added or changed since the preview. Check the new preview.")
    summary = count_actions(plan)
    ImportBatch.objects.filter(pk=batch.pk).update(summary=summary)
    batch.refresh_from_db()
    return summary


_CREATE_IN_BULK: dict[str, Callable[..., Sequence[Model]]] = {
    ImportBatch.Kind.COMPANIES: people.create_companies_in_bulk,
    ImportBatch.Kind.CONTACTS: people.create_contacts_in_bulk,
    ImportBatch.Kind.CANDIDATES: people.create_candidates_in_bulk,
}


def _targets(kind: str, pks: Iterable[int]) -> dict[int, Company | Contact | Candidate]:
    """The rows to update, by primary key (a candidate's tags prefetched for the comparison)."""
    found: Sequence[Company | Contact | Candidate]
    if kind == ImportBatch.Kind.CANDIDATES:
        found = _load(Candidate.objects.prefetch_related("role_tags"), "pk", pks)
    elif kind == ImportBatch.Kind.CONTACTS:
        found = _load(Contact.objects.select_related("company"), "pk", pks)
    else:
        found = _load(Company.objects.all(), "pk", pks)
    return {obj.pk: obj for obj in found}


def _apply(batch: ImportBatch, plan: Sequence[dict[str, Any]], *, actor: User) -> None:
    related = _Related([entry["values"] for entry in plan if entry["action"] in (CREATE, UPDATE)])
    note = f"imported from {batch.filename}"
    creates = [related.arguments(entry["values"]) for entry in plan if entry["action"] == CREATE]
    _CREATE_IN_BULK[batch.kind]([values for values in creates if values is not None], actor=actor, note=note)
    updates = [entry for entry in plan if entry["action"] == UPDATE]
    targets = _targets(batch.kind, (entry["target"] for entry in updates))
    for entry in updates:
        arguments = related.arguments(entry["values"]) or {}
        changes = {name: arguments[name] for name in entry["changed"]}
        target = targets[entry["target"]]
        if isinstance(target, Candidate):
            people.update_candidate(target, actor=actor, **changes)
        elif isinstance(target, Contact):
            people.update_contact(target, actor=actor, **changes)
        else:
            people.update_company(target, actor=actor, **changes)
