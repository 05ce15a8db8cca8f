"""One function per message kind: each renders subject, text and HTML from ``templates/emails/``.

``render_email(touchpoint, now=…)`` picks the function for the touchpoint's kind. Rendering issues the
signed links the message carries (a fresh set per attempt; unused ones simply expire). Candidate emails
carry the recruiter's name and phone, a Reply-To that routes back to the timeline, a one-click withdraw
link and List-Unsubscribe; emails to contacts (hiring managers) carry the Reply-To but no unsubscribe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import dateformat, timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

from candidly.accounts.models import User
from candidly.followups.interview_plan import (
    VersionChange,
    cancellation_reason,
    step_sequence,
    version_change,
)
from candidly.followups.models import Touchpoint
from candidly.hiring.models import Interview, Role, Submission
from candidly.hiring.rules import CancellationReason
from candidly.lib.phones import display_phone
from candidly.messaging import wording
from candidly.messaging.invites import InviteMethod, build_invite, invite_filename
from candidly.messaging.links import issue_calendar_reply_link, issue_link, link_url
from candidly.messaging.models import Link
from candidly.messaging.prepared import prepare_manager_cancellation_email
from candidly.people.models import Candidate, Company, Contact

Kind = Touchpoint.Kind

CANDIDATE_KINDS = frozenset(
    {
        Kind.INTERVIEW_CONFIRMATION,
        Kind.INTERVIEW_REMINDER,
        Kind.FOLLOW_UP_EMAIL,
        Kind.NUDGE,
        Kind.LAST_CALL,
        Kind.MISSED_YOU,
        Kind.UPDATE,
        Kind.INTERVIEW_CANCELLED,
    }
)
CONTACT_KINDS = frozenset({Kind.FEEDBACK_REQUEST, Kind.FEEDBACK_REMINDER})
# Interview logistics: still sent to an unsubscribed candidate while the interview is on.
LOGISTICS_KINDS = frozenset({Kind.INTERVIEW_CONFIRMATION, Kind.INTERVIEW_REMINDER})


class RenderError(Exception):
    """The touchpoint lacks what its kind needs (no interview, wrong kind of person)."""


@dataclass(frozen=True)
class RenderedEmail:
    kind: str
    to: list[str]
    from_email: str
    subject: str
    text: str
    html: str
    reply_to: str
    headers: dict[str, str] = field(default_factory=dict)
    # Absolute URLs by action name ("confirm", "unsubscribe", …), for the caller and the tests.
    links: dict[str, str] = field(default_factory=dict)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)

    def to_message(self, *, message_id: str) -> EmailMultiAlternatives:
        """The Django message, ready for any mail backend; ``message_id`` makes retries recognisable."""
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=self.from_email,
            to=self.to,
            reply_to=[self.reply_to],
            headers={"Message-ID": message_id, **self.headers},
        )
        message.attach_alternative(self.html, "text/html")
        for filename, content, mimetype in self.attachments:
            message.attach(filename, content, mimetype)
        return message


def prepare() -> None:
    """Load now what the first message would load on its way out: the URL patterns its links are reversed
    from (importing every view) and the email templates (compiled once per process by the cached loader).
    The worker calls it at start, so its first batch is no slower than the rest (~2 s otherwise)."""
    link_url(Link.Purpose.FEEDBACK, "a" * 26)
    folders = cast("list[Path]", settings.TEMPLATES[0]["DIRS"])
    for folder in folders:
        for path in sorted((Path(folder) / "emails").glob("*.*")):
            get_template(f"emails/{path.name}")


def is_logistics_for_attended_interview(touchpoint: Touchpoint) -> bool:
    """True for a confirmation/reminder whose interview is still on (sent even after unsubscribe)."""
    interview = touchpoint.interview
    return touchpoint.kind in LOGISTICS_KINDS and interview is not None and interview.is_upcoming


def render_email(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """Render the email for ``touchpoint``'s kind. Raises ``RenderError`` if the kind has no email
    or the touchpoint lacks what the kind needs; template errors propagate."""
    renderer = RENDERERS.get(touchpoint.kind)
    if renderer is None:
        raise RenderError(f"No email is written for {touchpoint.kind!r}.")
    return renderer(touchpoint, now=now)


# --- one function per kind -------------------------------------------------------------------------


def interview_confirmation(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """Booked (or changed: a touchpoint planned for a later version of the interview says "updated", who
    asked for it, and whether the new time needs confirming again): when and where, with "I'll be there" /
    "Can't make it" and the calendar invite (METHOD:REQUEST)."""
    sequence = step_sequence(touchpoint.step)
    change = version_change(_interview(touchpoint), sequence) if sequence > 0 else VersionChange()
    email = _candidate_email(
        touchpoint,
        now=now,
        actions=("confirm", "cancel", "withdraw"),
        extra={"updated": sequence > 0, "by_company": change.by_company, "reconfirm": change.reconfirm},
    )
    return _with_invite(email, touchpoint, "REQUEST", now=now)


def interview_reminder(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """24 h and 2 h before: a reminder with confirm / can't make it, and the invite again."""
    email = _candidate_email(touchpoint, now=now, actions=("confirm", "cancel", "withdraw"))
    return _with_invite(email, touchpoint, "REQUEST", now=now)


def interview_cancelled(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """The interview is off: a kind word and the METHOD:CANCEL update that removes it from the calendar."""
    interview = _interview(touchpoint)
    reason = cancellation_reason(interview)
    email = _candidate_email(
        touchpoint,
        now=now,
        actions=("withdraw",),
        extra={
            "by_company": interview.status == Interview.Status.CANCELLED_BY_COMPANY,
            "reschedule": reason == CancellationReason.RESCHEDULE,
        },
    )
    return _with_invite(email, touchpoint, "CANCEL", now=now)


def manager_cancellation(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """To the hiring manager, when the agency enabled it: the candidate cannot attend. The same polite text
    the recruiter's "Cancel with <company>" task quotes; never the candidate's own note."""
    contact = touchpoint.contact
    interview = _interview(touchpoint)
    if contact is None or touchpoint.kind != Kind.MANAGER_CANCELLATION:
        raise RenderError(f"{touchpoint.kind!r} is not a cancellation email for a company contact.")
    recruiter = interview.submission.responsible_recruiter
    recruiter_name = (recruiter.get_full_name() or recruiter.get_username()) if recruiter else ""
    prepared = prepare_manager_cancellation_email(
        interview, reason=cancellation_reason(interview), recruiter=recruiter
    )
    reply_to = reply_address(touchpoint, now=now)
    html = render_to_string("emails/manager-cancellation-body.html", {"body": prepared.body})
    return RenderedEmail(
        kind=touchpoint.kind,
        to=[contact.email],
        from_email=_from_address(recruiter_name),
        subject=one_line(prepared.subject),
        text=prepared.body,
        html=html,
        reply_to=reply_to,
        headers={"X-Candidly-Kind": touchpoint.kind},
    )


def follow_up_email(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """A few hours after the interview: the three questions, behind the feedback link."""
    return _candidate_email(touchpoint, now=now, actions=("feedback", "withdraw"))


def nudge(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """A business day later, no answer yet: a short check-in."""
    return _candidate_email(touchpoint, now=now, actions=("feedback", "withdraw"))


def last_call(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """Three business days of silence: it is fine to say you are out."""
    return _candidate_email(touchpoint, now=now, actions=("feedback", "withdraw"))


def missed_you(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """After a no-show: are you alright? No blame."""
    return _candidate_email(touchpoint, now=now, actions=("withdraw",))


def candidate_update(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """The company is slow: tell the candidate honestly where things stand (in the recruiter's own words
    when they edited the prepared message: ``Touchpoint.message_text``)."""
    return _candidate_email(
        touchpoint, now=now, actions=("withdraw",), extra={"message": touchpoint.message_text}
    )


def feedback_request(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """To the hiring manager after the interview: a verdict in a minute."""
    return _contact_email(touchpoint, now=now)


def feedback_reminder(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    """To the hiring manager a business day later: still waiting for the verdict."""
    return _contact_email(touchpoint, now=now)


RENDERERS: dict[str, Callable[..., RenderedEmail]] = {
    Kind.INTERVIEW_CONFIRMATION: interview_confirmation,
    Kind.INTERVIEW_REMINDER: interview_reminder,
    Kind.FOLLOW_UP_EMAIL: follow_up_email,
    Kind.NUDGE: nudge,
    Kind.LAST_CALL: last_call,
    Kind.MISSED_YOU: missed_you,
    Kind.UPDATE: candidate_update,
    Kind.FEEDBACK_REQUEST: feedback_request,
    Kind.FEEDBACK_REMINDER: feedback_reminder,
    Kind.INTERVIEW_CANCELLED: interview_cancelled,
    Kind.MANAGER_CANCELLATION: manager_cancellation,
}


# --- shared building blocks ------------------------------------------------------------------------


def reply_address(touchpoint: Touchpoint, *, now: datetime) -> str:
    """A fresh ``reply+<token>@<reply domain>`` address bound to the touchpoint and its person."""
    token = issue_link(
        Link.Purpose.REPLY,
        candidate=touchpoint.candidate,
        contact=touchpoint.contact,
        interview=touchpoint.interview,
        submission=touchpoint.submission,
        touchpoint=touchpoint,
        now=now,
    )
    return f"reply+{token}@{settings.CANDIDLY_REPLY_DOMAIN}"


def calendar_reply_address(interview: Interview, *, now: datetime) -> str:
    """The interview's one calendar reply address (``links.issue_calendar_reply_link``), the invites'
    ORGANIZER: where the candidate's calendar app sends "Accepted" / "Declined"."""
    token = issue_calendar_reply_link(interview, now=now)
    return f"reply+{token}@{settings.CANDIDLY_REPLY_DOMAIN}"


def _with_invite(
    email: RenderedEmail, touchpoint: Touchpoint, method: InviteMethod, *, now: datetime
) -> RenderedEmail:
    """``email`` with the interview's calendar file attached; its content type names the iTIP method, so
    calendar clients offer to add (REQUEST) or remove (CANCEL) the event."""
    interview = _interview(touchpoint)
    submission = interview.submission
    invite = build_invite(
        interview,
        method=method,
        cancel_link=email.links.get("cancel"),
        organizer=submission.responsible_recruiter,
        reply_to=calendar_reply_address(interview, now=now),
    ).decode("utf-8")
    attachment = (invite_filename(interview), invite, f"text/calendar; method={method}")
    return replace(email, attachments=[*email.attachments, attachment])


def _candidate_email(
    touchpoint: Touchpoint,
    *,
    now: datetime,
    actions: tuple[str, ...],
    extra: dict[str, Any] | None = None,
) -> RenderedEmail:
    candidate = touchpoint.candidate
    if candidate is None or touchpoint.kind not in CANDIDATE_KINDS:
        raise RenderError(f"{touchpoint.kind!r} is not an email for a candidate.")
    interview = touchpoint.interview
    submission = touchpoint.submission or (interview.submission if interview else None)
    if submission is None:
        raise RenderError(f"{touchpoint.kind!r} needs an interview or a submission.")
    if touchpoint.kind != Kind.UPDATE and interview is None:
        raise RenderError(f"{touchpoint.kind!r} needs an interview.")

    links = issue_action_links(touchpoint, candidate, interview, submission, actions=actions, now=now)
    links["unsubscribe"], unsubscribe_headers = _unsubscribe(
        candidate, submission=submission, touchpoint=touchpoint, now=now
    )
    context = build_context(touchpoint, candidate, interview, submission, now=now)
    context.update(
        links=links,
        unsubscribed=candidate.is_unsubscribed,
        logistics=is_logistics_for_attended_interview(touchpoint),
        **(extra or {}),
    )
    return _compose(
        touchpoint.kind,
        context,
        to=candidate.email,
        reply_to=reply_address(touchpoint, now=now),
        links=links,
        headers=unsubscribe_headers,
    )


def _unsubscribe(
    candidate: Candidate, *, submission: Submission | None, touchpoint: Touchpoint | None, now: datetime
) -> tuple[str, dict[str, str]]:
    """Every candidate email's unsubscribe link, and the headers that offer it in the mail client."""
    token = issue_link(
        Link.Purpose.UNSUBSCRIBE, candidate=candidate, submission=submission, touchpoint=touchpoint, now=now
    )
    url = link_url(Link.Purpose.UNSUBSCRIBE, token)
    domain = settings.CANDIDLY_REPLY_DOMAIN
    # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs without cookies.
    return url, {
        "List-Unsubscribe": f"<{url}>, <mailto:unsubscribe+{token}@{domain}?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _contact_email(touchpoint: Touchpoint, *, now: datetime) -> RenderedEmail:
    contact = touchpoint.contact
    if contact is None or touchpoint.kind not in CONTACT_KINDS:
        raise RenderError(f"{touchpoint.kind!r} is not an email for a company contact.")
    interview = touchpoint.interview
    if interview is None:
        raise RenderError(f"{touchpoint.kind!r} needs an interview.")
    submission = interview.submission
    token = issue_link(
        Link.Purpose.FEEDBACK, contact=contact, interview=interview, touchpoint=touchpoint, now=now
    )
    links = {"feedback": link_url(Link.Purpose.FEEDBACK, token)}
    context = build_context(touchpoint, contact, interview, submission, now=now)
    context.update(links=links, candidate=submission.candidate)
    return _compose(
        touchpoint.kind,
        context,
        to=contact.email,
        reply_to=reply_address(touchpoint, now=now),
        links=links,
        headers={},
    )


def issue_action_links(
    touchpoint: Touchpoint,
    candidate: Candidate,
    interview: Interview | None,
    submission: Submission,
    *,
    actions: tuple[str, ...],
    now: datetime,
    short: bool = False,
) -> dict[str, str]:
    links: dict[str, str] = {}
    for action in actions:
        purpose = Link.Purpose(action)
        if purpose == Link.Purpose.WITHDRAW and not submission.is_open:
            continue  # nothing left to withdraw from
        if purpose in (Link.Purpose.CONFIRM, Link.Purpose.CANCEL) and (
            interview is None or not interview.is_upcoming
        ):
            continue
        token = issue_link(
            purpose,
            candidate=candidate,
            interview=interview if purpose != Link.Purpose.WITHDRAW else None,
            submission=submission,
            touchpoint=touchpoint,
            now=now,
        )
        links[action] = link_url(purpose, token, short=short)
    return links


def build_context(
    touchpoint: Touchpoint,
    person: Candidate | Contact,
    interview: Interview | None,
    submission: Submission,
    *,
    now: datetime,
) -> dict[str, Any]:
    recruiter = submission.responsible_recruiter
    zone = ZoneInfo(person.time_zone)
    context: dict[str, Any] = {
        "touchpoint": touchpoint,
        "person": person,
        "first_name": person.name.split()[0] if person.name.strip() else person.name,
        "submission": submission,
        "role": submission.role,
        "company": submission.role.company,
        **_signature(recruiter),
        "zone_label": _zone_label(person.time_zone),
        "interview": interview,
    }
    if interview is not None:
        # Written only when a template (or the agency's words) shows them: most emails after an interview do
        # not, and each is a time-zone conversion and a date format.
        starts_at, ends_at = interview.starts_at, interview.ends_at
        context.update(
            starts=SimpleLazyObject(lambda: _format(starts_at, zone)),
            starts_short=SimpleLazyObject(lambda: _format(starts_at, zone, "D j M, H:i")),
            ends_time=SimpleLazyObject(lambda: _format(ends_at, zone, "H:i")),
            starts_relative=SimpleLazyObject(lambda: _relative(starts_at, now, zone)),
        )
    return context


def _signature(recruiter: User | None) -> dict[str, str]:
    """Who signs a candidate's or contact's email: the recruiter's name and a ``tel:`` number."""
    return {
        "recruiter_name": (recruiter.get_full_name() or recruiter.get_username()) if recruiter else "",
        "recruiter_phone": recruiter.phone if recruiter else "",
        "recruiter_phone_display": display_phone(recruiter.phone) if recruiter else "",
    }


STORED = "stored"


def _compose(
    kind: str,
    context: dict[str, Any],
    *,
    to: str,
    reply_to: str,
    links: dict[str, str],
    headers: dict[str, str],
    words: wording.Parts | str | None = STORED,
) -> RenderedEmail:
    """The one way an email is written: ``emails/<kind>-subject.txt``, ``-body.txt`` and ``-body.html``
    rendered with ``context``, from the signing recruiter "via" the agency, replies routed to ``reply_to``.

    When the agency reworded the kind (``messaging.wording``), its subject and body speak instead, inside
    the same layout (greeting, signature, footer links); the HTML body is the text made into paragraphs
    with clickable links. ``words`` overrides that for a preview: given parts, or None for the files.
    """
    context["reply_to"] = reply_to
    parts = (wording.stored_parts(kind) if kind in wording.EDITABLE else None) if words == STORED else words
    if isinstance(parts, wording.Parts):
        layout = wording.spec_for(kind).layout
        body = wording.render_source(parts.body, context).strip()
        subject_text = wording.render_source(parts.subject, context)
        text = render_text(f"emails/_custom-{layout}-body.txt", {**context, "custom_body": body})
        html = render_to_string(
            f"emails/_custom-{layout}-body.html", {**context, "custom_body": wording.as_html(body)}
        )
    else:
        subject_text = render_text(f"emails/{kind}-subject.txt", context)
        text = render_text(f"emails/{kind}-body.txt", context)
        html = render_to_string(f"emails/{kind}-body.html", context)
    return RenderedEmail(
        kind=kind,
        to=[to],
        from_email=_from_address(context["recruiter_name"]),
        subject=one_line(subject_text),
        text=text.strip() + "\n",
        html=html,
        reply_to=reply_to,
        headers={"X-Candidly-Kind": kind, **headers},
        links=links,
    )


def render_text(name: str, context: dict[str, Any]) -> str:
    # Plain text must not be HTML-escaped ("O'Brien & Sons" stays as typed), so render without autoescape.
    template = get_template(name).template  # type: ignore[attr-defined]
    text = str(template.render(Context(context, autoescape=False)))
    # Template tags leave blank lines behind; keep at most one empty line between paragraphs.
    return re.sub(r"\n[ \t]*(\n[ \t]*){2,}", "\n\n", text)


def one_line(text: str) -> str:
    """``text`` fit for a header: any run of whitespace, line breaks included, becomes one space."""
    return re.sub(r"\s+", " ", text).strip()


def _from_address(recruiter_name: str) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if recruiter_name:
        name = one_line(f"{recruiter_name} via {name or 'Candidly'}")
    return formataddr((name, address)) if name else address


def _zone_label(zone: str) -> str:
    return f"{zone.rsplit('/', 1)[-1].replace('_', ' ')} time"


def _format(moment: datetime, zone: ZoneInfo, pattern: str = "l j F, H:i") -> str:
    return dateformat.format(timezone.localtime(moment, zone), pattern)


def _relative(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "in 2 hours", "today at 14:00", "tomorrow at 09:30" or "on Friday 6 March at 10:00"."""
    delta = moment - now
    local, local_now = timezone.localtime(moment, zone), timezone.localtime(now, zone)
    if timedelta(0) < delta <= timedelta(hours=3):
        hours = round(delta.total_seconds() / 3600)
        return "within the hour" if hours < 1 else f"in {hours} hour{'s' if hours > 1 else ''}"
    clock = local.strftime("%H:%M")
    if local.date() == local_now.date():
        return f"today at {clock}"
    if local.date() == local_now.date() + timedelta(days=1):
        return f"tomorrow at {clock}"
    return f"on {dateformat.format(local, 'l j F')} at {clock}"


def _interview(touchpoint: Touchpoint) -> Interview:
    if touchpoint.interview is None:
        raise RenderError(f"{touchpoint.kind!r} needs an interview.")
    return touchpoint.interview


def keyed_message_id(prefix: str, key: str) -> str:
    """The ``Message-ID`` of the email identified by ``key`` (a touchpoint's idempotency key, a row's id).

    The same key always gives the same id, so a retried send is recognisable as a duplicate; the id is an
    HMAC under a key derived from ``SECRET_KEY``, so nobody can guess the id of a message they did not
    receive (ids are not proof of anything either: a reply is tied to a person by its reply token).
    """
    digest = salted_hmac("candidly.message-id", key, algorithm="sha256").hexdigest()[:32]
    return f"<{prefix}-{digest}@{settings.CANDIDLY_REPLY_DOMAIN}>"


# --- emails a recruiter sends from a page (no touchpoint): suggested roles, a company's decision ----------

ROLES_YOU_MIGHT_LIKE = "roles-you-might-like"
COMPANY_DECLINED = "company-declined"


def roles_you_might_like(
    candidate: Candidate,
    *,
    roles: Sequence[tuple[Role, str]],
    after: Submission | None,
    recruiter: User | None,
    now: datetime,
) -> RenderedEmail:
    """Open roles that may suit the candidate better, each with the URL of its public page ("I'm
    interested"). ``after`` is the process that ended, when there was one (the email mentions it)."""
    items = [
        {
            "title": role.title,
            "company": role.company.name,
            "where": role_where(role),
            "pay": role_pay_band(role),
            "url": url,
        }
        for role, url in roles
    ]
    context = {"roles": items, "after": after, "role": after.role if after else None}
    return _direct_candidate_email(
        ROLES_YOU_MIGHT_LIKE, candidate, submission=after, recruiter=recruiter, context=context, now=now
    )


def company_declined(
    submission: Submission, *, subject: str, message: str, recruiter: User | None, now: datetime
) -> RenderedEmail:
    """The honest news that the company decided not to move forward, as the recruiter reviewed it:
    ``subject`` and ``message`` (the middle of the email; greeting and signature come from the layout)."""
    context = {"message": message.strip(), "subject": subject}
    return _direct_candidate_email(
        COMPANY_DECLINED,
        submission.candidate,
        submission=submission,
        recruiter=recruiter,
        context=context,
        now=now,
    )


def send_now(email: RenderedEmail, *, message_id: str) -> None:
    """Hand ``email`` to the configured mail backend now (SMTP, an anymail provider, the demo inbox).

    For messages a recruiter sends from a page and sees the result of: any failure raises (``OSError``,
    ``smtplib.SMTPException`` or the provider's error) and the caller shows it; nothing is retried here.
    """
    connection = get_connection(fail_silently=False)
    if connection.send_messages([email.to_message(message_id=message_id)]) != 1:
        raise RuntimeError("The mail backend accepted no message.")


def _direct_candidate_email(
    kind: str,
    candidate: Candidate,
    *,
    submission: Submission | None,
    recruiter: User | None,
    context: dict[str, Any],
    now: datetime,
) -> RenderedEmail:
    # The promises of a touchpoint's email: a routed Reply-To, one-click unsubscribe, the recruiter's tel:.
    reply_token = issue_link(Link.Purpose.REPLY, candidate=candidate, submission=submission, now=now)
    links: dict[str, str] = {}
    links["unsubscribe"], unsubscribe_headers = _unsubscribe(
        candidate, submission=submission, touchpoint=None, now=now
    )
    context = {
        "person": candidate,
        "first_name": candidate.name.split()[0] if candidate.name.strip() else candidate.name,
        "submission": submission,
        "company": submission.role.company if submission else None,
        **_signature(recruiter),
        "links": links,
        "unsubscribed": candidate.is_unsubscribed,
        "logistics": False,
        "now": now,
        **context,
    }
    return _compose(
        kind,
        context,
        to=candidate.email,
        reply_to=f"reply+{reply_token}@{settings.CANDIDLY_REPLY_DOMAIN}",
        links=links,
        headers=unsubscribe_headers,
    )


def role_where(role: Role) -> str:
    if role.workplace == role.Workplace.REMOTE:
        return f"Remote{f' ({role.location})' if role.location else ''}"
    label = role.get_workplace_display()
    return f"{label}, {role.location}" if role.location else label


def role_pay_band(role: Role) -> str:
    low, high = role.compensation_min, role.compensation_max
    if low is not None and high is not None:
        return f"{low:,} to {high:,} {role.currency}"
    if high is not None:
        return f"up to {high:,} {role.currency}"
    if low is not None:
        return f"from {low:,} {role.currency}"
    return ""


# --- the agency's own words: the context a kind is written with, for a preview or a check ---------------

PREVIEW_ROLES = (
    {
        "title": "Data Engineer",
        "company": "Globex",
        "where": "Remote",
        "pay": "70,000 to 90,000 EUR",
        "url": "https://example.invalid/role",
    },
)


def message_context(
    kind: str, *, interview: Interview | None, recruiter: User | None, now: datetime
) -> tuple[Candidate | Contact, dict[str, Any]]:
    """The recipient and the context ``kind`` is written with for ``interview`` (a real one, for a preview),
    or for a made-up one (``None``, to check an admin's words): every variable ``messaging.wording`` lists
    is there. Nothing is saved and no link is issued: the links point nowhere."""
    if interview is None:
        company = Company(name="Acme Robotics", country="GB", time_zone="Europe/London")
        manager = Contact(name="Hannah Manager", company=company, email="hannah@example.invalid")
        candidate = Candidate(
            name="Cara Candidate", email="cara@example.invalid", time_zone="America/New_York"
        )
        role = Role(title="Backend Engineer", company=company, hiring_manager=manager)
        submission = Submission(candidate=candidate, role=role, recruiter=recruiter)
        zone = ZoneInfo("America/New_York")
        starts = datetime.combine((now + timedelta(days=2)).astimezone(zone).date(), time(14), tzinfo=zone)
        interview = Interview(
            submission=submission,
            round=1,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            time_zone="America/New_York",
            format=Interview.Format.VIDEO,
            video_url="https://meet.example.invalid/abc-defg-hij",
        )
    submission = interview.submission
    spec = wording.spec_for(kind)
    person: Candidate | Contact = (
        submission.candidate if spec.layout == "candidate" else submission.role.hiring_manager
    )
    touchpoint = Touchpoint(
        kind=kind,
        candidate=person if isinstance(person, Candidate) else None,
        contact=person if isinstance(person, Contact) else None,
        interview=interview,
        submission=submission,
    )
    context = build_context(touchpoint, person, interview, submission, now=now)
    if recruiter is not None and not context["recruiter_name"]:
        context.update(_signature(recruiter))
    base = settings.CANDIDLY_BASE_URL
    links = {
        action: f"{base}/l/{action}/preview/" for action in ("confirm", "cancel", "withdraw", "feedback")
    }
    links["unsubscribe"] = f"{base}/u/preview/"
    context.update(
        links=links,
        candidate=submission.candidate,
        unsubscribed=False,
        logistics=False,
        updated=False,
        by_company=False,
        reconfirm=False,
        reschedule=True,
        message="",
        roles=list(PREVIEW_ROLES),
        after=submission,
        now=now,
    )
    return person, context


def compose_preview(
    kind: str, context: dict[str, Any], *, to: str, words: wording.Parts | None
) -> RenderedEmail:
    """``kind`` written with ``context`` through the one pipeline, with ``words`` (None: the files)."""
    return _compose(
        kind,
        context,
        to=to,
        reply_to=f"reply+preview@{settings.CANDIDLY_REPLY_DOMAIN}",
        links=context["links"],
        headers={},
        words=words,
    )
