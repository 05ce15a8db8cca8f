"""The agency rewords its messages: preview, save (checked then, never at send), reset to the default.

``messaging.wording`` says what may be edited and how it is checked; here are the admin's services. Each
change is one ``wording.updated`` / ``wording.reset`` Event with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from candidly.accounts.models import User
from candidly.hiring.models import Interview
from candidly.messaging import wording
from candidly.messaging.emails import compose_preview, message_context
from candidly.messaging.models import MessageWording
from candidly.messaging.sms import sms_text
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event

FIELDS = ("subject", "body", "sms")


@dataclass(frozen=True)
class Preview:
    """One kind written for one interview: what the recipient would read."""

    to: str
    subject: str
    text: str
    sms: str


def preview(
    kind: str, *, parts: wording.Parts, interview: Interview | None, recruiter: User | None, now: datetime
) -> Preview:
    """``kind`` in the words ``parts`` for ``interview`` (a real one; None: a made-up one), through the
    same pipeline as a real message; links point nowhere and nothing is saved. Raises ``ValidationError``
    keyed by part when the words do not pass :func:`check_parts`."""
    check_parts(kind, parts, recruiter=recruiter, now=now)
    person, context = message_context(kind, interview=interview, recruiter=recruiter, now=now)
    words = None if parts == wording.default_parts(kind) else parts
    email = compose_preview(kind, context, to=person.email, words=words)
    sms = sms_text(kind, context, words=words) if wording.spec_for(kind).sms else ""
    return Preview(to=person.email, subject=email.subject, text=email.text, sms=sms)


def check_parts(kind: str, parts: wording.Parts, *, recruiter: User | None, now: datetime) -> None:
    """Refuse words that would fail or misbehave when sent: ``ValidationError`` keyed ``subject``, ``body``
    or ``sms`` -- a template error, a tag outside the small language (``wording.check_source``), or a
    variable the kind does not have (written with every variable of the kind present)."""
    spec = wording.spec_for(kind)
    _, context = message_context(kind, interview=None, recruiter=recruiter, now=now)
    errors: dict[str, str] = {}
    for field in FIELDS:
        source = getattr(parts, field)
        if field == "sms" and not spec.sms:
            continue
        if not source.strip():
            errors[field] = "It cannot be empty."
            continue
        try:
            wording.check_source(source)
            rendered = wording.render_source(source, context, strict=True)
        except ValidationError as exc:
            errors[field] = " ".join(exc.messages)
            continue
        except Exception as exc:
            errors[field] = f"This fails when the message is written: {exc}"
            continue
        unknown = wording.unknown_variables(rendered)
        if unknown:
            names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
            errors[field] = f"Unknown variable {names}: use the ones listed."
    if errors:
        raise ValidationError(errors)


def _clean(text: str) -> str:
    # Browsers send textareas with CRLF line ends; the words are kept as typed otherwise.
    return text.replace("\r\n", "\n").strip()


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can change the agency's messages.")


@transaction.atomic
def save_wording(
    kind: str, *, subject: str, body: str, sms: str = "", actor: User, now: datetime
) -> MessageWording | None:
    """Save the agency's words for ``kind`` after :func:`check_parts` (nothing is saved when it raises);
    return the row, or None when the words are the defaults (then the stored ones are removed, as a reset).

    Raises ``PermissionDenied`` unless ``actor`` is an admin.
    """
    _require_admin(actor)
    parts = wording.Parts(subject=_clean(subject), body=_clean(body), sms=_clean(sms))
    check_parts(kind, parts, recruiter=actor, now=now)
    if parts == wording.default_parts(kind):
        reset_wording(kind, actor=actor)
        return None
    before = wording.current_parts(kind)
    row, _ = MessageWording.objects.update_or_create(
        kind=kind,
        defaults={"subject": parts.subject, "body": parts.body, "sms": parts.sms, "updated_by": actor},
    )
    changed = [field for field in FIELDS if getattr(before, field) != getattr(parts, field)]
    record_event(
        kind=EventKind.WORDING_UPDATED,
        summary=f"The words of “{wording.spec_for(kind).label}” changed ({', '.join(changed) or 'nothing'})",
        actor=actor,
        data={"kind": kind, "changed": changed, **{field: getattr(parts, field) for field in FIELDS}},
    )
    return row


@transaction.atomic
def reset_wording(kind: str, *, actor: User) -> bool:
    """Back to the default words for ``kind``; True when there was something to reset (with its Event)."""
    _require_admin(actor)
    wording.spec_for(kind)
    deleted, _ = MessageWording.objects.filter(kind=kind).delete()
    if deleted:
        record_event(
            kind=EventKind.WORDING_RESET,
            summary=f"The words of “{wording.spec_for(kind).label}” are back to the default",
            actor=actor,
            data={"kind": kind},
        )
    return bool(deleted)
