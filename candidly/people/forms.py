"""Forms for companies, contacts and candidates: normalise what people type and say, per field, what is wrong.

Plain forms rather than ModelForms: a ModelForm writes into the instance while validating, which would hide
from the update services which fields really changed. ``cleaned_data`` maps one to one onto the services'
keyword arguments.
"""

from __future__ import annotations

from typing import Any, TypeVar

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.text import slugify

from candidly.accounts.models import User
from candidly.hiring.pickers import PickerFormMixin, PickField
from candidly.lib.businesstime import supports_country
from candidly.lib.phones import normalize_phone
from candidly.lib.text import validate_single_line
from candidly.lib.timezones import time_zone_choices
from candidly.people.models import MAX_COMPENSATION, Candidate, Company, Contact, Tag

SMS_NEEDS_PHONE = "SMS needs a phone number: add one or pick another channel."
CONTACT_EMAIL_TAKEN = "Someone at this company already has this email address."
M = TypeVar("M", bound=Model)

UNKNOWN_TIME_ZONE = "Unknown time zone “%(value)s”: pick one from the list."
TOO_MUCH_COMPENSATION = f"Enter an amount up to {MAX_COMPENSATION:,} a year."


def name_field(*, required: bool = True) -> forms.CharField:
    # Names end up in email subjects and headers: one line only.
    return forms.CharField(max_length=200, required=required, validators=[validate_single_line])


def compensation_field(**kwargs: Any) -> forms.IntegerField:
    """A yearly amount, bounded (PostgreSQL's integers end at 2^31)."""
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_COMPENSATION,
        required=False,
        error_messages={"max_value": TOO_MUCH_COMPENSATION},
        **kwargs,
    )


def time_zone_field(*, help_text: str = "") -> forms.ChoiceField:
    # A select, never free text: a typo here would send messages at night in the recipient's zone.
    return forms.ChoiceField(
        choices=time_zone_choices,
        initial=settings.CANDIDLY_DEFAULT_TIME_ZONE,
        error_messages={"invalid_choice": UNKNOWN_TIME_ZONE},
        help_text=help_text,
    )


def clean_phone_value(raw: str, *, region: str | None = None) -> str:
    """E.164 or ``""``; ``ValidationError`` (shown on the field) for anything ``phonenumbers`` rejects."""
    return normalize_phone(raw, region=region or None)


class EditForm(forms.Form):
    """A form that knows which row (if any) it edits, so duplicate checks can leave that row out."""

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)
        zone = getattr(instance, "time_zone", "")
        field = self.fields.get("time_zone")
        if zone and isinstance(field, forms.ChoiceField) and zone not in dict(time_zone_choices()):
            # A row saved with a legacy alias (``US/Eastern``) stays editable without being forced to move.
            field.choices = [(zone, zone), *time_zone_choices()]

    def others(self, queryset: QuerySet[M]) -> QuerySet[M]:
        """``queryset`` without the row being edited: it may keep its own name or email."""
        return queryset if self.instance is None else queryset.exclude(pk=self.instance.pk)


class CompanyForm(EditForm):
    name = name_field()
    website = forms.URLField(required=False, assume_scheme="https")
    country = forms.CharField(
        max_length=2, required=False, help_text="Two-letter ISO code, e.g. GB, US, DE (for public holidays)."
    )
    time_zone = time_zone_field()
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    @classmethod
    def initial_for(cls, company: Company) -> dict[str, Any]:
        return {name: getattr(company, name) for name in cls.base_fields}

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if self.others(Company.objects.filter(name__iexact=name)).exists():
            raise ValidationError("A company with this name already exists.", code="duplicate")
        return name

    def clean_country(self) -> str:
        country: str = self.cleaned_data["country"].upper()
        if country and country not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError("Unknown country code “%(value)s”.", params={"value": country})
        return country


class ContactForm(PickerFormMixin, EditForm):
    company = PickField("company")
    name = name_field()
    title = name_field(required=False)
    email = forms.EmailField()
    phone = forms.CharField(
        max_length=40,
        required=False,
        help_text="With the country code, or as dialled in the company's country.",
    )
    time_zone = time_zone_field()
    is_hiring_manager = forms.BooleanField(required=False, label="Hiring manager")

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        initial = {name: getattr(contact, name) for name in cls.base_fields if name != "company"}
        return {**initial, "company": contact.company_id}

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        company = self.cleaned_data.get("company")
        return clean_phone_value(self.cleaned_data["phone"], region=company.country if company else None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        company, email = cleaned.get("company"), cleaned.get("email")
        taken = (
            company and email and self.others(Contact.objects.filter(company=company, email=email)).exists()
        )
        if taken:
            self.add_error("email", ValidationError(CONTACT_EMAIL_TAKEN, code="duplicate"))
        return cleaned


class CandidateForm(EditForm):
    name = name_field()
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False, help_text="With country code: +1 415 555 0123.")
    time_zone = time_zone_field(help_text="Where the candidate lives: messages never go out at night there.")
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter ISO code, e.g. US, GB, DE: their public holidays, when the agency counts them.",
    )
    preferred_channel = forms.ChoiceField(choices=Candidate.Channel.choices, initial=Candidate.Channel.PHONE)
    recruiter = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, empty_label="Nobody yet"
    )
    role_tags = forms.CharField(
        max_length=500, required=False, help_text="Comma-separated, e.g. python, data engineering, sales."
    )
    locations = forms.CharField(max_length=200, required=False, help_text="Cities or regions.")
    remote = forms.ChoiceField(choices=Candidate.Remote.choices, initial=Candidate.Remote.ANY, label="Remote")
    min_compensation = compensation_field(
        label="Minimum compensation", help_text=f"Yearly, up to {MAX_COMPENSATION:,}."
    )
    currency = forms.CharField(min_length=3, max_length=3, initial="EUR")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(required=False, label="Agreed to be contacted by the agency")
    unsubscribed = forms.BooleanField(
        required=False,
        label="Unsubscribed",
        help_text="No non-essential email goes to them.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recruiter_id = getattr(self.instance, "recruiter_id", None)
        if recruiter_id:
            # Keep a recruiter who has since left selectable, or saving would silently unassign them.
            field = self.fields["recruiter"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = User.objects.filter(Q(is_active=True) | Q(pk=recruiter_id))

    @classmethod
    def initial_for(cls, candidate: Candidate) -> dict[str, Any]:
        plain = ("name", "email", "phone", "time_zone", "country", "preferred_channel", "locations", "remote")
        return {
            **{name: getattr(candidate, name) for name in plain},
            "min_compensation": candidate.min_compensation,
            "currency": candidate.currency,
            "notes": candidate.notes,
            "recruiter": candidate.recruiter_id,
            "role_tags": ", ".join(tag.name for tag in candidate.role_tags.all()),
            "consent": candidate.consent_at is not None,
            "unsubscribed": candidate.unsubscribed_at is not None,
        }

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if self.others(Candidate.objects.filter(email=email)).exists():
            raise ValidationError("A candidate with this email address already exists.", code="duplicate")
        return email

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])

    def clean_country(self) -> str:
        country: str = self.cleaned_data["country"].strip().upper()
        if country and not supports_country(country):
            raise ValidationError(
                "Unknown country code “%(value)s” (no public holidays known).", params={"value": country}
            )
        return country

    def clean_role_tags(self) -> list[str]:
        """Comma-separated words → unique tag slugs, in the order typed."""
        slugs: list[str] = []
        for word in self.cleaned_data["role_tags"].split(","):
            if not word.strip():
                continue
            slug = slugify(word)
            if not slug:
                raise ValidationError("“%(value)s” cannot be used as a tag.", params={"value": word.strip()})
            if len(slug) > Tag._meta.get_field("name").max_length:  # type: ignore[operator]
                raise ValidationError("“%(value)s” is too long for a tag.", params={"value": word.strip()})
            if slug not in slugs:
                slugs.append(slug)
        return slugs

    def clean_currency(self) -> str:
        currency: str = self.cleaned_data["currency"].upper()
        if not currency.isalpha():
            raise ValidationError("Use a three-letter currency code, e.g. EUR, GBP, USD.")
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The database refuses it too, but here the person learns why and what to fix.
        sms = cleaned.get("preferred_channel") == Candidate.Channel.SMS
        if sms and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("preferred_channel", ValidationError(SMS_NEEDS_PHONE, code="sms_needs_phone"))
        return cleaned
