"""The agency's own words: which message kinds an admin may reword, their defaults, and the checks.

Each editable kind has three parts: the subject, the body -- the words between the greeting and the
signature, which ``templates/emails/_candidate.txt`` / ``_contact.txt`` put around it, with the links
footer -- and, for candidate kinds, the SMS. The defaults are the kind's files in ``templates/emails/``
(the body is the file's ``{% block body %}``). An admin's version is a ``MessageWording`` row, written by
``messaging.agency_words``; ``messaging.emails._compose`` and ``messaging.sms.render_sms`` use it.

The parts are Django templates with a deliberately small language: the variables listed per kind, the
built-in filters, ``if`` / ``for`` / ``with`` / ``firstof``, ``comment``, and ``include`` of the shared
interview details only. ``load``, ``extends``, ``debug``, ``url`` and the like are refused when saved
(:func:`check_source`): a message must never fail, or say more than it should, when it is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError, engines
from django.template.base import Node, TextNode, VariableNode
from django.template.defaulttags import (
    CommentNode,
    CycleNode,
    FilterNode,
    FirstOfNode,
    ForNode,
    IfChangedNode,
    IfNode,
    NowNode,
    SpacelessNode,
    WithNode,
)
from django.template.loader import get_template
from django.template.loader_tags import IncludeNode
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

from candidly.followups.models import Touchpoint
from candidly.messaging.models import MessageWording

Kind = Touchpoint.Kind

# Rendered in place of a variable that does not exist when a part is checked: the check looks for it.
UNKNOWN_MARK = "\x00unknown:%s\x00"
UNKNOWN_RE = re.compile("\x00unknown:(.*?)\x00")
ALLOWED_NODES: tuple[type[Node], ...] = (
    TextNode,
    VariableNode,
    IfNode,
    ForNode,
    WithNode,
    FirstOfNode,
    CommentNode,
    CycleNode,
    IfChangedNode,
    FilterNode,
    NowNode,
    SpacelessNode,
)
ALLOWED_INCLUDES = frozenset({"emails/_interview.txt"})
BODY_RE = re.compile(r"\{%\s*block body\s*%\}(.*)\{%\s*endblock\s*%\}\s*$", re.DOTALL)


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    # Whose layout goes around the body: "candidate" (with the withdraw and unsubscribe footer) or "contact".
    layout: str
    variables: tuple[Variable, ...]
    sms: bool = False


@dataclass(frozen=True)
class Parts:
    subject: str
    body: str
    sms: str = ""


_PERSON = (
    Variable("first_name", "The recipient's first name"),
    Variable("person.name", "The recipient's full name"),
    Variable("company.name", "The client company"),
    Variable("role.title", "The role"),
    Variable("recruiter_name", "The recruiter who signs"),
    Variable("recruiter_phone_display", "The recruiter's phone number, readable"),
)
_CANDIDATE = (
    *_PERSON,
    Variable("links.withdraw", "The one-click “I'm no longer interested” link (while the process is open)"),
)
_INTERVIEW = (
    Variable("starts", "The start, in the recipient's zone: “Thursday 12 March, 14:00”"),
    Variable("starts_short", "The start, short: “Thu 12 Mar, 14:00”"),
    Variable("ends_time", "The end time: “15:00”"),
    Variable("starts_relative", "“in 2 hours”, “tomorrow at 14:00”, “on Friday 13 March at 10:00”"),
    Variable("zone_label", "The recipient's zone: “New York time”"),
    Variable("interview.round", "The round number"),
    Variable("interview.video_url", "The video link (video interviews)"),
    Variable("interview.address", "The address (on-site interviews)"),
)
_CONFIRM = (
    Variable("links.confirm", "“I'll be there” (while the interview is upcoming)"),
    Variable("links.cancel", "“I can't make it” (while the interview is upcoming)"),
)
_FEEDBACK = (Variable("links.feedback", "The three questions, one minute"),)

EDITABLE: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            Kind.INTERVIEW_CONFIRMATION,
            "Interview confirmation (with the calendar invite)",
            "candidate",
            (
                *_CANDIDATE,
                *_INTERVIEW,
                *_CONFIRM,
                Variable("updated", "True when the interview changed since the first confirmation"),
                Variable("by_company", "True when the company asked for the change"),
                Variable("reconfirm", "True when they had confirmed the earlier time"),
            ),
            sms=True,
        ),
        KindSpec(
            Kind.INTERVIEW_REMINDER,
            "Interview reminder (the day before, 2 hours before)",
            "candidate",
            (*_CANDIDATE, *_INTERVIEW, *_CONFIRM),
            sms=True,
        ),
        KindSpec(
            Kind.INTERVIEW_CANCELLED,
            "Interview cancelled (with the calendar cancellation)",
            "candidate",
            (
                *_CANDIDATE,
                *_INTERVIEW,
                Variable("by_company", "True when the company called the round off"),
                Variable("reschedule", "True when the candidate asked for another time"),
            ),
        ),
        KindSpec(
            Kind.FOLLOW_UP_EMAIL,
            "Follow-up after the interview",
            "candidate",
            (*_CANDIDATE, *_INTERVIEW, *_FEEDBACK),
            sms=True,
        ),
        KindSpec(
            Kind.NUDGE,
            "Nudge a business day later",
            "candidate",
            (*_CANDIDATE, *_INTERVIEW, *_FEEDBACK),
            sms=True,
        ),
        KindSpec(
            Kind.LAST_CALL,
            "“It is fine to tell us you are out”",
            "candidate",
            (*_CANDIDATE, *_INTERVIEW, *_FEEDBACK),
            sms=True,
        ),
        KindSpec(
            Kind.MISSED_YOU,
            "“We missed you” after a no-show",
            "candidate",
            (*_CANDIDATE, *_INTERVIEW),
            sms=True,
        ),
        KindSpec(
            Kind.UPDATE,
            "The honest update while the company is slow",
            "candidate",
            (*_CANDIDATE, Variable("message", "The recruiter's own words, when they edited the update")),
            sms=True,
        ),
        KindSpec(
            Kind.FEEDBACK_REQUEST,
            "Feedback request to the interviewers",
            "contact",
            (*_PERSON, *_INTERVIEW, *_FEEDBACK, Variable("candidate.name", "The candidate")),
        ),
        KindSpec(
            Kind.FEEDBACK_REMINDER,
            "Feedback reminder to the interviewers",
            "contact",
            (*_PERSON, *_INTERVIEW, *_FEEDBACK, Variable("candidate.name", "The candidate")),
        ),
        KindSpec(
            "roles-you-might-like",
            "Roles they might like",
            "candidate",
            (
                *_PERSON,
                Variable("after.role.title", "The role of the process that ended, if any"),
                Variable("after.role.company.name", "Its company"),
                Variable("roles", "The roles: each item has title, company, where, pay and url"),
            ),
        ),
    )
}


def spec_for(kind: str) -> KindSpec:
    """The editable kind ``kind``; ``KeyError`` for one that is not editable."""
    return EDITABLE[kind]


@cache
def default_parts(kind: str) -> Parts:
    """The kind's words as its files in ``templates/emails/`` have them."""
    spec = spec_for(kind)
    body_source = _source(f"emails/{kind}-body.txt")
    match = BODY_RE.search(body_source)
    if match is None:
        raise ValueError(f"emails/{kind}-body.txt has no {{% block body %}} to edit.")
    return Parts(
        subject=_source(f"emails/{kind}-subject.txt").strip(),
        body=match.group(1).strip(),
        sms=_source(f"emails/{kind}-sms.txt").strip() if spec.sms else "",
    )


def _source(name: str) -> str:
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.source)


def stored_parts(kind: str) -> Parts | None:
    """The admin's words for ``kind``, or None while the defaults speak (one query)."""
    row = MessageWording.objects.filter(kind=kind).first()
    if row is None:
        return None
    return Parts(subject=row.subject, body=row.body, sms=row.sms or default_parts(kind).sms)


def current_parts(kind: str) -> Parts:
    return stored_parts(kind) or default_parts(kind)


def _engine() -> Engine:
    return engines["django"].engine  # type: ignore[attr-defined,no-any-return]


@cache
def _strict_engine() -> Engine:
    default = _engine()
    return Engine(
        dirs=default.dirs,
        app_dirs=default.app_dirs,
        libraries=default.libraries,
        string_if_invalid=UNKNOWN_MARK,
        autoescape=False,
    )


def render_source(source: str, context: dict[str, Any], *, strict: bool = False) -> str:
    """Render one part as plain text (nothing HTML-escaped). With ``strict``, a variable that does not
    exist renders as a mark :func:`unknown_variables` finds."""
    return str(_compiled(source, strict).render(Context(context, autoescape=False)))


@lru_cache(maxsize=64)
def _compiled(source: str, strict: bool) -> Template:
    # The same words render for many people in a row (the silence check's batches): parse them once.
    return Template(source, engine=_strict_engine() if strict else _engine())


def unknown_variables(rendered: str) -> list[str]:
    return sorted(set(UNKNOWN_RE.findall(rendered)))


def as_html(text: str) -> SafeString:
    """A body written as plain text, for the HTML version: escaped, links made clickable, paragraphs."""
    return mark_safe(linebreaks(urlize(text, autoescape=True)))  # noqa: S308 - escaped by urlize


def check_source(source: str) -> None:
    """Refuse a part that does not compile or uses more than the small language (see the module
    docstring): ``ValidationError`` with a message for people."""
    try:
        template = Template(source, engine=_engine())
    except TemplateSyntaxError as exc:
        raise ValidationError(f"This does not work as a template: {exc}") from exc
    for node in _walk(template.nodelist):
        if isinstance(node, IncludeNode):
            name = getattr(node.template, "var", None)
            if name not in ALLOWED_INCLUDES:
                raise ValidationError(f"Only {', '.join(sorted(ALLOWED_INCLUDES))} may be included.")
        elif not isinstance(node, ALLOWED_NODES):
            tag = getattr(node, "token", None)
            what = (
                f"{{% {tag.contents.split()[0]} %}}"
                if tag is not None and tag.contents
                else type(node).__name__
            )
            raise ValidationError(f"{what} cannot be used in a message.")


def _walk(nodelist: Any) -> Any:
    for node in nodelist:
        yield node
        for name in node.child_nodelists:
            child = getattr(node, name, None)
            if child:
                yield from _walk(child)
