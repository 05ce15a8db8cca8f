"""Webhook endpoints: adding one (with its ``whsec_`` secret), enabling and disabling it.

Each change writes an Event."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Collection
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event
from candidly.webhooks.models import WebhookDelivery, WebhookEndpoint
from candidly.webhooks.outbox import EVENT_TYPES

Status = WebhookDelivery.Status


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@transaction.atomic
def create_endpoint(
    *, url: str, event_types: Collection[str], description: str = "", actor: User | None, now: datetime
) -> WebhookEndpoint:
    """Add an endpoint for ``event_types`` (keys of ``outbox.EVENT_TYPES``); events from now on are sent.

    Raises ``ValidationError`` keyed ``url`` / ``event_types`` for a URL that is not http(s) or no types.
    """
    errors: dict[str, str] = {}
    if not url.lower().startswith(("http://", "https://")):
        errors["url"] = "Use an http:// or https:// address."
    chosen = [name for name in EVENT_TYPES if name in set(event_types)]
    if not chosen or set(event_types) - set(EVENT_TYPES):
        errors["event_types"] = "Choose at least one event type."
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        description=description.strip()[:200],
        secret=new_secret(),
        event_types=chosen,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    record_event(
        kind=EventKind.WEBHOOK_ENDPOINT_CREATED,
        summary=f"Webhook endpoint {url} added for {', '.join(chosen)}",
        actor=actor,
        data={"endpoint": endpoint.pk, "event_types": chosen},
    )
    return endpoint


def disable_endpoint(endpoint: WebhookEndpoint, *, now: datetime, reason: str, actor: User | None) -> bool:
    """Stop sending to ``endpoint``: its waiting deliveries fail; when Candidly did it (``actor`` None), an
    admin gets a task. False when it was already disabled."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_enabled=True).update(
            is_enabled=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
        )
        if not changed:
            return False
        WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.PLANNED).update(
            status=Status.FAILED, last_error="The endpoint was disabled.", updated_at=now
        )
        record_event(
            kind=EventKind.WEBHOOK_ENDPOINT_DISABLED,
            summary=f"Webhook endpoint {endpoint.url} disabled: {reason}",
            actor=actor,
            data={"endpoint": endpoint.pk, "reason": reason},
        )
        if actor is None:
            admin = endpoint.created_by or User.objects.filter(role=User.Role.ADMIN, is_active=True).first()
            create_task(
                kind=Task.Kind.OTHER,
                title=f"Webhook endpoint disabled after a day of failures: {endpoint.url}",
                details=(
                    f"Every delivery to {endpoint.url} failed for a day, so Candidly stopped sending to it. "
                    "Fix the receiver, then enable the endpoint again on Settings → Webhooks; events from "
                    "now on will be sent."
                ),
                urgent=True,
                due_at=now,
                actor=None,
                fallback_assignee=admin,
            )
    return True


def enable_endpoint(endpoint: WebhookEndpoint, *, now: datetime, actor: User) -> bool:
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_enabled=False).update(
        is_enabled=True, disabled_at=None, disabled_reason="", failing_since=None, updated_at=now
    )
    if changed:
        record_event(
            kind=EventKind.WEBHOOK_ENDPOINT_ENABLED,
            summary=f"Webhook endpoint {endpoint.url} enabled",
            actor=actor,
            data={"endpoint": endpoint.pk},
        )
    return bool(changed)
