"""SMS through a provider interface. No provider package is a hard dependency.

``CANDIDLY_SMS_PROVIDER`` names the provider: ``twilio`` (needs the ``twilio`` package and the
``TWILIO_*`` settings) or the dotted path of any class with the ``SmsProvider`` shape. Empty means no
provider: ``deliver`` then records the SMS as not sent instead of failing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from candidly.followups.models import Touchpoint
from candidly.messaging import wording
from candidly.messaging.emails import (
    CANDIDATE_KINDS,
    STORED,
    RenderError,
    build_context,
    issue_action_links,
    render_text,
)
from candidly.messaging.errors import AmbiguousDeliveryError, PermanentDeliveryError, TemporaryDeliveryError

PROVIDER_ALIASES = {"twilio": "candidly.messaging.sms.TwilioSmsProvider"}

# The links each kind's SMS carries besides the withdraw link every candidate SMS ends with (SMS_WITHDRAW);
# one at most: an SMS must stay short.
SMS_ACTIONS: dict[str, tuple[str, ...]] = {
    Touchpoint.Kind.INTERVIEW_CONFIRMATION: ("cancel",),
    Touchpoint.Kind.INTERVIEW_REMINDER: ("cancel",),
    Touchpoint.Kind.FOLLOW_UP_EMAIL: ("feedback",),
    Touchpoint.Kind.NUDGE: ("feedback",),
    Touchpoint.Kind.LAST_CALL: (),
    Touchpoint.Kind.MISSED_YOU: (),
    Touchpoint.Kind.UPDATE: (),
}
# Added to an SMS whose text does not already carry the withdraw link (PRODUCT.md rule 3: one click away).
SMS_WITHDRAW = "Not for you any more? {url}"


class SmsProvider(Protocol):
    """What ``deliver`` needs from an SMS provider.

    ``send_sms`` returns the provider's message id. It raises ``TemporaryDeliveryError`` or
    ``PermanentDeliveryError`` only when the provider certainly did not accept the message, and
    ``AmbiguousDeliveryError`` when it cannot tell (a timeout after the request went out).
    """

    def send_sms(self, *, to: str, body: str, reference: str) -> str: ...


def get_sms_provider() -> SmsProvider | None:
    """The configured provider, or None when ``CANDIDLY_SMS_PROVIDER`` is empty."""
    name = getattr(settings, "CANDIDLY_SMS_PROVIDER", "")
    if not name:
        return None
    try:
        provider_class = import_string(PROVIDER_ALIASES.get(name, name))
    except ImportError as exc:
        raise ImproperlyConfigured(f"CANDIDLY_SMS_PROVIDER={name!r} cannot be imported: {exc}") from exc
    provider: SmsProvider = provider_class()
    return provider


def render_sms(touchpoint: Touchpoint, *, now: datetime) -> str:
    """The SMS text for a candidate touchpoint (``templates/emails/<kind>-sms.txt``), on one line, ending
    with the short withdraw link while the process is open (unless the text already has it)."""
    candidate = touchpoint.candidate
    if candidate is None or touchpoint.kind not in CANDIDATE_KINDS:
        raise RenderError(f"No SMS is written for {touchpoint.kind!r} to this person.")
    interview = touchpoint.interview
    submission = touchpoint.submission or (interview.submission if interview else None)
    if submission is None:
        raise RenderError(f"{touchpoint.kind!r} needs an interview or a submission.")
    context = build_context(touchpoint, candidate, interview, submission, now=now)
    links = issue_action_links(
        touchpoint,
        candidate,
        interview,
        submission,
        actions=(*SMS_ACTIONS[touchpoint.kind], "withdraw"),
        now=now,
        short=True,
    )
    context["links"] = links
    context["message"] = touchpoint.message_text
    return sms_text(touchpoint.kind, context)


def sms_text(kind: str, context: dict[str, Any], *, words: wording.Parts | str | None = STORED) -> str:
    """An SMS of ``kind`` from ``context`` (its ``links`` issued): the agency's words when it reworded it
    (``messaging.wording``; ``words`` as for ``emails._compose``), else ``emails/<kind>-sms.txt``; on one
    line, ending with the withdraw link unless the text has it."""
    parts = (wording.stored_parts(kind) if kind in wording.EDITABLE else None) if words == STORED else words
    if isinstance(parts, wording.Parts) and parts.sms:
        raw = wording.render_source(parts.sms, context)
    else:
        raw = render_text(f"emails/{kind}-sms.txt", context)
    text = re.sub(r"\s+", " ", raw).strip()
    withdraw = context.get("links", {}).get("withdraw")
    if withdraw and withdraw not in text:
        text += " " + SMS_WITHDRAW.format(url=withdraw)
    return text


class TwilioSmsProvider:
    """Twilio's REST API. The ``twilio`` package is imported only when this provider is configured."""

    def __init__(self) -> None:
        try:
            from twilio.rest import Client
        except ImportError as exc:
            raise ImproperlyConfigured(
                "CANDIDLY_SMS_PROVIDER=twilio needs the twilio package: pip install twilio"
            ) from exc
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        self.from_number = settings.TWILIO_FROM_NUMBER
        if not (sid and token and self.from_number):
            raise ImproperlyConfigured(
                "Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER."
            )
        self.client: Any = Client(sid, token)

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        from twilio.base.exceptions import TwilioRestException

        try:
            message = self.client.messages.create(to=to, from_=self.from_number, body=body)
        except TwilioRestException as exc:
            # An HTTP answer means Twilio decided: 429 is "later", other 4xx "never"; 5xx may or may not
            # have queued the message, so it is not retried blindly.
            if exc.status == 429:
                raise TemporaryDeliveryError(f"Twilio {exc.status}: {exc.msg}") from exc
            if 400 <= exc.status < 500:
                raise PermanentDeliveryError(f"Twilio {exc.status}: {exc.msg}") from exc
            raise AmbiguousDeliveryError(f"Twilio {exc.status}: {exc.msg}") from exc
        except Exception as exc:
            raise AmbiguousDeliveryError(f"Twilio request failed: {exc}") from exc
        return str(message.sid)
