from __future__ import annotations

from django import forms

from candidly.webhooks.outbox import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(
        max_length=500, label="URL", assume_scheme="https", help_text="Where Candidly POSTs the events."
    )
    description = forms.CharField(max_length=200, required=False, help_text="Which system this is.")
    event_types = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {label}") for name, label in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
        label="Events to send",
    )
