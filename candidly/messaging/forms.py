from __future__ import annotations

from django import forms


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label="How did it go?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write a few words, even one line helps."},
    )
