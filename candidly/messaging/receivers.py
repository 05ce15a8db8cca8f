"""Anymail's inbound webhook lands here (``path("anymail/", include("anymail.urls"))``)."""

from __future__ import annotations

from typing import Any

from candidly.messaging.inbound import ingest_email


def on_anymail_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Pass the provider's parsed message on as raw MIME, with the envelope recipient when known."""
    message = event.message
    if message is None:
        return
    # NUL is not allowed anywhere in an email (RFC 5322) and PostgreSQL's text columns cannot store it: a
    # payload carrying one was a 500 to the provider. Dropped before anything is parsed or stored.
    recipient = str(getattr(message, "envelope_recipient", None) or "").replace("\x00", "")
    envelope = [recipient] if recipient else []
    raw = message.as_bytes().replace(b"\x00", b"")
    ingest_email(raw, received_at=event.timestamp, envelope_recipients=envelope)
