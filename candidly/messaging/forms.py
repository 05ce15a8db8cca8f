from __future__ import annotations

from django import forms


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Anything you'd like us to know? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label="How did it go?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write a few words, even one line helps."},
    )
