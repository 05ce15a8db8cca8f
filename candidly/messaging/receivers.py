"""Anymail's inbound webhook lands here (``path("anymail/", include("anymail.urls"))``)."""

from __future__ import annotations

from typing import Any

from candidly.messaging.inbound import ingest_email


def on_anymail_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Pass the provider's parsed message on as raw MIME, with the envelope recipient when known."""
    message = event.message
    if message is None:
        return
    envelope = [message.envelope_recipient] if getattr(message, "envelope_recipient", None) else []
    ingest_email(message.as_bytes(), received_at=event.timestamp, envelope_recipients=envelope)
