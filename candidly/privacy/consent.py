"""The consent record: when and how a candidate agreed to be contacted and kept on file, and withdrew it.

The candidate's row holds the current state (``consent_at`` / ``consent_how``, ``consent_withdrawn_at`` /
``consent_withdrawn_how``); each change is an Event, so the history is on their timeline and in their export.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from candidly.accounts.models import User
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.services import record_event


@transaction.atomic
def record_consent(candidate: Candidate, *, given: bool, how: str, actor: User, now: datetime) -> Candidate:
    """Record that ``candidate`` gave (``given``) or withdrew consent, ``how`` (a ``Candidate.ConsentHow``),
    as ``actor`` heard it; one ``candidate.consent_given`` / ``candidate.consent_withdrawn`` Event.

    Withdrawing keeps when it was given (the record shows both). Raises ``ValueError`` for an unknown ``how``
    or an erased candidate.
    """
    if how not in Candidate.ConsentHow.values:
        raise ValueError(f"Unknown way of giving consent: {how!r}")
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.erased_at is not None:
        raise ValueError("This candidate's data has been erased.")
    label = Candidate.ConsentHow(how).label.lower()
    if given:
        locked.consent_at, locked.consent_how = now, how
        locked.consent_withdrawn_at, locked.consent_withdrawn_how = None, ""
        kind, summary = EventKind.CANDIDATE_CONSENT_GIVEN, f"Consent given ({label})"
    else:
        locked.consent_withdrawn_at, locked.consent_withdrawn_how = now, how
        kind, summary = EventKind.CANDIDATE_CONSENT_WITHDRAWN, f"Consent withdrawn ({label})"
    locked.save(
        update_fields=[
            "consent_at",
            "consent_how",
            "consent_withdrawn_at",
            "consent_withdrawn_how",
            "updated_at",
        ]
    )
    record_event(kind=kind, summary=summary, actor=actor, candidate=locked, data={"how": how})
    return locked
