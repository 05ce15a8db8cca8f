"""SMS replies coming back: Twilio's inbound webhook, checked by signature, recorded as a response.

Twilio POSTs each message sent to our number (``From``, ``Body``, ``MessageSid``) to
``/sms/inbound/twilio/``. A reply from a candidate's phone stops their cadence for the interview it most
likely answers, like an email reply does (``inbound.record_reply``); a hiring manager's or interviewer's
reply does the same for their feedback reminders. The carriers' keywords are honoured, per channel: a
candidate's ``STOP`` (or ``STOPALL``, ``UNSUBSCRIBE``, ``END``, ``QUIT``) stops SMS to them -- their
messages go by email instead -- and ``START`` (or ``UNSTOP``) resumes it. ``CANCEL`` and ``YES``, keywords
for some carriers, are read as replies: here they usually answer an interview reminder or a question.
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
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from candidly.followups.models import Feedback, Touchpoint
from candidly.followups.responses import record_response
from candidly.hiring.models import Interview, Submission
from candidly.lib.phones import normalize_phone
from candidly.people.models import Candidate, Contact
from candidly.people.services import set_sms_opt_out
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WAITING = (Touchpoint.Status.PLANNED, Touchpoint.Status.DUE)
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
# Every Event an inbound SMS writes: a repeated MessageSid (Twilio retries) must find any of them.
SMS_EVENT_KINDS = (
    EventKind.SMS_REPLIED,
    EventKind.CANDIDATE_SMS_OPTED_OUT,
    EventKind.CANDIDATE_SMS_OPTED_IN,
)


def keyword(text: str) -> str:
    """``"STOP"`` / ``"START"`` when the whole message is an opt-out / opt-in keyword (any case, trailing
    punctuation ignored), else ``""``."""
    word = text.strip().rstrip(".!").strip().upper()
    if word in OPT_OUT_WORDS:
        return "STOP"
    if word in OPT_IN_WORDS:
        return "START"
    return ""


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
    # "STOP" or "START" when the message was an opt-out / opt-in keyword rather than a reply.
    keyword: str = ""


def record_sms_reply(*, sender: str, text: str, message_sid: str, received_at: datetime) -> SmsReply:
    """Record an SMS from ``sender`` (any phone format), in one transaction.

    The sender is matched on ``Candidate.phone`` (E.164), then on ``Contact.phone``. From a candidate:
    ``STOP`` / ``START`` (see the module docstring) set or clear their SMS opt-out
    (``people.services.set_sms_opt_out``, with its Event) for every candidate with that number; any other
    text answers the most recent interview of theirs with planned or due touchpoints, failing that their
    latest interview of an open submission, failing that their latest open submission. From a contact, it
    answers the interview with their feedback touchpoints waiting, failing that the latest interview of an
    open process they manage or sat on. A reply appends an ``sms.replied`` Event ("Replied by SMS: …") and
    calls ``record_response`` (channel SMS) so the sender's remaining touchpoints there are skipped; a
    sender with nothing open still gets the Event, so the text is not lost.

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
        # Lock the matching people: two deliveries of one MessageSid must not both pass the check below.
        candidate_ids = list(
            Candidate.objects.select_for_update().filter(phone=phone).values_list("pk", flat=True)
            if phone
            else []
        )
        contact_ids = (
            []
            if candidate_ids or not phone
            else list(Contact.objects.select_for_update().filter(phone=phone).values_list("pk", flat=True))
        )
        if not candidate_ids and not contact_ids:
            logger.warning("Inbound SMS %s from an unknown number %r; ignored", message_sid, sender)
            return SmsReply(event=None, skipped=[])
        if message_sid:
            earlier = Event.objects.filter(kind__in=SMS_EVENT_KINDS, data__message_sid=message_sid).first()
            if earlier is not None:
                logger.info("Inbound SMS %s was already recorded as event #%s", message_sid, earlier.pk)
                return SmsReply(event=earlier, skipped=[], duplicate=True)
        if contact_ids:
            return _contact_reply(contact_ids, text=text, message_sid=message_sid, received_at=received_at)
        word = keyword(text)
        if word:
            return _opt_in_or_out(
                candidate_ids, word, text=text, message_sid=message_sid, received_at=received_at
            )
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


def _opt_in_or_out(
    candidate_ids: list[int], word: str, *, text: str, message_sid: str, received_at: datetime
) -> SmsReply:
    """STOP / START for every candidate with the sender's number (the carrier stops the number, not one
    person); the Event of the first one that changed, or None for a repeat."""
    first: Event | None = None
    for candidate in Candidate.objects.filter(pk__in=candidate_ids).order_by("pk"):
        if set_sms_opt_out(
            candidate, opted_out=word == "STOP", now=received_at, text=text, message_sid=message_sid
        ):
            first = first or Event.objects.filter(candidate=candidate).order_by("-id").first()
    return SmsReply(event=first, skipped=[], keyword=word)


def _contact_reply(contact_ids: list[int], *, text: str, message_sid: str, received_at: datetime) -> SmsReply:
    """A hiring manager's or interviewer's SMS: a response about the interview it most likely answers."""
    interviews = Interview.objects.select_related("submission__candidate", "submission__role__company")
    interview = (
        interviews.filter(touchpoints__contact_id__in=contact_ids, touchpoints__status__in=WAITING)
        .order_by("-starts_at", "-pk")
        .first()
        or interviews.filter(
            Q(submission__role__hiring_manager_id__in=contact_ids) | Q(interviewers__in=contact_ids),
            submission__stage__in=Submission.OPEN_STAGES,
            starts_at__lte=received_at,
        )
        .order_by("-starts_at", "-pk")
        .first()
    )
    contact = Contact.objects.select_related("company").filter(pk__in=contact_ids).order_by("-pk").first()
    if interview is not None:
        # The reply's sender is the contact of the interview's process when the number is shared.
        contact = (
            Contact.objects.select_related("company")
            .filter(pk__in=contact_ids, company_id=interview.submission.role.company_id)
            .order_by("-pk")
            .first()
            or contact
        )
    assert contact is not None
    event = record_event(
        kind=EventKind.SMS_REPLIED,
        summary=f"Replied by SMS: {text}" if text else "Replied by SMS",
        actor_type=Event.Actor.CONTACT,
        contact=contact,
        interview=interview,
        data={"text": text, "message_sid": message_sid, "received_at": received_at.isoformat()},
    )
    if interview is None or keyword(text):
        # A keyword is no feedback (and Candidly sends contacts no SMS to stop): on the timeline only.
        return SmsReply(event=event, skipped=[], keyword=keyword(text))
    response = record_response(
        person=contact, interview=interview, channel=Feedback.Channel.SMS, received_at=received_at, text=text
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
