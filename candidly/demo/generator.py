"""Build the demo agency in memory: unsaved model instances, no database access.

Everything is drawn from one seeded ``random.Random`` and placed relative to ``now``, so the same seed and
the same clock give the same agency. Interviews sit on business days and business hours in the client
company's zone, within the last 10 and the next 14 days, and a handful always fall on the demo recruiter's
local "today" (weekends too) so the home page is never empty.
"""

from __future__ import annotations

import random
import unicodedata
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from candidly.accounts.models import User
from candidly.demo import data
from candidly.demo.contact import build_recent_contact
from candidly.demo.history import GAP_DAYS, History
from candidly.demo.hours import pick_slot, shared_window, starts_in, zones_share_a_day
from candidly.followups.models import CadenceRun, Feedback, Task, Touchpoint
from candidly.hiring.models import Interview, Role, RoleSuggestion, Submission
from candidly.people.models import Candidate, Company, Contact, Tag
from candidly.timeline.kinds import EventKind
from candidly.timeline.models import Event

DEMO_SEED = 20240611
DEMO_USERNAME = "demo"
# Interviews go on company-local days in [-PAST_DAYS, +FUTURE_DAYS]; with business hours this keeps every
# interview inside [now - 10 days, now + 14 days] whatever the zone.
PAST_DAYS = 9
FUTURE_DAYS = 13
TODAY_INTERVIEWS_DEMO = 5
TODAY_INTERVIEWS_OTHERS = 2

Stage = Submission.Stage
Status = Interview.Status
Reason = Submission.EndReason


@dataclass
class DemoAgency:
    """Unsaved rows of the demo agency, in the order they must be inserted."""

    recruiters: list[User] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    role_tags: list[tuple[Role, Tag]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    candidate_tags: list[tuple[Candidate, Tag]] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    interviews: list[Interview] = field(default_factory=list)
    interviewers: list[tuple[Interview, Contact]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # The past (``demo.history``): rows that refer to the interviews and submissions above.
    cadence_runs: list[CadenceRun] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    suggestions: list[RoleSuggestion] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    # What the live desk's candidates heard lately (``demo.contact``): done touchpoints and their Events.
    touchpoints: list[Touchpoint] = field(default_factory=list)
    sent_events: list[tuple[Touchpoint, Event]] = field(default_factory=list)


def ascii_slug(text: str) -> str:
    """``"Chloé O'Connor"`` → ``"chloeoconnor"``-style parts for email addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch in ". ").replace(" ", ".")


class _PhoneBook:
    """Hands out distinct numbers from fictional ranges, deterministically."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def number(self, prefixes: tuple[str, ...]) -> str:
        while True:
            prefix = self.rng.choice(prefixes)
            if prefix.startswith("+1"):
                suffix = f"01{self.rng.randrange(100):02d}"  # NANP fiction: 555-0100…0199
            elif prefix.startswith("+44"):
                suffix = f"0{self.rng.randrange(1000):03d}"  # Ofcom drama: …496 0000…0999
            elif prefix.startswith("+49"):
                suffix = f"{self.rng.randrange(1000):03d}"  # Bundesnetzagentur: …23125 000…999
            else:
                suffix = f"{self.rng.randrange(10000):04d}"  # ACMA: (02) 5550 0000…9999
            phone = prefix + suffix
            if phone not in self.used:
                self.used.add(phone)
                return phone


class _Builder:
    def __init__(self, now: datetime, seed: int) -> None:
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.rng = random.Random(seed)
        self.phones = _PhoneBook(self.rng)
        self.agency = DemoAgency()
        self.tags: dict[str, Tag] = {}
        self.company_specs: dict[int, data.CompanySpec] = {}  # by id() of the unsaved Company
        self.managers_by_company: list[list[Contact]] = []
        self.interviewer_by_company: dict[int, Contact] = {}
        self.candidate_tags_by_index: list[set[str]] = []
        self.showcase: dict[str, list[str]] = {
            Stage.WITHDRAWN: [Status.NO_SHOW, Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE],
            Stage.INTERVIEWING: [Status.NO_SHOW, Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE],
        }
        self.submission_count: Counter[int] = Counter()
        self.open_count: Counter[int] = Counter()

    # -- time helpers -------------------------------------------------------------------------------

    def ago(self, days: float, *, jitter_hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=self.rng.uniform(0, jitter_hours))

    def local_today(self, zone: str) -> date:
        return self.now.astimezone(zoneinfo.ZoneInfo(zone)).date()

    def business_days(self, zone: str, first: int, last: int) -> list[date]:
        today = self.local_today(zone)
        days = (today + timedelta(days=offset) for offset in range(first, last + 1))
        return [day for day in days if day.weekday() < 5]

    def slot(self, zone: str, day: date, candidate_zone: str) -> tuple[datetime, datetime] | None:
        """A round on ``day`` (company-local) inside the company's and the candidate's working hours."""
        return pick_slot(
            self.rng, day, company_zone=zone, candidate_zone=candidate_zone, lengths=(30, 45, 60, 60, 60, 90)
        )

    def slot_near(
        self, zone: str, day: date, candidate_zone: str, taken: set[date]
    ) -> tuple[datetime, datetime] | None:
        """``slot`` on ``day``, else on the nearest free day on the same side of today (past rounds stay
        past, booked ones ahead) within the desk's window: a shared working day may not fall on ``day``."""
        today = self.local_today(zone)
        first, last = (-PAST_DAYS, -1) if day < today else (0, FUTURE_DAYS)
        for distance in range(6):
            for option in (day + timedelta(days=distance), day - timedelta(days=distance)):
                offset = (option - today).days
                if option in taken or not first <= offset <= last:
                    continue
                found = self.slot(zone, option, candidate_zone)
                if found is not None:
                    taken.add(option)
                    return found
        return None

    def today_slot(
        self, company_zone: str, viewer_zone: str, candidate_zone: str
    ) -> tuple[datetime, datetime] | None:
        """A slot inside the company's and the candidate's working hours that falls on the viewer's local
        today; ``None`` when there is none (a weekend, zones too far apart)."""
        viewer_tz = zoneinfo.ZoneInfo(viewer_zone)
        viewer_today = self.now.astimezone(viewer_tz).date()
        length = timedelta(minutes=self.rng.choice((30, 45, 60)))
        options = []
        for offset in (-1, 0, 1):
            window = shared_window(
                viewer_today + timedelta(days=offset),
                company_zone=company_zone,
                candidate_zone=candidate_zone,
            )
            if window is None:
                continue
            options += [
                start
                for start in starts_in(window, length)
                if start.astimezone(viewer_tz).date() == viewer_today
            ]
        if not options:
            return None
        start = self.rng.choice(options)
        return start, start + length

    def between(self, low: datetime, high: datetime) -> datetime:
        if high <= low:
            return high
        return low + (high - low) * self.rng.random()

    # -- people and companies -----------------------------------------------------------------------

    def build_recruiters(self) -> None:
        for spec in data.RECRUITERS:
            self.agency.recruiters.append(
                User(
                    username=spec.username,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=f"{ascii_slug(spec.first_name)}.{ascii_slug(spec.last_name)}@agency.example",
                    role=User.Role.ADMIN if spec.is_admin else User.Role.RECRUITER,
                    # Admins reach the Django admin; recruiters do not.
                    is_staff=spec.is_admin,
                    phone=spec.phone,
                    time_zone=spec.time_zone,
                    date_joined=self.ago(self.rng.randrange(200, 900)),
                )
            )

    def build_companies(self) -> None:
        tag_names = sorted({tag for role in data.ROLES for tag in role.tags})
        self.tags = {name: Tag(name=name) for name in tag_names}
        self.agency.tags = list(self.tags.values())
        for spec in data.COMPANIES:
            company = Company(
                name=spec.name,
                website=f"https://www.{spec.domain}",
                country=spec.country,
                time_zone=spec.time_zone,
                notes=f"Office: {spec.address}.",
            )
            company.created_at = company.updated_at = self.ago(self.rng.randrange(120, 700))
            self.agency.companies.append(company)
            self.company_specs[id(company)] = spec
            managers = [
                self.contact(company, spec, name, title, hiring_manager=True)
                for name, title in spec.hiring_managers
            ]
            self.managers_by_company.append(managers)
            self.interviewer_by_company[id(company)] = self.contact(
                company, spec, *spec.interviewer, hiring_manager=False
            )

    def contact(
        self, company: Company, spec: data.CompanySpec, name: str, title: str, *, hiring_manager: bool
    ) -> Contact:
        first, _, last = name.partition(" ")
        contact = Contact(
            company=company,
            name=name,
            title=title,
            email=f"{ascii_slug(first)}.{ascii_slug(last)}@{spec.domain}",
            phone=self.phones.number(spec.phone_prefixes),
            time_zone=spec.time_zone,
            is_hiring_manager=hiring_manager,
        )
        contact.created_at = contact.updated_at = company.created_at + timedelta(
            days=self.rng.randrange(1, 60)
        )
        self.agency.contacts.append(contact)
        return contact

    def build_roles(self) -> None:
        for index, spec in enumerate(data.ROLES):
            company = self.agency.companies[spec.company]
            company_spec = data.COMPANIES[spec.company]
            managers = self.managers_by_company[spec.company]
            low, high = (round(k * company_spec.pay_factor / 5) * 5 * 1000 for k in spec.band_gbp)
            remote = spec.workplace == Role.Workplace.REMOTE
            role = Role(
                company=company,
                title=spec.title,
                hiring_manager=managers[index % len(managers)],
                recruiter=self.rng.choice(self.agency.recruiters),
                location=f"Remote ({company_spec.country})" if remote else company_spec.city,
                workplace=spec.workplace,
                compensation_min=low,
                compensation_max=high,
                currency=company_spec.currency,
                description=(
                    f"{company.name} is hiring a {spec.title} to join its {company_spec.city} team. "
                    f"Skills: {', '.join(spec.tags)}. "
                    + ("Fully remote within the country." if remote else f"Workplace: {spec.workplace}.")
                ),
                status=Role.Status.OPEN,
            )
            role.created_at = role.updated_at = self.ago(self.rng.randrange(25, 75))
            self.agency.roles.append(role)
            self.agency.role_tags.extend((role, self.tags[name]) for name in spec.tags)

    def build_candidates(self) -> None:
        names_used: set[str] = set()
        recruiters = self.agency.recruiters
        for region in data.REGIONS:
            for _ in range(region.candidates):
                while True:
                    name = f"{self.rng.choice(region.first_names)} {self.rng.choice(region.last_names)}"
                    if name not in names_used:
                        names_used.add(name)
                        break
                first, _, last = name.partition(" ")
                domain = self.rng.choice(("example.com", "example.org", "example.net", "mail.example"))
                profile = self.rng.choice(data.ROLES)
                tags = self.rng.sample(profile.tags, k=self.rng.randint(1, len(profile.tags)))
                channel = self.rng.choices(
                    (Candidate.Channel.PHONE, Candidate.Channel.EMAIL, Candidate.Channel.SMS), (50, 35, 15)
                )[0]
                city = self.rng.choice(region.cities)
                remote = self.rng.choices(
                    (
                        Candidate.Remote.ANY,
                        Candidate.Remote.REMOTE,
                        Candidate.Remote.HYBRID,
                        Candidate.Remote.ONSITE,
                    ),
                    (35, 25, 30, 10),
                )[0]
                pay = self.rng.uniform(*profile.band_gbp) * region.pay_factor
                candidate = Candidate(
                    name=name,
                    email=f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}",
                    phone=self.phones.number(region.phone_prefixes),
                    time_zone=region.time_zone,
                    preferred_channel=channel,
                    # The demo recruiter carries a bigger desk so her pages are full.
                    recruiter=self.rng.choices(recruiters, (40, 30, 30))[0],
                    locations=city if remote == Candidate.Remote.ONSITE else f"{city}, Remote",
                    remote=remote,
                    min_compensation=round(pay / 5) * 5 * 1000,
                    currency=region.currency,
                    notes=self.rng.choice(
                        (
                            "",
                            "",
                            "",
                            "Prefers calls after 17:00 local time.",
                            "Referred by a placed candidate.",
                            "Notice period: one month.",
                            "Open to contract roles.",
                        )
                    ),
                )
                self.agency.candidates.append(candidate)
                self.agency.candidate_tags.extend((candidate, self.tags[tag]) for tag in sorted(tags))
                self.candidate_tags_by_index.append(set(tags))
        # A few people asked not to be emailed any more; they stay in the pool.
        for candidate in self.rng.sample(self.agency.candidates, 3):
            candidate.unsubscribed_at = self.ago(self.rng.randrange(1, 30))

    # -- submissions, interviews and their timeline -------------------------------------------------

    def pick_candidate(self, role_index: int, stage: str, taken: set[tuple[int, int]]) -> int:
        """A candidate whose preferences fit the role, never twice for one role, at most 3 processes."""
        role_tags = set(data.ROLES[role_index].tags)
        open_stage = stage in Submission.OPEN_STAGES

        def free(index: int) -> bool:
            if (index, role_index) in taken or self.submission_count[index] >= 3:
                return False
            return not (open_stage and self.open_count[index] >= 2)

        # Only people who share enough of the company's working day: every round is in both sides' hours.
        zone, week = self.agency.roles[role_index].company.time_zone, self.now.date()
        everyone = [
            i
            for i in range(len(self.agency.candidates))
            if zones_share_a_day(zone, self.agency.candidates[i].time_zone, week)
        ]
        fitting = [i for i in everyone if self.candidate_tags_by_index[i] & role_tags and free(i)]
        return self.rng.choice(fitting or [i for i in everyone if free(i)])

    def build_submissions(self) -> None:
        stages = [stage for stage, count in data.STAGE_COUNTS.items() for _ in range(count)]
        self.rng.shuffle(stages)
        taken: set[tuple[int, int]] = set()
        demo = self.agency.recruiters[0]
        today_quota = {True: TODAY_INTERVIEWS_DEMO, False: TODAY_INTERVIEWS_OTHERS}
        # Roles get candidates in turn so every role has a pipeline.
        role_cycle = [index % len(data.ROLES) for index in range(len(stages))]
        self.rng.shuffle(role_cycle)
        for stage, role_index in zip(stages, role_cycle, strict=True):
            candidate_index = self.pick_candidate(role_index, stage, taken)
            taken.add((candidate_index, role_index))
            self.submission_count[candidate_index] += 1
            if stage in Submission.OPEN_STAGES:
                self.open_count[candidate_index] += 1
            candidate = self.agency.candidates[candidate_index]
            role = self.agency.roles[role_index]
            submission = Submission(
                candidate=candidate, role=role, recruiter=candidate.recruiter, stage=stage
            )
            self.agency.submissions.append(submission)
            is_demo = candidate.recruiter is demo
            force_today = stage == Stage.INTERVIEWING and today_quota[is_demo] > 0
            if self.build_process(submission, force_today=force_today):
                today_quota[is_demo] -= 1

    def round_days(self, stage: str, zone: str) -> list[date]:
        """Company-local days of the rounds: past ones, and for a live process usually some ahead."""
        past = self.business_days(zone, -PAST_DAYS, -1)
        future = self.business_days(zone, 0, FUTURE_DAYS)
        if stage == Stage.SUBMITTED:
            return []
        if stage == Stage.INTERVIEWING:
            done = self.rng.choices((0, 1, 2), (40, 45, 15))[0]
            # Most live processes have a round booked; some a whole loop (e.g. technical, then final).
            ahead = self.rng.choices((0, 1, 2), (15, 60, 25))[0] or (0 if done else 1)
            return sorted(self.rng.sample(past, done)) + sorted(self.rng.sample(future, ahead))
        if stage in (Stage.REJECTED, Stage.WITHDRAWN) and self.rng.random() < 0.45:
            return []  # ended before any interview
        low, high = (2, 3) if stage in (Stage.OFFER, Stage.PLACED) else (1, 1)
        return sorted(self.rng.sample(past, self.rng.randint(low, high)))

    def build_process(self, submission: Submission, *, force_today: bool) -> bool:
        """The process's rounds and Events; True when ``force_today`` put a round on the recruiter's today."""
        role = submission.role
        company = role.company
        zone = company.time_zone
        days = self.round_days(submission.stage, zone)
        candidate_zone = submission.candidate.time_zone
        taken: set[date] = set()
        found = [self.slot_near(zone, day, candidate_zone, taken) for day in days]
        slots = sorted(slot for slot in found if slot is not None)
        today = None
        if force_today:
            assert submission.recruiter is not None
            today = self.today_slot(zone, submission.recruiter.time_zone, candidate_zone)
        if today is not None:
            earlier = [slot for slot in slots if slot[1] < today[0] - timedelta(days=1)]
            slots = [*earlier[-2:], today]
        stage = submission.stage
        if slots:
            submission.created_at = slots[0][0] - timedelta(days=self.rng.uniform(3, 12))
            if submission.created_at > self.now - timedelta(hours=1):
                submission.created_at = self.ago(self.rng.uniform(0.1, 6))
        elif stage == Stage.SUBMITTED:
            submission.created_at = self.ago(self.rng.uniform(0.2, 7))
        else:
            submission.created_at = self.ago(self.rng.uniform(6, 45))
        events = self.agency.events
        recruiter = submission.recruiter
        events.append(
            self.event(
                submission.created_at,
                EventKind.SUBMISSION_CREATED,
                f"Submitted to {role.title} at {company.name}",
                submission=submission,
                actor=recruiter,
            )
        )
        previous_end = last_change = submission.created_at
        last_status = ""
        interviews: list[Interview] = []
        for number, (starts_at, ends_at) in enumerate(slots, start=1):
            is_last = number == len(slots)
            interview = self.interview(submission, number, starts_at, ends_at, previous_end)
            interview.status = self.interview_status(stage, interview, is_last=is_last)
            interviews.append(interview)
            last_change = self.interview_events(interview)
            if number == 1:
                self.stage_changed(
                    submission,
                    interview.created_at,
                    Stage.SUBMITTED,
                    Stage.INTERVIEWING,
                    note="Interview round 1 booked",
                )
            previous_end = ends_at
            last_status = interview.status
        submission.updated_at = interviews[-1].created_at if interviews else submission.created_at
        self.finish(submission, interviews, last_status, last_change)
        return today is not None

    def interview(
        self, submission: Submission, number: int, starts_at: datetime, ends_at: datetime, after: datetime
    ) -> Interview:
        role = submission.role
        company = role.company
        interview_format = self.rng.choices(
            (Interview.Format.VIDEO, Interview.Format.PHONE, Interview.Format.ONSITE), (55, 20, 25)
        )[0]
        code = "".join(self.rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(10))
        interview = Interview(
            submission=submission,
            round=number,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=company.time_zone,
            format=interview_format,
            video_url=f"https://meet.example.com/{code[:3]}-{code[3:7]}-{code[7:]}"
            if interview_format == Interview.Format.VIDEO
            else "",
            address=self.company_specs[id(company)].address
            if interview_format == Interview.Format.ONSITE
            else "",
            created_by=submission.recruiter,
        )
        # Booked a few days ahead, after the previous round, never in the future.
        low = after + timedelta(hours=2)
        high = min(starts_at - timedelta(hours=3), self.now - timedelta(minutes=5))
        interview.created_at = self.between(max(low, starts_at - timedelta(days=7)), high)
        interview.updated_at = interview.created_at
        self.agency.interviews.append(interview)
        self.agency.interviewers.append((interview, role.hiring_manager))
        if number > 1 or self.rng.random() < 0.3:
            self.agency.interviewers.append((interview, self.interviewer_by_company[id(company)]))
        return interview

    def interview_status(self, stage: str, interview: Interview, *, is_last: bool) -> str:
        if interview.starts_at > self.now:
            soon = interview.starts_at - self.now < timedelta(days=2)
            return self.rng.choices((Status.SCHEDULED, Status.CONFIRMED), (30, 70) if soon else (65, 35))[0]
        if interview.ends_at > self.now:
            return Status.CONFIRMED  # happening right now
        if not is_last or stage in (Stage.OFFER, Stage.PLACED, Stage.ON_HOLD, Stage.REJECTED):
            return Status.COMPLETED
        showcase = self.showcase.get(stage)
        if showcase:
            # The first few guarantee every kind of "gone dark" appears, whatever the clock and the seed.
            return showcase.pop(0)
        if stage == Stage.WITHDRAWN:
            return self.rng.choices(
                (Status.COMPLETED, Status.LATE_CANCELLATION, Status.NO_SHOW, Status.CANCELLED_WITH_NOTICE),
                (45, 20, 15, 20),
            )[0]
        return self.rng.choices(
            (Status.COMPLETED, Status.NO_SHOW, Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE),
            (80, 7, 6, 7),
        )[0]

    def interview_events(self, interview: Interview) -> datetime:
        """Append the interview's events as the hiring and messaging services write them; return when its
        status last changed."""
        submission = interview.submission
        recruiter = submission.recruiter
        local = interview.starts_at.astimezone(zoneinfo.ZoneInfo(interview.time_zone))
        when = f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({interview.time_zone})"
        events = self.agency.events
        events.append(
            self.event(
                interview.created_at,
                EventKind.INTERVIEW_SCHEDULED,
                f"Interview round {interview.round} booked for {when}",
                interview=interview,
                actor=recruiter,
                details={
                    "starts_at": interview.starts_at.isoformat(),
                    "ends_at": interview.ends_at.isoformat(),
                    "time_zone": interview.time_zone,
                    "format": interview.format,
                },
            )
        )
        status = interview.status
        at = interview.created_at
        confirmation: Event | None = None
        if status == Status.CONFIRMED or (status != Status.SCHEDULED and self.rng.random() < 0.6):
            # Candidates confirm from the reminder's link; some never click and just turn up.
            confirmed_at = self.between(
                interview.created_at, min(interview.starts_at - timedelta(hours=1), self.now)
            )
            confirmation = self.event(
                confirmed_at,
                EventKind.INTERVIEW_CONFIRMED,
                f"Confirmed they will attend interview round {interview.round}",
                interview=interview,
                actor_type=Event.Actor.CANDIDATE,
                details={"via": "link"},
            )
            events.append(confirmation)
            at = confirmed_at
        if status in (Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE):
            # As hiring.services.cancel_interview_for_candidate records the candidate's "I can't make it".
            late = status == Status.LATE_CANCELLATION
            hours_before = self.rng.uniform(2, 20) if late else self.rng.uniform(26, 72)
            aim = interview.starts_at - timedelta(hours=hours_before)
            asked_at = max(aim, at + timedelta(minutes=5))
            if not late and interview.starts_at - asked_at < timedelta(hours=24):
                # A late confirmation must not turn a cancellation with notice into a late one: they
                # confirmed earlier. Booked less than a day ahead, it can only have been late.
                if aim > interview.created_at + timedelta(minutes=10):
                    asked_at = aim
                    if confirmation is not None:
                        confirmation.occurred_at = interview.created_at + (aim - interview.created_at) / 2
                else:
                    late, status = True, Status.LATE_CANCELLATION
                    interview.status = status
            notice = interview.starts_at - asked_at
            # One draw, as the demo always made here, so everything generated after it stays the same.
            reason = "reschedule" if self.rng.randrange(10, 90) < 60 else "not_interested"
            # The calendar invite was cancelled: one version later.
            interview.sequence = 1
            label = "Late cancellation" if late else "Cancelled with notice"
            minutes = int(notice.total_seconds() // 60)
            reason_label = "would like another time" if reason == "reschedule" else "no longer interested"
            events.append(
                self.event(
                    asked_at,
                    EventKind.INTERVIEW_LATE_CANCELLATION
                    if late
                    else EventKind.INTERVIEW_CANCELLED_WITH_NOTICE,
                    f"{label} of interview round {interview.round}, {minutes // 60} h {minutes % 60} min "
                    f"before the start: {reason_label}",
                    interview=interview,
                    actor_type=Event.Actor.CANDIDATE,
                    details={
                        "via": "link",
                        "reason": reason,
                        "note": "",
                        "notice_seconds": int(notice.total_seconds()),
                        "sequence": 1,
                        "notify_manager": False,
                    },
                )
            )
            at = asked_at
        elif status in (Status.COMPLETED, Status.NO_SHOW):
            # The recruiter records the outcome after the end, as hiring.services.mark_interview_outcome does.
            attended = status == Status.COMPLETED
            if attended:
                at = min(interview.ends_at + timedelta(minutes=self.rng.randrange(10, 120)), self.now)
            else:
                noticed = interview.starts_at + timedelta(minutes=self.rng.randrange(20, 90))
                at = min(max(noticed, interview.ends_at + timedelta(minutes=5)), self.now)
            events.append(
                self.event(
                    at,
                    EventKind.INTERVIEW_COMPLETED if attended else EventKind.INTERVIEW_NO_SHOW,
                    f"Attended interview round {interview.round}"
                    if attended
                    else f"No-show at interview round {interview.round}: did not attend and did not tell us",
                    interview=interview,
                    actor=recruiter,
                    details={"note": "", "closed_tasks": []},
                )
            )
        interview.updated_at = at
        return at

    def stage_changed(
        self,
        submission: Submission,
        at: datetime,
        before: str,
        after: str,
        *,
        reason: str = "",
        note: str = "",
    ) -> None:
        """The Event hiring.services.move_submission writes for a stage change."""
        summary = f"Stage: {Stage(before).label} → {Stage(after).label}"
        if reason:
            summary += f" ({Reason(reason).label})"
        self.agency.events.append(
            self.event(
                at,
                EventKind.SUBMISSION_STAGE_CHANGED,
                summary,
                submission=submission,
                actor=submission.recruiter,
                details={"from": str(before), "to": str(after), "reason": reason, "note": note},
            )
        )
        submission.updated_at = at

    def finish(
        self, submission: Submission, interviews: list[Interview], last_status: str, last_change: datetime
    ) -> None:
        """Set how an ended process ended (reason, note, time) and record the stage changes."""
        stage = submission.stage
        last_end = interviews[-1].ends_at if interviews else submission.created_at
        # A cancellation ends the process when it happens, not when the interview would have.
        if last_status in (Status.LATE_CANCELLATION, Status.CANCELLED_WITH_NOTICE):
            last_end = last_change
        # Where the process stood before its last move: interviewing once a round was booked.
        before = Stage.INTERVIEWING if interviews else Stage.SUBMITTED
        if stage in (Stage.OFFER, Stage.ON_HOLD):
            at = min(last_end + timedelta(hours=self.rng.uniform(4, 48)), self.now - timedelta(minutes=30))
            self.stage_changed(submission, at, before, stage)
            return
        if stage == Stage.INTERVIEWING:
            # Someone who went quiet after a finished round: the record the follow-ups exist to prevent.
            quiet = interviews and last_status == Status.COMPLETED and self.now - last_end > timedelta(days=7)
            if quiet and self.rng.random() < 0.5:
                submission.gone_quiet_at = last_end + timedelta(days=7)
                self.agency.events.append(
                    self.event(
                        submission.gone_quiet_at,
                        EventKind.SUBMISSION_GONE_QUIET,
                        f"{submission.candidate} has not answered for five business days",
                        submission=submission,
                        actor_type=Event.Actor.SYSTEM,
                    )
                )
            return
        if stage not in Submission.ENDED_STAGES:
            return
        reason: str
        if stage == Stage.PLACED:
            reason = Reason.HIRED
            note = f"Offer accepted; starts in {self.rng.choice(('two', 'four'))} weeks."
        elif stage == Stage.REJECTED:
            reason, note = Reason.COMPANY_DECLINED, self.rng.choice(data.REJECTION_NOTES)
        else:
            reason = self.withdrawal_reason(last_status, has_interviews=bool(interviews))
            note = data.WITHDRAWAL_NOTES.get(reason, "No call, no show; not answering since.")
        submission.end_reason = reason
        submission.end_note = note
        low = last_end + timedelta(hours=2)
        high = min(last_end + timedelta(days=4), self.now - timedelta(minutes=10))
        submission.ended_at = self.between(low, high)
        self.stage_changed(submission, submission.ended_at, before, stage, reason=reason, note=note)

    def withdrawal_reason(self, last_status: str, *, has_interviews: bool) -> str:
        options: tuple[str, ...]
        if not has_interviews:
            options = (Reason.OTHER_OFFER, Reason.PROCESS_SLOW, Reason.PERSONAL, Reason.COMPENSATION)
        elif last_status == Status.COMPLETED:
            options = (
                Reason.ROLE_DIFFERENT,
                Reason.TEAM_CULTURE,
                Reason.COMPENSATION,
                Reason.LOCATION,
                Reason.OTHER_OFFER,
            )
        elif last_status == Status.NO_SHOW:
            options = (Reason.OTHER,)
        else:
            options = (Reason.OTHER_OFFER, Reason.PROCESS_SLOW, Reason.PERSONAL)
        return self.rng.choice(options)

    def event(
        self,
        occurred_at: datetime,
        kind: str,
        summary: str,
        *,
        submission: Submission | None = None,
        interview: Interview | None = None,
        actor: User | None = None,
        actor_type: str | None = None,
        details: dict[str, object] | None = None,
        contact: Contact | None = None,
    ) -> Event:
        if interview is not None:
            submission = interview.submission
        assert submission is not None
        return Event(
            contact=contact,
            occurred_at=occurred_at,
            kind=kind,
            summary=summary[:500],
            actor_type=Event.Actor.USER if actor is not None else (actor_type or Event.Actor.SYSTEM),
            actor_user=actor,
            candidate=submission.candidate,
            company=submission.role.company,
            submission=submission,
            interview=interview,
            data=details or {},
        )

    def date_candidates(self) -> None:
        """Candidates join the pool before their first submission; their record starts with that."""
        first_submitted: dict[int, datetime] = {}
        for submission in self.agency.submissions:
            key = id(submission.candidate)
            first_submitted[key] = min(first_submitted.get(key, submission.created_at), submission.created_at)
        joined_events = []
        for candidate in self.agency.candidates:
            first = first_submitted.get(id(candidate))
            if first is not None:
                created = first - timedelta(days=self.rng.uniform(0.5, 90))
            else:
                created = self.ago(self.rng.uniform(3, 400))
            candidate.created_at = candidate.updated_at = created
            candidate.consent_at = created
            joined_events.append(
                Event(
                    occurred_at=created,
                    kind=EventKind.CANDIDATE_CREATED,
                    summary=f"Added candidate {candidate}.",
                    actor_type=Event.Actor.USER,
                    actor_user=candidate.recruiter,
                    candidate=candidate,
                    data={},
                )
            )
            if candidate.unsubscribed_at is not None:
                candidate.unsubscribed_at = max(candidate.unsubscribed_at, created + timedelta(hours=1))
                joined_events.append(
                    Event(
                        occurred_at=candidate.unsubscribed_at,
                        kind=EventKind.CANDIDATE_UNSUBSCRIBED,
                        summary="Unsubscribed from non-essential emails (link)",
                        actor_type=Event.Actor.CANDIDATE,
                        candidate=candidate,
                        data={},
                    )
                )
        self.agency.events[:0] = joined_events

    def build(self) -> DemoAgency:
        self.build_recruiters()
        self.build_companies()
        self.build_roles()
        self.build_candidates()
        self.build_submissions()
        # Half a year of past processes, from the history's own random draws (the live desk stays the same).
        past = History(self.agency, now=self.now, seed=self.seed, event=self.event).build()
        self.agency.cadence_runs, self.agency.feedback = past.cadence_runs, past.feedback
        self.agency.suggestions, self.agency.tasks = past.suggestions, past.tasks
        contact = build_recent_contact(
            interviews=self.agency.interviews,
            submissions=self.agency.submissions,
            now=self.now,
            live_since=self.now - timedelta(days=GAP_DAYS),
            seed=self.seed,
        )
        self.agency.touchpoints = [message.touchpoint for message in contact.sent]
        self.agency.sent_events = [(message.touchpoint, message.event) for message in contact.sent]
        self.agency.events += [message.event for message in contact.sent]
        self.date_candidates()
        # Insert the timeline in the order things happened, as a live system would have.
        self.agency.events.sort(key=lambda event: event.occurred_at)
        return self.agency


def build_demo_agency(*, now: datetime, seed: int = DEMO_SEED) -> DemoAgency:
    """Return the whole demo agency as unsaved rows; pure (no database), deterministic for (now, seed)."""
    return _Builder(now, seed).build()
