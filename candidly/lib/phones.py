"""Phone numbers are stored E.164 (``+14155550123``) and validated with ``phonenumbers``."""

from __future__ import annotations

import functools

import phonenumbers
from django.core.exceptions import ValidationError


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return the E.164 form of ``raw`` or raise ``ValidationError`` with a message a person can act on."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Enter a phone number with its country code, e.g. +44 20 7946 0958.", code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "“%(value)s” is not a valid phone number.", code="invalid_phone", params={"value": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value and normalize_phone(value) != value:
        raise ValidationError("Phone numbers are stored in E.164 form, e.g. +442079460958.", code="not_e164")


@functools.lru_cache(maxsize=4096)
def display_phone(value: str) -> str:
    # Remembered: every email's signature shows its recruiter's number, and an agency has few recruiters.
    if not value:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
