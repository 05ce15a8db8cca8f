"""Account forms."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import forms as auth_forms

from candidly.accounts.models import User


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


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
