"""Choosing a candidate, role, contact or company in a form: a search box, never a ``<select>`` of the table.

The field renders a search box and at most ``PICK_LIMIT`` matches as radio buttons. With JavaScript, htmx asks
``/pick/<kind>/`` for the matches as the person types; without it, the box's "Search" button posts the form
back (``_pick``), the view renders it again unvalidated, and the matches for what was typed are the radios.
The form always posts an id, and the field checks it against the same rows (a wrong id is a form error).
A direct visit to ``/pick/<kind>/?next=<form>`` is a plain search page whose "Choose" links go back to the
form with the id in its query string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.db.models import Model, QuerySet
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from candidly.hiring import queries
from candidly.hiring.models import Role
from candidly.lib.redirects import MAX_LENGTH, safe_next
from candidly.lib.text import search_terms
from candidly.people.models import Contact
from candidly.people.queries import pick_contacts

PICK_LIMIT = 10
SEARCH_ACTION = "_pick"
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class Kind:
    """What one picker searches: its rows for a term (and optional company), how a row reads."""

    noun: str
    plural: str
    search: Callable[[str, int | None], QuerySet[Any]]
    label: Callable[[Any], str]


def _role_label(role: Role) -> str:
    return f"{role.title} at {role.company.name}"


def _contact_label(contact: Contact) -> str:
    return f"{contact.name}, {contact.company.name}" + (f" ({contact.email})" if contact.email else "")


KINDS: dict[str, Kind] = {
    "candidate": Kind(
        "candidate",
        "candidates",
        lambda term, _company: queries.pick_candidates(term),
        lambda c: f"{c.name} ({c.email})",
    ),
    "open-role": Kind(
        "role", "open roles", lambda term, company: queries.pick_roles(term, open_only=True), _role_label
    ),
    "contact": Kind(
        "contact", "contacts", lambda term, company: pick_contacts(term, company), _contact_label
    ),
    "company": Kind("company", "companies", lambda term, _company: queries.pick_companies(term), str),
}


def _matches(kind: Kind, term: str, company: int | None) -> list[Any]:
    return list(kind.search(term, company)[:PICK_LIMIT]) if term else []


def _company_param(raw: Any) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 19 else None


class PickerWidget(forms.Widget):
    """A search box (labelled by the field's label), a "Search" button, and the matches as radios."""

    template_name = "_picker.html"

    def __init__(self, kind: str, *, company_field: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.company_field = company_field
        self.query = ""
        self.company: int | None = None
        self.chosen_label = ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        self.query = search_terms(data.get(f"{name}_q"))
        if self.company_field:
            self.company = _company_param(data.get(self.company_field))
        return data.get(name)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        # The project's templates, not the form renderer's (which sees only Django's own widget templates).
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_q" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        kind = KINDS[self.kind]
        chosen = _chosen(kind, value)
        matches = [
            row for row in _matches(kind, self.query, self.company) if chosen is None or row.pk != chosen.pk
        ]
        context["picker"] = {
            "kind": kind,
            "url": reverse("hiring:pick", args=[self.kind]),
            "query": self.query,
            "chosen": chosen and (chosen.pk, kind.label(chosen)),
            "choices": [(row.pk, kind.label(row)) for row in matches],
            "searched": bool(self.query),
            # The contact picker of a role narrows to the company chosen beside it.
            "include": f"[name='{self.company_field}']" if self.company_field else "",
            "field": name,
        }
        return context


def _chosen(kind: Kind, value: Any) -> Any:
    """The row behind the submitted or initial id, if it is one of this picker's rows."""
    if isinstance(value, Model):
        return value
    raw = str(value or "")
    if not raw.isdigit() or len(raw) > 18:
        return None
    return kind.search("", None).filter(pk=int(raw)).first()


class PickField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose widget searches instead of listing every row."""

    def __init__(self, kind: str, *, company_field: str = "", **kwargs: Any) -> None:
        noun = KINDS[kind].noun
        kwargs.setdefault("queryset", KINDS[kind].search("", None))
        kwargs.setdefault("widget", PickerWidget(kind, company_field=company_field))
        messages = {
            "required": f"Choose a {noun}: search for one, then pick it from the matches.",
            "invalid_choice": f"That {noun} is not one you can choose here: search again and pick one.",
        }
        kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)


class PickerFormMixin(forms.BaseForm):
    """A form with pickers: the no-JavaScript "Search" button shows the matches instead of validating."""

    @property
    def searching(self) -> bool:
        return self.is_bound and SEARCH_ACTION in self.data

    def full_clean(self) -> None:
        if self.searching:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def is_valid(self) -> bool:
        return not self.searching and super().is_valid()


def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """The matches for ``q``: radios for htmx (``HX-Request``), else a search page with "Choose" links back
    to ``next`` (a page of ours) carrying ``<field>=<id>``."""
    if kind not in KINDS:
        raise Http404("Nothing to choose here.")
    spec = KINDS[kind]
    field = request.GET.get("field", "")
    field = field if FIELD_NAME.match(field) else spec.noun.replace(" ", "_")
    term = search_terms(request.GET.get(f"{field}_q") or request.GET.get("q"))
    company = _company_param(request.GET.get("company"))
    rows = [(row.pk, spec.label(row)) for row in _matches(spec, term, company)]
    context = {"kind": spec, "field": field, "query": term, "choices": rows, "searched": bool(term)}
    if request.headers.get("HX-Request"):
        return render(request, "_picker_choices.html", {"picker": context})
    back = safe_next(request, default="") or _referring_form(request)
    links = [(_with_choice(back, field, pk), label) for pk, label in rows] if back else []
    return render(request, "hiring/pick.html", {**context, "links": links, "next": back, "slug": kind})


def _referring_form(request: HttpRequest) -> str:
    """The page of ours that linked here (the form's "on their own page" link carries no ``next``)."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc != request.get_host() or referer.path.startswith("/pick/"):
        return ""
    target = f"{referer.path}?{referer.query}" if referer.query else referer.path
    ok = target.startswith("/") and len(target) <= MAX_LENGTH and target.isprintable()
    return target if ok and not any(char.isspace() for char in target) else ""


def _with_choice(url: str, field: str, pk: int) -> str:
    """``url`` with ``field=pk`` in its query string (replacing an earlier choice, keeping the rest)."""
    parts = urlsplit(url)
    pairs = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != field]
    return f"{parts.path}?{urlencode([*pairs, (field, str(pk))])}"
