"""SMS replies coming back: Twilio's inbound webhook, checked by signature, recorded as a response.

Twilio POSTs each message sent to our number (``From``, ``Body``, ``MessageSid``) to
``/sms/inbound/twilio/``. A reply from a candidate's phone stops their cadence for the interview it most
likely answers, like an email reply does (``inbound.record_reply``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from candidly.followups.models import Feedback, Touchpoint
from candidly.followups.responses import record_response
from candidly.hiring.models import Interview, Submission
from candidly.lib.phones import normalize_phone
from candidly.people.models import Candidate
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WAITING = (Touchpoint.Status.PLANNED, Touchpoint.Status.DUE)


def twilio_signature(url: str, params: QueryDict, auth_token: str) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL followed by each POST parameter,
    sorted by name, as name + value."""
    payload = url + "".join(
        key + value for key in sorted(params.keys()) for value in sorted(params.getlist(key))
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class SmsReply:
    """What :func:`record_sms_reply` did: ``event`` is None when nothing was recorded."""

    event: Event | None
    skipped: list[Touchpoint]
    duplicate: bool = False


def record_sms_reply(*, sender: str, text: str, message_sid: str, received_at: datetime) -> SmsReply:
    """Record an SMS from ``sender`` (any phone format) as a response, in one transaction.

    The sender is matched on ``Candidate.phone`` (E.164). The reply answers the most recent interview of
    theirs with planned or due touchpoints; failing that their latest interview of an open submission;
    failing that their latest open submission. It appends an ``sms.replied`` Event ("Replied by SMS: …")
    and calls ``record_response`` (channel SMS) so their remaining touchpoints there are skipped. A
    candidate with nothing open still gets the Event, so the text is not lost.

    Never raises for bad input: NUL characters are dropped, an unparseable or unknown number records
    nothing (logged). A repeated ``message_sid`` (Twilio retries) returns ``duplicate=True`` and changes
    nothing.
    """
    # PostgreSQL's text and jsonb cannot hold a NUL character; a provider's payload can carry one.
    sender, text, message_sid = (value.replace("\x00", "") for value in (sender, text, message_sid))
    try:
        phone = normalize_phone(sender)
    except ValidationError:
        phone = ""
    with transaction.atomic():
        # Lock the matching candidates: two deliveries of one MessageSid must not both pass the check below.
        candidate_ids = list(
            Candidate.objects.select_for_update().filter(phone=phone).values_list("pk", flat=True)
            if phone
            else []
        )
        if not candidate_ids:
            logger.warning("Inbound SMS %s from an unknown number %r; ignored", message_sid, sender)
            return SmsReply(event=None, skipped=[])
        if message_sid:
            earlier = Event.objects.filter(kind=EventKind.SMS_REPLIED, data__message_sid=message_sid).first()
            if earlier is not None:
                logger.info("Inbound SMS %s was already recorded as event #%s", message_sid, earlier.pk)
                return SmsReply(event=earlier, skipped=[], duplicate=True)
        interview, submission = _answered(candidate_ids)
        candidate = (
            submission.candidate
            if submission is not None
            else Candidate.objects.filter(pk__in=candidate_ids).order_by("-pk").first()
        )
        assert candidate is not None
        event = record_event(
            kind=EventKind.SMS_REPLIED,
            summary=f"Replied by SMS: {text}" if text else "Replied by SMS",
            actor_type=Event.Actor.CANDIDATE,
            candidate=candidate,
            interview=interview,
            submission=submission,
            data={"text": text, "message_sid": message_sid, "received_at": received_at.isoformat()},
        )
        if submission is None:
            return SmsReply(event=event, skipped=[])
        response = record_response(
            person=candidate,
            interview=interview,
            submission=submission,
            channel=Feedback.Channel.SMS,
            received_at=received_at,
            text=text,
        )
        return SmsReply(event=event, skipped=response.skipped)


def _answered(candidate_ids: list[int]) -> tuple[Interview | None, Submission | None]:
    """The interview (and its submission), or a submission alone, that the SMS most likely answers."""
    interviews = Interview.objects.select_related("submission__candidate").order_by("-starts_at", "-pk")
    interview = (
        interviews.filter(
            touchpoints__candidate_id__in=candidate_ids, touchpoints__status__in=WAITING
        ).first()
        or interviews.filter(
            submission__candidate_id__in=candidate_ids, submission__stage__in=Submission.OPEN_STAGES
        ).first()
    )
    if interview is not None:
        return interview, interview.submission
    submission = (
        Submission.objects.select_related("candidate")
        .filter(candidate_id__in=candidate_ids, stage__in=Submission.OPEN_STAGES)
        .order_by("-created_at", "-pk")
        .first()
    )
    return None, submission


def _twiml() -> HttpResponse:
    # An empty <Response/> tells Twilio we got it and have nothing to send back; any error would be retried.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@login_not_required
@csrf_exempt  # Twilio POSTs without cookies; the request is authenticated by its signature instead
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio's "A message comes in" webhook. 404 until ``TWILIO_AUTH_TOKEN`` is set (nothing could
    verify the caller), 403 on a missing or wrong ``X-Twilio-Signature``, otherwise 200 with empty TwiML."""
    auth_token = settings.TWILIO_AUTH_TOKEN
    if not auth_token:
        raise Http404("No inbound SMS webhook here.")
    # Twilio signs the public URL it called; behind a proxy only CANDIDLY_BASE_URL knows it.
    url = settings.CANDIDLY_BASE_URL.rstrip("/") + request.get_full_path()
    expected = twilio_signature(url, request.POST, auth_token)
    given = request.headers.get("X-Twilio-Signature", "")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        logger.warning("Inbound SMS webhook refused: bad signature for %s", url)
        return HttpResponseForbidden("Bad signature.")
    record_sms_reply(
        sender=request.POST.get("From", ""),
        text=request.POST.get("Body", "").strip(),
        message_sid=request.POST.get("MessageSid", "")[:64],
        received_at=timezone.now(),
    )
    return _twiml()
