"""Forms of the data protection pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from candidly.accounts.models import User
from candidly.accounts.services import RETENTION_MONTHS
from candidly.people.models import Candidate


class ConfirmErasureForm(forms.Form):
    """Typed confirmation: the person's name exactly as shown, so a slip of the mouse erases nobody."""

    confirm = forms.CharField(label="Type their name to confirm", max_length=200)

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm(self) -> str:
        typed = " ".join(self.cleaned_data["confirm"].split())
        if typed.casefold() != " ".join(self.expected.split()).casefold():
            raise forms.ValidationError(f"Type “{self.expected}” exactly to confirm.")
        return typed


class ConsentForm(forms.Form):
    given = forms.TypedChoiceField(
        label="Consent",
        choices=[("yes", "Given"), ("no", "Withdrawn")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    how = forms.ChoiceField(label="How", choices=Candidate.ConsentHow.choices)


class RetentionForm(forms.Form):
    retention_months = forms.IntegerField(
        label="Erase candidates with no activity for (months)",
        required=False,
        min_value=RETENTION_MONTHS[0],
        max_value=RETENTION_MONTHS[1],
        help_text="Empty: never. Activity is anything on their timeline; "
        "nobody in an open process is erased.",
    )
    retention_active = forms.BooleanField(
        label="Apply this rule automatically",
        required=False,
        help_text="Read the list below first: the worker erases exactly those candidates, "
        "about once an hour.",
    )


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="Username", required=False, max_length=150)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_user(self) -> User | None:
        name = self.cleaned_data["user"].replace("\x00", "").strip()
        if not name:
            return None
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError("No user has this username.")
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end comes before the start.")
        return data
