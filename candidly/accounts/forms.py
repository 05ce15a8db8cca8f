"""Account forms, and the agency settings form: it parses input, ``update_agency_settings`` owns the rules."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxLengthValidator
from django.template import loader

from candidly.accounts.models import AgencySettings, User
from candidly.accounts.security import ACCOUNT_SECURITY_HEADER
from candidly.accounts.services import NOTICE_HOURS, SILENCE_BUSINESS_DAYS, AgencySettingsChanges

logger = logging.getLogger(__name__)


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


class LoginForm(auth_forms.AuthenticationForm):
    """Django's log-in form, with the username's length checked on the server too.

    Django only tells the browser (``maxlength``) and then authenticates whatever arrives: django-axes then
    records the failure with the username, and one longer than its column (255) was a 500 on PostgreSQL.
    Too long to be anyone's username, it now fails validation before anything is looked up or counted.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.CharField) and field.max_length is not None
        field.validators.append(MaxLengthValidator(field.max_length))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for accounts that have no password yet.

    ``create_user`` without ``--password-stdin`` leaves the password unusable on purpose: the person
    chooses it through this very form. Django skips such accounts by default (it assumes they log in
    elsewhere), which would leave them with no way in. Inactive accounts still get nothing.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        for user in User.objects.filter(email__iexact=email, is_active=True):
            # Compare like Django does (Unicode TR 36), so a look-alike address never receives the link.
            if _folded(user.email) == _folded(email):
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Django's email, marked as account-security mail (``ACCOUNT_SECURITY_HEADER``): the demo inbox
        never shows it, since its link takes over the account."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], headers={ACCOUNT_SECURITY_HEADER: "password-reset"}
        )
        if html_email_template_name is not None:
            message.attach_alternative(
                loader.render_to_string(html_email_template_name, context), "text/html"
            )
        try:
            message.send()
        except Exception:
            # Like Django: the page says the same either way, so a mail outage reveals nothing.
            logger.exception("Failed to send password reset email to %s", context["user"].pk)


WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _number_input(bounds: tuple[int, int]) -> forms.NumberInput:
    # The browser's hint only; update_agency_settings checks the same bounds.
    return forms.NumberInput(attrs={"min": bounds[0], "max": bounds[1], "inputmode": "numeric"})


class AgencySettingsForm(forms.Form):
    """The agency settings page; field names are the model's. Weekdays are checkboxes (Monday = 0)."""

    business_day_start = forms.TimeField(label="Business day starts", widget=_time_input())
    business_day_end = forms.TimeField(label="Business day ends", widget=_time_input())
    # Not required here: the service says "choose at least one" in its own words.
    business_weekdays = forms.TypedMultipleChoiceField(
        label="Business days",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    use_public_holidays = forms.BooleanField(
        label="Skip public holidays",
        required=False,
        help_text="Public holidays in the recipient's country do not count as business days.",
    )
    cancellation_notice_hours = forms.IntegerField(
        label="Cancellation notice (hours)",
        widget=_number_input(NOTICE_HOURS),
        help_text="A candidate who cancels at least this long before the start cancels with notice; "
        "later is a late cancellation.",
    )
    notify_manager_on_cancellation = forms.BooleanField(
        label="Tell the hiring manager when a candidate cancels",
        required=False,
        help_text="Emails the hiring manager at once; "
        "the recruiter gets a task to tell the company either way.",
    )
    silence_business_days = forms.IntegerField(
        label="Longest silence (business days)",
        widget=_number_input(SILENCE_BUSINESS_DAYS),
        help_text="Every candidate in an active process hears from us at least this often.",
    )

    @staticmethod
    def initial_for(row: AgencySettings) -> dict[str, Any]:
        return {
            "business_day_start": row.business_day_start,
            "business_day_end": row.business_day_end,
            "business_weekdays": sorted(row.weekdays),
            "use_public_holidays": row.use_public_holidays,
            "cancellation_notice_hours": row.cancellation_notice_hours,
            "notify_manager_on_cancellation": row.notify_manager_on_cancellation,
            "silence_business_days": row.silence_business_days,
        }

    def changes(self) -> AgencySettingsChanges:
        data = self.cleaned_data
        return AgencySettingsChanges(
            business_day_start=data["business_day_start"],
            business_day_end=data["business_day_end"],
            business_weekdays=data["business_weekdays"],
            use_public_holidays=data["use_public_holidays"],
            cancellation_notice_hours=data["cancellation_notice_hours"],
            notify_manager_on_cancellation=data["notify_manager_on_cancellation"],
            silence_business_days=data["silence_business_days"],
        )


class ApiKeyForm(forms.Form):
    """An admin makes an API key: what uses it, whom it acts as, what it may do."""

    SCOPES = [("read", "Read only"), ("read,write", "Read and write")]

    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “ATS sync”. It is listed with the key's start."
    )
    username = forms.CharField(
        max_length=150,
        label="Acts as (username)",
        help_text="Everything the key changes is on the timeline as this person's doing.",
    )
    scopes = forms.ChoiceField(choices=SCOPES, initial="read", widget=forms.RadioSelect)

    def clean_username(self) -> User:
        name = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No active user has this username.")
        return user
