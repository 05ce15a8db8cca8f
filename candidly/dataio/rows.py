"""The columns of an import file and each row checked by the same forms as the pages (``people.forms``).

The import forms below differ from the page forms only where a page's check would cost a query per row:
duplicates are found for the whole file by ``dataio.services.plan_rows``, and a candidate's recruiter or a
contact's company is looked up in a dictionary loaded once. The values come out JSON-safe (related rows by
primary key) so the preview can keep them until the import is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from candidly.accounts.models import User
from candidly.dataio.models import ImportBatch
from candidly.dataio.services import LOOKUP_BATCH, ValidRow
from candidly.lib.tabular import Table, TableError
from candidly.lib.timezones import time_zone_choices
from candidly.people.forms import UNKNOWN_TIME_ZONE, CandidateForm, CompanyForm, ContactForm
from candidly.people.models import Candidate, Company

Kind = ImportBatch.Kind


@dataclass(frozen=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # Required by the forms, with a default: a blank cell is validated as the default.
    defaulted: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


COLUMNS: dict[str, Columns] = {
    Kind.COMPANIES: Columns(
        required=("name",), optional=("website", "country", "time_zone", "notes"), defaulted=("time_zone",)
    ),
    Kind.CONTACTS: Columns(
        required=("company", "name", "email"),
        optional=("title", "phone", "time_zone", "is_hiring_manager"),
        defaulted=("time_zone",),
        booleans=("is_hiring_manager",),
    ),
    Kind.CANDIDATES: Columns(
        required=("name", "email"),
        optional=(
            "phone",
            "time_zone",
            "country",
            "preferred_channel",
            "recruiter",
            "role_tags",
            "locations",
            "remote",
            "min_compensation",
            "currency",
            "notes",
            "consent",
            "unsubscribed",
        ),
        defaulted=("time_zone", "preferred_channel", "remote", "currency"),
        booleans=("consent", "unsubscribed"),
    ),
}
_DEFAULTS = {"preferred_channel": Candidate.Channel.PHONE, "remote": Candidate.Remote.ANY, "currency": "EUR"}
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"", "no", "n", "false", "0"}


def check_columns(kind: str, table: Table) -> None:
    """``TableError`` naming the missing and the unknown columns, and listing the expected ones."""
    columns = COLUMNS[kind]
    missing = [name for name in columns.required if name not in table.header]
    unknown = [name for name in table.header if name not in columns.all]
    problems = []
    if missing:
        problems.append(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    if problems:
        expected = f"Needed: {', '.join(columns.required)}; optional: {', '.join(columns.optional)}."
        raise TableError(" ".join([*problems, expected]))


class _ZoneByName(forms.Form):
    """The page forms' time-zone check against a set of names made once per file: their ``<select>`` of
    every zone costs milliseconds per form, minutes for a large file."""

    time_zone = forms.CharField(max_length=64)

    def __init__(self, *args: Any, zones: frozenset[str], **kwargs: Any) -> None:
        self.zones = zones
        super().__init__(*args, **kwargs)

    def clean_time_zone(self) -> str:
        zone = str(self.cleaned_data["time_zone"])
        if zone not in self.zones:
            raise ValidationError(UNKNOWN_TIME_ZONE, code="invalid_choice", params={"value": zone})
        return zone


class _ImportCompanyForm(_ZoneByName, CompanyForm):  # type: ignore[misc]
    def clean_name(self) -> str:
        return str(self.cleaned_data["name"])  # duplicates: the plan finds them for the whole file


class _ImportContactForm(_ZoneByName, ContactForm):  # type: ignore[misc]
    company = forms.CharField(max_length=200)  # type: ignore[assignment]

    def __init__(self, *args: Any, companies: dict[str, Company], **kwargs: Any) -> None:
        self.companies = companies
        super().__init__(*args, **kwargs)

    def clean_company(self) -> Company:
        name = self.cleaned_data["company"]
        company = self.companies.get(name.lower())
        if company is None:
            raise ValidationError(f"No company named “{name}”: import the companies first.")
        return company

    def clean(self) -> dict[str, Any]:
        return forms.Form.clean(self) or {}  # duplicates: the plan finds them for the whole file


class _ImportCandidateForm(_ZoneByName, CandidateForm):  # type: ignore[misc]
    recruiter = forms.CharField(required=False)  # type: ignore[assignment]

    def __init__(self, *args: Any, users: dict[str, User], **kwargs: Any) -> None:
        self.users = users
        super().__init__(*args, **kwargs)

    def clean_recruiter(self) -> int | None:
        name = self.cleaned_data["recruiter"].strip().lower()
        if not name:
            return None
        user = self.users.get(name)
        if user is None:
            raise ValidationError(f"No active user “{name}” (give a username or an email address).")
        return int(user.pk)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()  # duplicates: the plan finds them


def _users(table: Table) -> dict[str, User]:
    if "recruiter" not in table.header:
        return {}
    index = table.header.index("recruiter")
    names = sorted({row[index].lower() for row in table.rows if row[index]})
    users: dict[str, User] = {}
    for start in range(0, len(names), LOOKUP_BATCH):
        chunk = names[start : start + LOOKUP_BATCH]
        found = User.objects.annotate(u=Lower("username"), e=Lower("email")).filter(
            Q(u__in=chunk) | Q(e__in=chunk), is_active=True
        )
        for user in found:
            users[user.username.lower()] = user
            if user.email:
                users.setdefault(user.email.lower(), user)
    return users


def _companies(table: Table) -> dict[str, Company]:
    if "company" not in table.header:
        return {}
    index = table.header.index("company")
    names = sorted({row[index].lower() for row in table.rows if row[index]})
    companies: dict[str, Company] = {}
    for start in range(0, len(names), LOOKUP_BATCH):
        found = Company.objects.annotate(key=Lower("name")).filter(
            key__in=names[start : start + LOOKUP_BATCH]
        )
        companies.update({company.key: company for company in found})  # type: ignore[attr-defined]
    return companies


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationError(f"“{value}” is not yes or no.")


def _messages(form: forms.Form) -> list[str]:
    return [
        f"{name.replace('_', ' ') if name != '__all__' else 'Row'}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    ]


def validate_rows(kind: str, table: Table) -> list[ValidRow]:
    """Each row of ``table`` checked by the page form; ``check_columns`` first."""
    columns = COLUMNS[kind]
    context: dict[str, Any] = {"zones": frozenset(name for name, _ in time_zone_choices())}
    form_class: type[forms.Form]
    if kind == Kind.COMPANIES:
        form_class = _ImportCompanyForm
    elif kind == Kind.CONTACTS:
        form_class, context = _ImportContactForm, {**context, "companies": _companies(table)}
    else:
        form_class, context = _ImportCandidateForm, {**context, "users": _users(table)}
    # One form for the whole file, bound to each row in turn: building a form deep-copies all its fields,
    # which would be most of the time of a large import. Binding anew resets every per-row state
    # (``full_clean`` starts fresh ``cleaned_data`` and errors; bound fields read ``form.data`` live).
    form = form_class(None, **context)
    results = []
    for number, cells in enumerate(table.rows, start=2):
        given = dict(zip(table.header, cells, strict=True))
        results.append(_validate(kind, columns, given, number, form))
    return results


def _bind(form: forms.Form, data: dict[str, Any]) -> forms.Form:
    form.data = data  # type: ignore[assignment]
    form.is_bound = True
    form._errors = None  # type: ignore[attr-defined]
    return form


def _validate(
    kind: str,
    columns: Columns,
    given: dict[str, str],
    number: int,
    form: forms.Form,
) -> ValidRow:
    blank_defaults = [name for name in columns.defaulted if not given.get(name)]
    data: dict[str, Any] = dict(given)
    errors: list[str] = []
    for name in columns.booleans:
        if name in data:
            try:
                data[name] = _boolean(data[name])
            except ValidationError as exc:
                errors.append(f"{name.replace('_', ' ')}: {' '.join(exc.messages)}")
    for name in blank_defaults:
        data[name] = _DEFAULTS.get(name, settings.CANDIDLY_DEFAULT_TIME_ZONE)
    if isinstance(form, _ImportContactForm) and "time_zone" in blank_defaults:
        company = form.companies.get(given.get("company", "").lower())
        data["time_zone"] = company.time_zone if company else settings.CANDIDLY_DEFAULT_TIME_ZONE
    _bind(form, data)
    if errors or not form.is_valid():
        # The name and email as typed, only for the preview to say which row is wrong.
        shown = {name: given[name] for name in ("name", "email") if given.get(name)}
        return ValidRow(row=number, values=shown, errors=[*errors, *_messages(form)])
    # A blank cell is "not given": the default on a new row, the stored value kept on an existing one (a
    # partly filled file never wipes what the agency has; clearing a field is done on the person's page).
    values = {name: form.cleaned_data[name] for name, cell in given.items() if cell}
    if isinstance(values.get("company"), Company):
        values["company"] = values["company"].pk
    return ValidRow(row=number, values=values, errors=[])
