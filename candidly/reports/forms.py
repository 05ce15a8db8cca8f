"""The reports' filter form (GET): a date range, weeks or months, and whose desk, company, manager or role.

Company, hiring manager and role are ids set from links (a report's table, a company's page): never a
``<select>`` over a table that grows. Recruiters are the agency's staff, a short list, shown to admins only.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django import forms

from candidly.accounts.models import User
from candidly.hiring.models import Role
from candidly.people.models import Company, Contact
from candidly.reports.scope import MAX_DAYS, Period, Scope, default_range, desk_for


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput)
    end = forms.DateField(label="To", required=False, widget=DateInput)
    period = forms.ChoiceField(
        label="Per", choices=[(Period.WEEK, "Week"), (Period.MONTH, "Month")], required=False
    )
    recruiter = forms.TypedChoiceField(label="Desk", coerce=int, empty_value=None, required=False)
    company = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    manager = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    role = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, viewer: User, users: dict[int, User], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer, self.users, self.today = viewer, users, today
        if viewer.is_admin:
            self.fields["recruiter"].choices = [  # type: ignore[attr-defined]
                ("", "Whole agency"),
                *((str(pk), str(user)) for pk, user in users.items()),
            ]
        else:
            del self.fields["recruiter"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_range(self.today)
        start, end = data.get("start") or start, data.get("end") or end
        if end < start:
            self.add_error("end", "The range ends on or after its start.")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", f"Choose at most {MAX_DAYS} days.")
        if data.get("recruiter") is not None and data["recruiter"] not in self.users:
            self.add_error("recruiter", "Choose a recruiter from the list.")
        data["start"], data["end"] = start, end
        return data

    def scope(self, zone: zoneinfo.ZoneInfo) -> Scope:
        """The scope asked for (defaults for anything missing or invalid). One query per company, manager or
        role id given; an unknown id is ignored."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else self.clean_defaults()
        requested = self.users.get(data["recruiter"]) if data.get("recruiter") else None
        return Scope(
            start=data["start"],
            end=data["end"],
            zone=zone,
            period=Period(data.get("period") or Period.WEEK),
            recruiter=desk_for(self.viewer, requested),
            company=Company.objects.filter(pk=data["company"]).first() if data.get("company") else None,
            manager=Contact.objects.filter(pk=data["manager"]).first() if data.get("manager") else None,
            role=Role.objects.select_related("company").filter(pk=data["role"]).first()
            if data.get("role")
            else None,
        )

    def clean_defaults(self) -> dict[str, Any]:
        start, end = default_range(self.today)
        return {"start": start, "end": end}
