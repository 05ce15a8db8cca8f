"""Better-suited roles (PRODUCT.md rule 7): rank open roles for a candidate, and send them in one email.

The scoring is plain arithmetic on purpose: every point comes with a sentence (``Reason``), so a recruiter
sees exactly why a role is on the list. ``score_role`` is pure (no database); ``suggest_roles`` loads what it
needs in a fixed number of queries.

- Fit with their preferences: +2 per shared tag; +2 in one of their locations; remote/on-site preference
  +2 when met, -3 when the role is on-site and they want remote only; +1 when the band reaches their minimum.
- Away from the reason their last process ended: compensation → +3 pays more than that role, -2 otherwise;
  location → +3 remote, -2 the same place; team or culture → never that company; role different or process
  too slow → -2 the same company (+1 a written description, for "different"); the company declined → -1 the
  same company. Personal and other reasons change nothing.
- Never: a closed role, a role they already had a submission for (whatever its outcome), a role whose band
  tops out below their minimum (same currency), a company they left for team or culture.
- Nothing at all when their last process ended because they accepted another offer or were placed (unless
  they said they are open to other roles), or when they said they are not open to other roles.
Only roles with a positive score are suggested, best first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from candidly.accounts.models import User
from candidly.followups.models import Task
from candidly.followups.tasks import create_task
from candidly.hiring.models import Role, RoleSuggestion, Submission
from candidly.messaging import emails
from candidly.messaging.links import hash_token, issue_link
from candidly.messaging.models import Link
from candidly.people.models import Candidate, Company
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event
from candidly.timeline.services import record_event

EndReason = Submission.EndReason

# The purpose of the signed link behind each suggested role's public page ("I'm interested").
INTERESTED = "interested"

TAG_POINTS = 2
LOCATION_POINTS = 2
WORKPLACE_POINTS = 2
WORKPLACE_MISMATCH = -3
PAY_FLOOR_POINTS = 1
AWAY_POINTS = 3
SAME_AGAIN = -2
DESCRIPTION_POINTS = 1
DECLINED_SAME_COMPANY = -1
DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class Reason:
    """One line of a suggestion's explanation and what it adds to the score."""

    points: int
    text: str

    def __str__(self) -> str:
        return f"{self.points:+d} {self.text}"


@dataclass(frozen=True)
class Suggestion:
    role: Role
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> int:
        return sum(reason.points for reason in self.reasons)


@dataclass(frozen=True)
class Profile:
    """What the scoring knows about the candidate: preferences and the process that ended last."""

    tags: frozenset[str]
    locations: tuple[str, ...]
    remote: str
    min_compensation: int | None
    currency: str
    last: Submission | None = None
    excluded_roles: frozenset[int] = frozenset()
    excluded_companies: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Suggestions:
    """The ranked list, the process it follows (if any), and why it is empty when Candidly holds back."""

    items: list[Suggestion] = field(default_factory=list)
    after: Submission | None = None
    held_back: str = ""


def _money(amount: int, currency: str) -> str:
    return f"{amount:,} {currency}"


def _places(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


def _same_place(role_location: str, places: Iterable[str]) -> bool:
    here = role_location.strip().lower()
    return bool(here) and any(place in here or here in place for place in places)


def score_role(role: Role, profile: Profile, role_tags: Iterable[str]) -> Suggestion | None:
    """Score one role for ``profile``; None when the role must never be suggested (rules above)."""
    if role.status != Role.Status.OPEN or role.pk in profile.excluded_roles:
        return None
    if role.company_id in profile.excluded_companies:
        return None
    same_currency = role.currency == profile.currency
    floor = profile.min_compensation
    if (
        floor is not None
        and same_currency
        and role.compensation_max is not None
        and role.compensation_max < floor
    ):
        return None

    reasons: list[Reason] = []
    shared = sorted(profile.tags & set(role_tags))
    if shared:
        reasons.append(Reason(TAG_POINTS * len(shared), f"Matches their tags: {', '.join(shared)}"))
    remote_role = role.workplace == Role.Workplace.REMOTE
    if not remote_role and _same_place(role.location, profile.locations):
        reasons.append(Reason(LOCATION_POINTS, f"In {role.location}, one of their locations"))
    reasons += _workplace_reasons(role, profile.remote)
    if floor is not None and same_currency and role.compensation_max is not None:
        reasons.append(
            Reason(
                PAY_FLOOR_POINTS,
                f"Pays up to {_money(role.compensation_max, role.currency)}, "
                f"at or above their minimum of {_money(floor, profile.currency)}",
            )
        )
    if profile.last is not None:
        reasons += _away_from(role, profile.last)
    return Suggestion(role, tuple(reasons))


def _workplace_reasons(role: Role, preference: str) -> list[Reason]:
    workplace = role.workplace
    if preference == Candidate.Remote.REMOTE:
        if workplace == Role.Workplace.REMOTE:
            return [Reason(WORKPLACE_POINTS, "Remote, as they prefer")]
        if workplace == Role.Workplace.ONSITE:
            return [Reason(WORKPLACE_MISMATCH, "On-site, but they want remote only")]
        return []
    if preference in (Candidate.Remote.HYBRID, Candidate.Remote.ONSITE) and workplace == preference:
        return [Reason(WORKPLACE_POINTS, f"{role.get_workplace_display()}, as they prefer")]
    return []


def _away_from(role: Role, last: Submission) -> list[Reason]:
    """Points for moving away from what went wrong in ``last`` (its ``end_reason``)."""
    before = last.role
    reason = last.end_reason
    same_company = role.company_id == before.company_id
    if reason == EndReason.COMPENSATION:
        if (
            role.compensation_max is not None
            and role.currency == before.currency
            and (before.compensation_max is None or role.compensation_max > before.compensation_max)
        ):
            return [Reason(AWAY_POINTS, f"Pays more than {before.title} ({_pay(role)} vs {_pay(before)})")]
        return [Reason(SAME_AGAIN, f"Does not pay more than {before.title}, and pay was why they left it")]
    if reason == EndReason.LOCATION:
        if role.workplace == Role.Workplace.REMOTE:
            return [Reason(AWAY_POINTS, f"Remote: location was why they left {before.title}")]
        if _same_place(role.location, _places(before.location)):
            return [Reason(SAME_AGAIN, f"Same location as {before.title}, which did not suit them")]
        return []
    if reason in (EndReason.ROLE_DIFFERENT, EndReason.PROCESS_SLOW):
        why = (
            "whose role was not as described"
            if reason == EndReason.ROLE_DIFFERENT
            else "whose process was too slow"
        )
        reasons = []
        if same_company:
            reasons.append(Reason(SAME_AGAIN, f"Same company as {before.title}, {why}"))
        if reason == EndReason.ROLE_DIFFERENT and role.description.strip():
            reasons.append(Reason(DESCRIPTION_POINTS, "Has a written description they can check first"))
        return reasons
    if reason == EndReason.COMPANY_DECLINED and same_company:
        return [Reason(DECLINED_SAME_COMPANY, f"{before.company.name} just declined them for {before.title}")]
    return []


def _pay(role: Role) -> str:
    return f"up to {_money(role.compensation_max, role.currency)}" if role.compensation_max else "unknown"


def last_ended(submissions: Iterable[Submission]) -> Submission | None:
    """The submission that ended most recently, if any."""
    ended = [s for s in submissions if s.ended_at is not None]
    return max(ended, key=lambda s: (s.ended_at, s.pk)) if ended else None


def build_profile(candidate: Candidate, submissions: Sequence[Submission]) -> tuple[Profile, str]:
    """The scoring profile from the candidate and all their submissions (roles and companies loaded).

    Returns ``(profile, held_back)``; ``held_back`` is the reason to suggest nothing right now, or "".
    """
    last = last_ended(submissions)
    held_back = ""
    if last is not None:
        if last.open_to_other_roles is False:
            held_back = "They said they are not open to other roles."
        elif last.end_reason == EndReason.OTHER_OFFER and last.open_to_other_roles is not True:
            held_back = "They accepted another offer; suggest roles once they say they are looking again."
        elif last.stage == Submission.Stage.PLACED:
            held_back = "They were placed; suggest roles once they say they are looking again."
    # Only a withdrawal or a rejection says something to move away from.
    moved_away = last is not None and last.stage in (Submission.Stage.WITHDRAWN, Submission.Stage.REJECTED)
    profile = Profile(
        tags=frozenset(tag.name for tag in candidate.role_tags.all()),
        locations=_places(candidate.locations),
        remote=candidate.remote,
        min_compensation=candidate.min_compensation,
        currency=candidate.currency,
        last=last if moved_away else None,
        excluded_roles=frozenset(s.role_id for s in submissions),
        excluded_companies=frozenset(
            s.role.company_id for s in submissions if s.end_reason == EndReason.TEAM_CULTURE
        ),
    )
    return profile, held_back


def _shared_tags(candidate: Candidate) -> dict[int, list[str]]:
    """Open roles' tags that are also the candidate's, by role: only shared tags score, so this reads the
    tag links of the candidate's few tags (indexed by tag) rather than every tag of every open role."""
    tags = {tag.pk: tag.name for tag in candidate.role_tags.all()}
    shared: dict[int, list[str]] = {}
    if not tags:
        return shared
    links = Role.tags.through.objects.filter(tag_id__in=tags, role__status=Role.Status.OPEN)
    for role_id, tag_id in links.values_list("role_id", "tag_id"):
        shared.setdefault(role_id, []).append(tags[tag_id])
    return shared


def suggest_roles(
    candidate: Candidate,
    *,
    limit: int = DEFAULT_LIMIT,
    submissions: Sequence[Submission] | None = None,
) -> Suggestions:
    """The top ``limit`` open roles for ``candidate``, best first (ties by title), each with its reasons.

    Three queries: the candidate's submissions (skipped when given, with ``role__company`` loaded), the open
    roles not already in them with their company, and those roles' tags. The candidate's own tags come from
    ``candidate.role_tags.all()`` (prefetch them to save one more). Never fails for a candidate without
    preferences or history: roles then score on nothing and none is suggested.
    """
    if submissions is None:
        submissions = list(Submission.objects.filter(candidate=candidate).select_related("role__company"))
    profile, held_back = build_profile(candidate, submissions)
    after = last_ended(submissions)
    if held_back:
        return Suggestions(after=after, held_back=held_back)
    # Thousands of open roles are scored: read only what the scoring reads (no timestamps: decoding them
    # was most of the page), and the company's name rather than a Company per role. The description
    # counts only after a "role different" ending.
    scoring = ["id", "title", "company_id", "status", "currency", "compensation_min", "compensation_max"]
    scoring += ["workplace", "location", "recruiter_id", "hiring_manager_id"]
    if profile.last is not None and profile.last.end_reason == EndReason.ROLE_DIFFERENT:
        scoring.append("description")
    roles = (
        Role.objects.filter(status=Role.Status.OPEN)
        .exclude(pk__in=profile.excluded_roles)
        .exclude(company_id__in=profile.excluded_companies)
        .only(*scoring)
        .annotate(company_name=F("company__name"))
    )
    open_roles = list(roles)
    # No open role to score: no tag links to read either.
    shared = _shared_tags(candidate) if open_roles else {}
    scored = []
    for role in open_roles:
        suggestion = score_role(role, profile, shared.get(role.pk, ()))
        if suggestion is not None and suggestion.score > 0:
            scored.append(suggestion)
    scored.sort(key=lambda s: (-s.score, s.role.title.lower(), s.role.pk))
    items = scored[:limit]
    for item in items:
        # The company as a row read with its name only (any other field loads when first read).
        item.role.company = Company.from_db(
            roles.db,
            ["id", "name"],
            [item.role.company_id, item.role.company_name],  # type: ignore[attr-defined]
        )
    return Suggestions(items=items, after=after)


# --- sending them ---------------------------------------------------------------------------------------


class SendError(Exception):
    """The email could not be sent (the mail server refused or was unreachable); nothing was marked sent."""


@dataclass(frozen=True)
class SentSuggestions:
    rows: list[RoleSuggestion]
    message_id: str


def role_page_url(token: str) -> str:
    from django.urls import reverse

    return f"{settings.CANDIDLY_BASE_URL}{reverse('hiring:role-public', args=[token])}"


def send_role_suggestions(
    candidate: Candidate,
    *,
    role_ids: Sequence[int] | None,
    actor: User,
    now: datetime,
) -> SentSuggestions:
    """Email ``candidate`` the current suggestions (those among ``role_ids`` when given) right away.

    Steps: (1) one transaction stores a ``RoleSuggestion`` per role with the signed link of its public page;
    (2) the "roles you might like" email goes to the mail backend (SMTP in production); (3) one transaction
    marks the rows sent and records a ``candidate.roles_suggested`` Event. Suggestions are recomputed, so a
    role closed since the page was shown is left out. Raises ``ValidationError`` when the candidate is
    unsubscribed or nothing is left to suggest, ``SendError`` when the mail could not be handed over (the
    rows stay unsent, an Event records the failure, the links are revoked).
    """
    if candidate.is_unsubscribed:
        raise ValidationError("They unsubscribed from our emails: call them about these roles instead.")
    suggestions = suggest_roles(candidate)
    items = suggestions.items
    if role_ids is not None:
        wanted = set(role_ids)
        items = [item for item in items if item.role.pk in wanted]
    if not items:
        raise ValidationError("There is no open role to suggest right now.")

    with transaction.atomic():
        rows: list[RoleSuggestion] = []
        urls: list[str] = []
        for item in items:
            token = issue_link(INTERESTED, candidate=candidate, submission=suggestions.after, now=now)
            link = Link.objects.get(token_hash=hash_token(token, INTERESTED))
            rows.append(
                RoleSuggestion.objects.create(
                    candidate=candidate,
                    role=item.role,
                    after_submission=suggestions.after,
                    score=item.score,
                    reasons=[str(reason) for reason in item.reasons],
                    link=link,
                    suggested_by=actor,
                    created_at=now,
                )
            )
            urls.append(role_page_url(token))
    message_id = emails.keyed_message_id("roles", str(rows[0].pk))
    try:
        email = emails.roles_you_might_like(
            candidate,
            roles=[(row.role, url) for row, url in zip(rows, urls, strict=True)],
            after=suggestions.after,
            recruiter=candidate.recruiter or actor,
            now=now,
        )
        emails.send_now(email, message_id=message_id)
    except Exception as exc:
        with transaction.atomic():
            Link.objects.filter(pk__in=[row.link_id for row in rows]).update(revoked_at=now)
            record_event(
                kind=EventKind.CANDIDATE_ROLES_SUGGESTION_FAILED,
                summary=f"Could not email suggested roles: {exc}",
                actor=actor,
                candidate=candidate,
                data={"roles": [row.role_id for row in rows], "error": str(exc)},
            )
        raise SendError(str(exc)) from exc
    with transaction.atomic():
        RoleSuggestion.objects.filter(pk__in=[row.pk for row in rows]).update(
            sent_at=now, message_id=message_id
        )
        titles = ", ".join(f"{row.role.title} at {row.role.company.name}" for row in rows)
        record_event(
            kind=EventKind.CANDIDATE_ROLES_SUGGESTED,
            summary=f"Emailed {len(rows)} role{'s' if len(rows) != 1 else ''} they might like: {titles}",
            actor=actor,
            candidate=candidate,
            data={"roles": [row.role_id for row in rows], "message_id": message_id},
        )
    for row in rows:
        row.sent_at, row.message_id = now, message_id
    return SentSuggestions(rows=rows, message_id=message_id)


def express_interest(suggestion: RoleSuggestion, *, now: datetime) -> Task | None:
    """The candidate pressed "I'm interested" on a suggested role: a call task for the recruiter + Events.

    One transaction. Returns the task, or None when nothing was done: a repeat (the conditional update on
    ``interested_at`` makes two clicks one task) or a role no longer open.
    """
    role = suggestion.role
    candidate = suggestion.candidate
    with transaction.atomic():
        if not Role.objects.filter(pk=role.pk, status=Role.Status.OPEN).exists():
            return None
        if not RoleSuggestion.objects.filter(pk=suggestion.pk, interested_at__isnull=True).update(
            interested_at=now
        ):
            return None
        suggestion.interested_at = now
        record_event(
            kind=EventKind.ROLE_INTEREST_EXPRESSED,
            summary=f"Interested in {role.title} at {role.company.name} (a suggested role)",
            actor_type=Event.Actor.CANDIDATE,
            candidate=candidate,
            company=role.company,
            data={"role": role.pk, "suggestion": suggestion.pk},
        )
        task = create_task(
            kind=Task.Kind.CALL,
            title=f"Call {candidate.name}: interested in {role.title} at {role.company.name}",
            details=(
                f"{candidate.name} pressed “I'm interested” on {role.title} at {role.company.name}, "
                "a role we suggested. Call them, then submit them to the role if it still fits."
            ),
            due_at=now,
            actor=None,
            candidate=candidate,
            fallback_assignee=suggestion.responsible_recruiter,
        )
    return task
