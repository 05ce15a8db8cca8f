from __future__ import annotations

from django import forms

from candidly.dataio.models import ImportBatch


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ImportBatch.Kind.choices, widget=forms.RadioSelect, label="What the file holds"
    )
    file = forms.FileField(label="CSV or Excel (.xlsx) file", help_text="The first row names the columns.")
