"""Forms of the followups pages: cadence settings, the three questions, the manager's verdict, call outcomes.

They validate and translate input; services make the change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from candidly.followups.cadences import AUDIENCE_KINDS, KIND_CHANNELS, StepChange
from candidly.followups.models import CadenceStep, Feedback, Touchpoint
from candidly.followups.responses import Answers, Verdict

MAX_OFFSET = 60


class CadenceStepForm(forms.Form):
    BLANK = ("", "—")
    TYPED = ("offset", "unit", "kind", "channel")

    offset = forms.IntegerField(label="After", min_value=0, max_value=MAX_OFFSET)
    unit = forms.ChoiceField(label="Unit", choices=[BLANK, *CadenceStep.Unit.choices])
    kind = forms.ChoiceField(label="Step", choices=Touchpoint.Kind.choices)
    channel = forms.ChoiceField(label="Channel", choices=[BLANK, *CadenceStep.Channel.choices])
    respects_business_hours = forms.BooleanField(
        label="Only in the recipient's business hours", required=False, initial=True
    )

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        kinds = AUDIENCE_KINDS[audience]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            self.BLANK,
            *((k, label) for k, label in Touchpoint.Kind.choices if k in kinds),
        ]
        # Field ids carry the audience too: two cadences' forms share one page.
        self.fields["offset"].widget.attrs["inputmode"] = "numeric"

    def has_changed(self) -> bool:
        # The blank "add a step" row: its selects start on "—" and the checkbox does not count, so a row
        # nobody typed into is left out instead of failing as incomplete.
        return any(self.data.get(self.add_prefix(name)) not in (None, "") for name in self.TYPED)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, channel = data.get("kind"), data.get("channel")
        if kind and channel and channel not in KIND_CHANNELS[kind]:
            allowed = ", ".join(str(CadenceStep.Channel(c).label).lower() for c in KIND_CHANNELS[kind])
            self.add_error("channel", f"“{Touchpoint.Kind(kind).label}” goes by: {allowed}.")
        return data

    def step(self) -> StepChange:
        data = self.cleaned_data
        return StepChange(
            offset=data["offset"],
            unit=data["unit"],
            channel=data["channel"],
            kind=data["kind"],
            respects_business_hours=data["respects_business_hours"],
        )


class BaseCadenceStepFormSet(BaseFormSet):
    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        self.audience = audience
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "audience": self.audience}

    @property
    def empty_form(self) -> Any:  # the base builds it without our keyword
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            audience=self.audience,
        )
        self.add_fields(form, None)
        return form

    def steps(self) -> list[StepChange]:
        """The kept steps in page order (removed rows and the untouched blank row left out)."""
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form.step())
        return kept


CadenceStepFormSet = formset_factory(
    CadenceStepForm, formset=BaseCadenceStepFormSet, extra=1, can_delete=True, max_num=12, validate_max=True
)


class CadenceWindowForm(forms.Form):
    window_business_days = forms.IntegerField(
        label="Feedback counts as on time within (business days)",
        min_value=1,
        max_value=20,
        help_text="Used for the “share within the window” on each company's responsiveness record.",
    )


# --- the three questions ---------------------------------------------------------------------------------


class ThreeQuestionsForm(forms.Form):
    """The candidate's feedback form (public page) and the recruiter's call form: the same questions."""

    enjoyment = forms.TypedChoiceField(
        label="Did you enjoy the interview?",
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        help_text="1 = not at all, 5 = very much",
    )
    difference = forms.ChoiceField(
        label="Was the role or team different from what you expected?",
        choices=Feedback.Difference.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    difference_note = forms.CharField(
        label="How was it different? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    excitement = forms.ChoiceField(
        label="Are you still excited to move forward?",
        choices=Feedback.Excitement.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Anything else? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Optional and never one of QUESTIONS: skipping it leaves the form complete.
    recommend = forms.TypedChoiceField(
        label="How likely are you to recommend working with us to a friend?",
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="0 = not at all likely, 10 = extremely likely (optional)",
    )
    recommend_comment = forms.CharField(
        label="What is the main reason for your score? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The agency reads these comments to improve; the company never sees them.",
    )
    call_me = forms.BooleanField(label="Call me instead", required=False)
    call_window = forms.ChoiceField(
        label="Best time to call (your time)",
        choices=Feedback.CallWindow.choices,
        required=False,
        initial=Feedback.CallWindow.ANY,
    )

    QUESTIONS = ("enjoyment", "difference", "excitement")
    REQUIRED_MESSAGE = "Please choose one (or tick “call me” below)."

    def __init__(
        self, *args: Any, allow_call_me: bool = True, ask_recommend: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not allow_call_me:
            del self.fields["call_me"], self.fields["call_window"]
        if not ask_recommend:
            # The recruiter's call form: a score said to the recruiter in person is not asked for.
            del self.fields["recommend"], self.fields["recommend_comment"]

    @classmethod
    def initial_from(cls, feedback: Feedback | None) -> dict[str, Any]:
        if feedback is None:
            return {}
        return {
            "enjoyment": str(feedback.enjoyment) if feedback.enjoyment else "",
            "difference": feedback.difference,
            "difference_note": feedback.difference_note,
            "excitement": feedback.excitement,
            "notes": feedback.notes,
            "call_me": feedback.call_me,
            "call_window": feedback.call_window or Feedback.CallWindow.ANY,
            "recommend": "" if feedback.recommend_score is None else str(feedback.recommend_score),
            "recommend_comment": feedback.recommend_comment,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # "Call me" alone is a complete answer: the recruiter asks the questions on the phone.
        if not data.get("call_me"):
            for name in self.QUESTIONS:
                if name not in self.errors and data.get(name) in (None, ""):
                    self.add_error(name, self.REQUIRED_MESSAGE)
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        call_me = bool(data.get("call_me"))
        return Answers(
            enjoyment=data.get("enjoyment") or None,
            difference=data.get("difference") or "",
            difference_note=data.get("difference_note", "").strip(),
            excitement=data.get("excitement") or "",
            notes=data.get("notes", "").strip(),
            call_me=call_me,
            call_window=(data.get("call_window") or Feedback.CallWindow.ANY) if call_me else "",
            recommend=data.get("recommend"),
            recommend_comment=(data.get("recommend_comment") or "").strip(),
        )


class VerdictForm(forms.Form):
    """The hiring manager's page: a verdict and notes for the recruiter."""

    verdict = forms.ChoiceField(
        label="Your verdict",
        choices=Feedback.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose one."},
    )
    notes = forms.CharField(
        label="Notes for the recruiter (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only the agency reads these; the candidate does not see them.",
    )

    def verdict_answer(self) -> Verdict:
        return Verdict(verdict=self.cleaned_data["verdict"], notes=self.cleaned_data["notes"].strip())


class CallOutcomeForm(forms.Form):
    OUTCOMES = (("voicemail", "Left a voicemail"), ("no_answer", "No answer"))
    outcome = forms.ChoiceField(choices=OUTCOMES)
