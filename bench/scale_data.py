# ruff: noqa: E501 - the SQL statements read better with their CASE arrays on one line
"""A realistic agency of any size, written straight into PostgreSQL with set-based SQL (``make scale``).

Every table is filled by a few ``INSERT … SELECT … FROM generate_series`` statements, so a million
candidates take minutes, not hours. Values follow the models' rules and choices (the smoke test in
tests/test_scale_loader.py runs ``full_clean()`` on a sample of every kind of row): lowercase unique emails,
E.164 phone numbers from the ranges regulators reserve for fiction, ``ended_at`` exactly when a submission
ended, a video link on video interviews, one person per touchpoint, one open "Update" task per submission.

Pseudo-randomness is a hash of each row's id (``pg_temp.rnd``), so the same size gives the same agency.
Ids are given explicitly where other rows point at them by arithmetic (candidate ``i`` is submission
``i``'s candidate); the sequences are moved past them at the end. Nothing here commits: the caller decides
(``bench/scale.py`` runs in autocommit, the smoke test inside its test transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# (country, zone, city, phone prefix, digits after it, currency): fiction ranges only (candidly/demo/data.py).
PLACES = [
    ("GB", "Europe/London", "London", "+442079460", 3, "GBP"),
    ("GB", "Europe/London", "Manchester", "+441614960", 3, "GBP"),
    ("DE", "Europe/Berlin", "Berlin", "+4930231250", 2, "EUR"),
    ("US", "America/New_York", "New York", "+121255501", 2, "USD"),
    ("US", "America/Los_Angeles", "San Francisco", "+141555501", 2, "USD"),
    ("CA", "America/Toronto", "Toronto", "+141655501", 2, "CAD"),
    ("AU", "Australia/Sydney", "Sydney", "+6125550", 4, "AUD"),
]
FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "Harry",
    "Priya",
    "Mohammed",
    "Chloe",
    "Jack",
    "Zara",
    "Ethan",
    "Aaliyah",
    "George",
    "Sophie",
    "Kwame",
    "Emily",
    "Arjun",
    "Niamh",
    "Lukas",
    "Hannah",
    "Jonas",
    "Lea",
    "Felix",
    "Mia",
    "Leon",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Lucas",
    "Sofia",
    "Mateo",
    "Grace",
    "Daniel",
    "Chen",
    "Wei",
    "Yuki",
    "Haruto",
    "Fatima",
    "Omar",
    "Ines",
    "Pablo",
    "Lucia",
    "Marco",
    "Giulia",
    "Sven",
    "Astrid",
    "Kofi",
    "Amara",
    "Ravi",
    "Anika",
    "Diego",
    "Camila",
    "Tomasz",
    "Zofia",
    "Dmitri",
    "Elena",
    "Samuel",
    "Ruth",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Wright",
    "Walker",
    "Thompson",
    "Robinson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Moore",
    "King",
    "Watson",
    "Baker",
    "Harrison",
    "Morgan",
    "Young",
    "Allen",
    "Mitchell",
    "Anderson",
    "Bell",
    "Nguyen",
    "Kim",
    "Chen",
    "Garcia",
    "Martinez",
    "Lopez",
    "Gonzalez",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Novak",
    "Kowalski",
    "Rossi",
    "Russo",
    "Ferrari",
    "Okafor",
    "Mensah",
    "Haddad",
    "Sato",
    "Tanaka",
    "Suzuki",
    "Singh",
    "Sharma",
    "Gupta",
    "Silva",
    "Santos",
    "Costa",
    "Berg",
    "Larsen",
    "Hansen",
]
TAGS = [
    "python",
    "django",
    "java",
    "kotlin",
    "go",
    "rust",
    "typescript",
    "react",
    "frontend",
    "backend",
    "fullstack",
    "data",
    "analytics",
    "ml",
    "devops",
    "sre",
    "security",
    "cloud",
    "aws",
    "mobile",
    "ios",
    "android",
    "qa",
    "product",
    "design",
    "ux",
    "sales",
    "marketing",
    "finance",
    "accounting",
    "legal",
    "hr",
    "support",
    "operations",
    "leadership",
    "management",
    "embedded",
    "robotics",
    "energy",
    "fintech",
]
TITLES = [
    "Backend Engineer",
    "Senior Backend Engineer",
    "Frontend Engineer",
    "Full-Stack Developer",
    "Data Engineer",
    "Data Analyst",
    "Machine Learning Engineer",
    "Site Reliability Engineer",
    "DevOps Engineer",
    "Security Engineer",
    "Mobile Developer",
    "QA Engineer",
    "Product Manager",
    "Product Designer",
    "Engineering Manager",
    "Account Executive",
    "Customer Success Manager",
    "Financial Analyst",
    "HR Business Partner",
    "Operations Lead",
]
COMPANY_WORDS = [
    "North",
    "Blue",
    "Bright",
    "Silver",
    "Harbor",
    "Maple",
    "Alpen",
    "Lumen",
    "Cedar",
    "Granite",
    "Crescent",
    "Summit",
    "Iron",
    "Copper",
    "Coral",
    "Amber",
    "River",
    "Stone",
    "Oak",
    "Pine",
    "Golden",
    "Swift",
    "Clear",
    "Open",
    "Prime",
    "Vector",
    "Quantum",
    "Signal",
    "Beacon",
    "Orbit",
    "Nova",
    "Atlas",
    "Delta",
    "Ember",
    "Falcon",
    "Juniper",
    "Lattice",
    "Meridian",
    "Harvest",
    "Keystone",
]
COMPANY_NOUNS = [
    "Robotics",
    "Analytics",
    "Software",
    "Systems",
    "Labs",
    "Energy",
    "Financial",
    "Health",
    "Logistics",
    "Media",
    "Networks",
    "Foods",
    "Games",
    "Bank",
    "Insurance",
    "Mobility",
    "Security",
    "Cloud",
    "Retail",
    "Travel",
    "Studio",
    "Works",
    "Partners",
    "Capital",
    "Foundry",
    "Dynamics",
    "Devices",
    "Materials",
    "Motors",
    "Telecom",
    "Payments",
    "Learning",
    "Biotech",
    "Pharma",
    "Realty",
    "Legal",
    "Consulting",
    "Freight",
    "Solar",
    "Water",
]
COMPANY_SUFFIXES = ["", " Ltd", " GmbH", " Inc", " Group", " & Co", " Holdings", " Pty"]
WITHDRAW_REASONS = [
    "role_different",
    "team_culture",
    "compensation",
    "location",
    "other_offer",
    "process_slow",
    "personal",
]
EVENT_KINDS_USED = (  # every kind written here is an EventKind member (the smoke test checks)
    "candidate.created",
    "submission.created",
    "submission.withdrawn",
    "submission.rejected",
    "submission.stage_changed",
    "interview.scheduled",
    "interview.completed",
    "interview.no_show",
    "interview.cancelled_with_notice",
    "interview.late_cancellation",
    "interview.cancelled_by_company",
    "touchpoint.sent",
    "feedback.given",
    "followup.responded",
    "followup.manager_responded",
    "followup.escalated",
    "submission.gone_quiet",
    "task.created",
    "task.done",
)
# Who answered after a completed round (``who``: 'candidate' or 'manager', ``i`` the interview) and when:
# candidates in 3-43 hours, hiring managers in 2-92 (a third of those after their two-day window). The
# Feedback row, the cadence run's ``responded_at`` and the response Event all use these.
ANSWERED = "((who = 'candidate' AND mod(i.id, 10) < 4) OR (who = 'manager' AND mod(i.id, 10) < 6))"
ANSWERED_AT = (
    "i.ends_at + (CASE WHEN who = 'candidate' THEN (3 + pg_temp.pick(i.id, 86, 40)) * 60"
    " ELSE (2 + pg_temp.pick(i.id, 70, 90)) * 60 END + pg_temp.pick(i.id, 87, 60) || ' minutes')::interval"
)
# A touchpoint's fate as _touchpoints decides it for a past step ``n`` of interview ``i`` (done, unless
# skipped, failed or "maybe sent"): which step a response came after, without reading the touchpoints.
STEP_DONE = (
    "(pg_temp.rnd(i.id * 8 + {n}, 60) >= 0.08 AND pg_temp.rnd(i.id * 8 + {n}, 61) >= 0.004"
    " AND pg_temp.rnd(i.id * 8 + {n}, 62) >= 0.001)"
)
PASSWORD = "scale"  # the loaded agency's users all share it; the database is a throw-away benchmark


@dataclass(frozen=True)
class Size:
    """Row counts derived from the number of candidates (defaults: ``make scale``'s million)."""

    candidates: int

    @property
    def recruiters(self) -> int:
        return max(2, min(24, self.candidates // 20_000))

    @property
    def companies(self) -> int:
        return max(4, self.candidates // 1000)

    @property
    def roles(self) -> int:
        return max(8, self.candidates // 100)

    @property
    def extra_submissions(self) -> int:
        """Earlier, ended processes of the first candidates (some people come back)."""
        return self.candidates // 10

    @property
    def submissions(self) -> int:
        return self.candidates + self.extra_submissions

    @property
    def today_share(self) -> int:
        """One in this many interviewing processes has a round today (1,000+ at a million)."""
        return 30


Progress = Callable[[str, int], None]  # (what was just done, how many rows)


@dataclass
class Loader:
    cursor: Any  # a DB-API cursor on PostgreSQL (Django's, or psycopg's)
    size: Size
    now: datetime
    password_hash: str
    progress: Progress = lambda label, rows: None

    def run(self, sql: str, **params: Any) -> int:
        self.cursor.execute(sql, {"now": self.now, **params})
        return max(self.cursor.rowcount, 0)

    def step(self, label: str, sql: str, **params: Any) -> int:
        rows = self.run(sql, **params)
        self.progress(label, rows)
        return rows


# One entry per step: (label, weight in the progress bar). The weights are rough seconds at a million.
STEPS: list[tuple[str, int]] = [
    ("users, tags, companies, contacts", 1),
    ("candidates", 25),
    ("roles", 1),
    ("submissions", 33),
    ("interviews", 36),
    ("candidates' tags", 14),
    ("interviewers", 12),
    ("touchpoints", 94),
    ("cadence runs", 16),
    ("feedback", 25),
    ("tasks", 14),
    ("people events", 130),
    ("interview events", 60),
    ("message events", 84),
    ("feedback events", 40),
    ("response events", 30),
    ("task events", 15),
    ("talent pool figures", 60),
    ("sequences", 1),
]


def _functions(cursor: Any) -> None:
    # Deterministic "random" numbers from a row id and a salt: the same agency every time.
    cursor.execute(
        """
        CREATE OR REPLACE FUNCTION pg_temp.rnd(x bigint, salt int) RETURNS double precision
          LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT (hashint8extended(x, salt) & 2147483647)::double precision / 2147483648 $$;
        CREATE OR REPLACE FUNCTION pg_temp.pick(x bigint, salt int, n int) RETURNS int
          LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT floor(pg_temp.rnd(x, salt) * n)::int $$;
        """
    )


def load(loader: Loader, *, helper: Loader | None = None) -> None:
    """Fill an empty Candidly schema. Raises if the people tables already hold rows.

    With ``helper`` (a second connection, in autocommit like ``loader``'s) the touchpoints and their Events
    are written on it in a thread while ``loader`` writes the rest: two cores, two lanes.
    """
    cur, size = loader.cursor, loader.size
    cur.execute("SELECT EXISTS (SELECT 1 FROM people_candidate) OR EXISTS (SELECT 1 FROM accounts_user)")
    if cur.fetchone()[0]:
        raise RuntimeError("the database already has candidates or users: load into an empty schema")
    _functions(cur)
    places = {
        "countries": [p[0] for p in PLACES],
        "zones": [p[1] for p in PLACES],
        "cities": [p[2] for p in PLACES],
        "prefixes": [p[3] for p in PLACES],
        "digits": [p[4] for p in PLACES],
        "currencies": [p[5] for p in PLACES],
        "np": len(PLACES),
    }
    names = {"first": FIRST, "last": LAST, "nf": len(FIRST), "nl": len(LAST)}
    _people(loader, places, names)
    _candidates(loader, places, names)
    _roles(loader, places)
    _submissions(loader)
    _interviews(loader)
    messages = [_touchpoints, _touchpoint_events]
    rest = [
        _candidate_tags,
        _interviewers,
        _cadence_runs,
        _feedback,
        _tasks,
        _people_events,
        _interview_events,
        _feedback_events,
        _response_events,
        _task_events,
    ]
    if helper is None:
        for fill in messages + rest:
            fill(loader)
    else:
        _functions(helper.cursor)
        errors: list[BaseException] = []

        def lane() -> None:
            try:
                for fill in messages:
                    fill(helper)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=lane, name="scale-touchpoints")
        thread.start()
        for fill in rest:
            fill(loader)
        thread.join()
        if errors:
            raise errors[0]
    _pool_figures(loader)
    _sequences(loader)
    assert size.candidates > 0


def _people(loader: Loader, places: dict[str, Any], names: dict[str, Any]) -> None:
    size = loader.size
    rows = loader.run(
        """
        INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined, role, phone, time_zone)
        SELECT u, %(password)s, false,
               CASE WHEN u = 1 THEN 'scale-admin' ELSE 'recruiter' || lpad((u - 1)::text, 2, '0') END,
               (%(first)s::text[])[1 + mod(u * 7, %(nf)s)], (%(last)s::text[])[1 + mod(u * 11, %(nl)s)],
               CASE WHEN u = 1 THEN 'admin' ELSE 'recruiter' || (u - 1) END || '@agency.example',
               u = 1, true, %(now)s::timestamptz - interval '3 years',
               CASE WHEN u = 1 THEN 'admin' ELSE 'recruiter' END,
               '+442079460' || lpad((900 + u)::text, 3, '0'),
               (%(zones)s::text[])[1 + mod(u, 4)]
          FROM generate_series(1, %(users)s) AS u
        """,
        password=loader.password_hash,
        users=size.recruiters + 1,
        **names,
        zones=places["zones"],
    )
    rows += loader.run(
        "INSERT INTO people_tag (id, name) SELECT i, (%(tags)s::text[])[i] FROM generate_series(1, %(n)s) i",
        tags=TAGS,
        n=len(TAGS),
    )
    words, nouns = len(COMPANY_WORDS), len(COMPANY_NOUNS)
    rows += loader.run(
        """
        INSERT INTO people_company (id, name, website, country, time_zone, notes, created_at, updated_at)
        SELECT c, n.name, 'https://' || lower(regexp_replace(n.name, '[^A-Za-z0-9]+', '', 'g')) || '.example',
               (%(countries)s::text[])[1 + mod(c, %(np)s)], (%(zones)s::text[])[1 + mod(c, %(np)s)],
               CASE WHEN mod(c, 4) = 0 THEN 'Prefers video first rounds; feedback usually within two days.'
                    ELSE '' END,
               %(now)s::timestamptz - (pg_temp.pick(c, 1, 1000) || ' days')::interval,
               %(now)s::timestamptz - (pg_temp.pick(c, 2, 30) || ' days')::interval
          FROM generate_series(1, %(companies)s) AS c,
               LATERAL (SELECT (%(words)s::text[])[1 + mod(c - 1, %(nw)s)] || ' '
                               || (%(nouns)s::text[])[1 + mod((c - 1) / %(nw)s, %(nn)s)]
                               || (%(suffixes)s::text[])[1 + mod((c - 1) / (%(nw)s * %(nn)s), %(ns)s)]
                               || CASE WHEN c > %(nw)s * %(nn)s * %(ns)s
                                       THEN ' ' || ((c - 1) / (%(nw)s * %(nn)s * %(ns)s) + 1) ELSE '' END
                               AS name) AS n
        """,
        companies=size.companies,
        words=COMPANY_WORDS,
        nouns=COMPANY_NOUNS,
        suffixes=COMPANY_SUFFIXES,
        nw=words,
        nn=nouns,
        ns=len(COMPANY_SUFFIXES),
        **{k: places[k] for k in ("countries", "zones", "np")},
    )
    # Five people per company: the first two hire, the others interview. Contact (c-1)*5+k.
    rows += loader.run(
        """
        INSERT INTO people_contact (id, company_id, name, title, email, phone, time_zone, is_hiring_manager,
                                    created_at, updated_at)
        SELECT (c - 1) * 5 + k, c, f || ' ' || l,
               (ARRAY['Head of Engineering', 'VP Product', 'Senior Engineer', 'Staff Engineer',
                      'Talent Partner'])[k],
               lower(regexp_replace(f, '[^A-Za-z]', '', 'g')) || '.'
                 || lower(regexp_replace(l, '[^A-Za-z]', '', 'g')) || '@'
                 || lower(regexp_replace(co.name, '[^A-Za-z0-9]+', '', 'g')) || '.example',
               CASE WHEN k <= 3 THEN (%(prefixes)s::text[])[1 + mod(c, %(np)s)]
                    || lpad(mod(c * 5 + k, power(10, (%(digits)s::int[])[1 + mod(c, %(np)s)])::int)::text,
                            (%(digits)s::int[])[1 + mod(c, %(np)s)], '0')
                    ELSE '' END,
               co.time_zone, k <= 2, co.created_at, co.created_at
          FROM people_company co, generate_series(1, 5) AS k,
               LATERAL (SELECT (%(first)s::text[])[1 + mod(co.id * 7 + k, %(nf)s)] AS f,
                               (%(last)s::text[])[1 + mod(co.id * 13 + k * 3, %(nl)s)] AS l) AS n,
               LATERAL (SELECT co.id AS c) AS cc
        """,
        **names,
        **{k: places[k] for k in ("prefixes", "digits", "np")},
    )
    loader.progress("users, tags, companies, contacts", rows)


def _candidates(loader: Loader, places: dict[str, Any], names: dict[str, Any]) -> None:
    size = loader.size
    loader.step(
        "candidates",
        """
        INSERT INTO people_candidate (id, name, email, phone, time_zone, country, preferred_channel,
            recruiter_id, locations, remote, min_compensation, currency, notes, consent_at, consent_how,
            consent_withdrawn_how, unsubscribed_at, sms_opted_out_at, messages_paused_until, created_at,
            updated_at)
        SELECT i, f || ' ' || l,
               lower(regexp_replace(f, '[^A-Za-z]', '', 'g')) || '.'
                 || lower(regexp_replace(l, '[^A-Za-z]', '', 'g')) || '.' || i || '@'
                 || (ARRAY['example.com', 'example.org', 'example.net'])[1 + mod(i, 3)],
               CASE WHEN has_phone THEN (%(prefixes)s::text[])[p]
                    || lpad(mod(i, power(10, (%(digits)s::int[])[p])::int)::text, (%(digits)s::int[])[p], '0')
                    ELSE '' END,
               (%(zones)s::text[])[p], (%(countries)s::text[])[p],
               CASE WHEN NOT has_phone THEN 'email'
                    WHEN pg_temp.rnd(i, 3) < 0.5 THEN 'phone'
                    WHEN pg_temp.rnd(i, 3) < 0.88 THEN 'email' ELSE 'sms' END,
               CASE WHEN pg_temp.rnd(i, 4) < 0.92 THEN 2 + pg_temp.pick(i, 5, %(recruiters)s) END,
               (%(cities)s::text[])[p],
               (ARRAY['any', 'remote', 'hybrid', 'onsite'])[1 + pg_temp.pick(i, 6, 4)],
               CASE WHEN pg_temp.rnd(i, 7) < 0.7 THEN (30 + pg_temp.pick(i, 8, 150)) * 1000 END,
               (%(currencies)s::text[])[p],
               CASE WHEN mod(i, 10) = 0 THEN 'Prefers calls after 17:00. Open to relocation.' ELSE '' END,
               created, (ARRAY['form', 'form', 'email', 'phone', 'import'])[1 + mod(i, 5)], '',
               CASE WHEN mod(i, 100) = 7 THEN created + interval '40 days' END,
               CASE WHEN has_phone AND mod(i, 200) = 11 THEN created + interval '20 days' END,
               NULL, created, created
          FROM generate_series(1, %(n)s) AS i,
               LATERAL (SELECT 1 + mod(i, %(np)s) AS p, pg_temp.rnd(i, 2) < 0.85 AS has_phone,
                               (%(first)s::text[])[1 + pg_temp.pick(i, 9, %(nf)s)] AS f,
                               (%(last)s::text[])[1 + pg_temp.pick(i, 10, %(nl)s)] AS l,
                               %(now)s::timestamptz - (pg_temp.pick(i, 11, 1095 * 24) + 24 * 45
                                                      || ' hours')::interval AS created) AS x
        """,
        n=size.candidates,
        recruiters=size.recruiters,
        **names,
        **places,
    )


def _candidate_tags(loader: Loader) -> None:
    size = loader.size
    # One to three tags each: offsets 0, 13 and 26 never land on the same tag.
    loader.step(
        "candidates' tags",
        """
        INSERT INTO people_candidate_role_tags (candidate_id, tag_id)
        SELECT i, 1 + mod(pg_temp.pick(i, 12, %(nt)s) + k * 13, %(nt)s)
          FROM generate_series(1, %(n)s) AS i, generate_series(0, 2) AS k
         WHERE k <= mod(i, 3)
        """,
        n=size.candidates,
        nt=len(TAGS),
    )


def _roles(loader: Loader, places: dict[str, Any]) -> None:
    size = loader.size
    # Roles 1-3 are the big ones (tens of thousands of submissions at a million), all at company 1, which
    # also gets every 50th role: the biggest company.
    rows = loader.run(
        """
        INSERT INTO hiring_role (id, company_id, title, hiring_manager_id, recruiter_id, location, workplace,
            compensation_min, compensation_max, currency, description, status, created_at, updated_at)
        SELECT r, c, (%(titles)s::text[])[1 + pg_temp.pick(r, 20, %(nt)s)], (c - 1) * 5 + 1 + mod(r, 2),
               2 + pg_temp.pick(r, 21, %(recruiters)s), (%(cities)s::text[])[1 + mod(c, %(np)s)],
               (ARRAY['onsite', 'hybrid', 'remote'])[1 + pg_temp.pick(r, 22, 3)],
               low * 1000, (low + 10 + pg_temp.pick(r, 24, 40)) * 1000,
               (%(currencies)s::text[])[1 + mod(c, %(np)s)],
               'A small team shipping to real customers. You will own features end to end.',
               CASE WHEN r <= 3 THEN 'open'
                    ELSE (ARRAY['open', 'open', 'open', 'open', 'open', 'open', 'open', 'on_hold', 'on_hold',
                                'filled', 'filled', 'filled', 'filled', 'filled', 'closed', 'closed', 'closed',
                                'closed', 'closed', 'closed'])[1 + pg_temp.pick(r, 25, 20)] END,
               %(now)s::timestamptz - (pg_temp.pick(r, 26, 900) + 30 || ' days')::interval, %(now)s
          FROM generate_series(1, %(roles)s) AS r,
               LATERAL (SELECT CASE WHEN r <= 3 OR mod(r, 50) = 0 THEN 1
                                    ELSE 1 + pg_temp.pick(r, 27, %(companies)s) END AS c,
                               40 + pg_temp.pick(r, 23, 80) AS low) AS x
        """,
        titles=TITLES,
        nt=len(TITLES),
        recruiters=size.recruiters,
        roles=size.roles,
        companies=size.companies,
        **{k: places[k] for k in ("cities", "currencies", "np")},
    )
    rows += loader.run(
        """
        INSERT INTO hiring_role_tags (role_id, tag_id)
        SELECT r, 1 + mod(pg_temp.pick(r, 28, %(nt)s) + k * 11, %(nt)s)
          FROM generate_series(1, %(roles)s) AS r, generate_series(0, 2) AS k
         WHERE k <= 1 + mod(r, 2)
        """,
        roles=size.roles,
        nt=len(TAGS),
    )
    loader.progress("roles", rows)


def _submissions(loader: Loader) -> None:
    size = loader.size
    # Submission s <= N is candidate s's latest process; s > N an earlier, ended one of candidate s - N.
    # Open processes sit on open or on-hold roles only (about 10% of all at any size). Some open ones are
    # flagged gone quiet now, and some rejected ones went quiet before the company closed them (in silence).
    loader.step(
        "submissions",
        """
        INSERT INTO hiring_submission (id, candidate_id, role_id, recruiter_id, responsible_id, stage, end_reason,
            end_note, ended_at, gone_quiet_at, open_to_other_roles, share_reason_with_company, withdrawal_wants,
            created_at, updated_at)
        SELECT s, cand, role_id, own,
               -- Submission.responsible, as hiring.models.refresh_responsible stores it.
               COALESCE(own, (SELECT c.recruiter_id FROM people_candidate c WHERE c.id = cand), role_recruiter),
               stage,
               CASE stage WHEN 'placed' THEN 'hired' WHEN 'rejected' THEN 'company_declined'
                          WHEN 'withdrawn' THEN (%(reasons)s::text[])[1 + pg_temp.pick(s, 33, %(nr)s)]
                          ELSE '' END,
               CASE WHEN stage = 'withdrawn' AND mod(s, 4) = 0 THEN 'Took an offer closer to home.' ELSE '' END,
               CASE WHEN stage IN ('placed', 'rejected', 'withdrawn') THEN ended END,
               CASE WHEN stage = 'interviewing' AND mod(s, 33) = 0 THEN %(now)s::timestamptz - interval '2 days'
                    WHEN stage = 'rejected' AND mod(s, 8) = 3 THEN GREATEST(created, ended - interval '3 days')
                    END,
               CASE WHEN stage = 'withdrawn' THEN (ARRAY[true, false, NULL])[1 + mod(s, 3)] END,
               stage = 'withdrawn' AND mod(s, 5) = 0,
               '{}'::jsonb, created, COALESCE(ended, created)
          FROM (
            SELECT s, cand, r.id AS role_id, r.recruiter_id AS role_recruiter, created,
                   CASE WHEN pg_temp.rnd(s, 31) < 0.4 THEN 2 + pg_temp.pick(s, 32, %(recruiters)s) END AS own,
                   CASE WHEN s <= %(n)s AND r.status IN ('open', 'on_hold') AND u < 0.21
                        THEN (ARRAY['submitted', 'submitted', 'submitted', 'interviewing', 'interviewing',
                                    'interviewing', 'interviewing', 'offer', 'on_hold', 'on_hold'])
                             [1 + pg_temp.pick(s, 34, 10)]
                        ELSE (ARRAY['placed', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected',
                                    'withdrawn', 'withdrawn', 'withdrawn', 'withdrawn'])[1 + pg_temp.pick(s, 35, 10)]
                   END AS stage,
                   LEAST(created + (5 + pg_temp.pick(s, 36, 55) || ' days')::interval,
                         %(now)s::timestamptz - interval '1 day') AS ended
              FROM generate_series(1, %(total)s) AS s
                   CROSS JOIN LATERAL (SELECT CASE WHEN s <= %(n)s THEN s ELSE s - %(n)s END AS cand,
                                   pg_temp.rnd(s, 37) AS u,
                                   CASE WHEN mod(s, 100) < 3 THEN 1 WHEN mod(s, 100) < 5 THEN 2
                                        WHEN mod(s, 100) < 6 THEN 3
                                        ELSE 4 + pg_temp.pick(s, 38, %(roles)s - 3) END AS role_pick) AS x
              JOIN hiring_role r ON r.id = x.role_pick
                   CROSS JOIN LATERAL (SELECT CASE
                       WHEN s <= %(n)s AND r.status IN ('open', 'on_hold') AND u < 0.21
                       THEN %(now)s::timestamptz - (1 + pg_temp.pick(s, 39, 60 * 24) || ' hours')::interval
                       ELSE %(now)s::timestamptz - (40 + pg_temp.pick(s, 40, 690) || ' days')::interval
                            - (pg_temp.pick(s, 41, 24 * 60) || ' minutes')::interval
                       END AS created) AS y
          ) AS sub
        """,
        n=size.candidates,
        total=size.submissions,
        roles=size.roles,
        recruiters=size.recruiters,
        reasons=WITHDRAW_REASONS,
        nr=len(WITHDRAW_REASONS),
    )


def _interviews(loader: Loader) -> None:
    # Round 1 for every process that got that far, round 2 for about half. Ended processes' rounds lie
    # between their start and end; an interviewing process's last round is within two weeks either side of
    # now, and one in TODAY_SHARE is today (in business hours, UTC).
    loader.step(
        "interviews",
        """
        INSERT INTO hiring_interview (submission_id, round, starts_at, ends_at, time_zone, format, video_url,
            address, status, sequence, notes, created_by_id, created_at, updated_at)
        SELECT s.id, k, starts, starts + (45 + 15 * mod(s.id, 2) || ' minutes')::interval, co.time_zone, fmt,
               CASE WHEN fmt = 'video' THEN 'https://meet.example.com/' || s.id || '-' || k ELSE '' END,
               CASE WHEN fmt = 'onsite' THEN (10 + mod(co.id, 180)) || ' Market Street, ' || r.location
                    ELSE '' END,
               st.status, 0, '', COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id),
               GREATEST(s.created_at, LEAST(starts - interval '3 days', %(now)s)), %(now)s
          FROM hiring_submission s
          JOIN people_candidate c ON c.id = s.candidate_id
          JOIN hiring_role r ON r.id = s.role_id
          JOIN people_company co ON co.id = r.company_id
          CROSS JOIN generate_series(1, 2) AS k,
          LATERAL (SELECT (ARRAY['video', 'video', 'video', 'video', 'video', 'video', 'phone', 'phone',
                                  'onsite', 'onsite'])[1 + pg_temp.pick(s.id * 2 + k, 50, 10)] AS fmt,
                          mod(s.id, %(today_share)s) = 0 AS today,
                          CASE WHEN s.stage IN ('interviewing', 'offer', 'on_hold', 'placed') THEN 2
                               WHEN s.stage = 'submitted' THEN 0
                               WHEN pg_temp.rnd(s.id, 51) < 0.4 THEN 0
                               WHEN pg_temp.rnd(s.id, 52) < 0.5 THEN 1 ELSE 2 END AS rounds) AS x,
          LATERAL (SELECT CASE
                     WHEN s.stage = 'interviewing' AND k = 2 AND today
                       THEN date_trunc('day', %(now)s::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                            + (7 * 60 + pg_temp.pick(s.id, 53, 11 * 4) * 15 || ' minutes')::interval
                     WHEN s.stage = 'interviewing' AND k = 2
                       THEN %(now)s::timestamptz + (pg_temp.pick(s.id, 54, 28 * 24) - 14 * 24 || ' hours')::interval
                     WHEN s.stage IN ('interviewing', 'offer', 'on_hold')
                       THEN s.created_at + (%(now)s::timestamptz - s.created_at) * (0.25 * k)
                     ELSE s.created_at + (COALESCE(s.ended_at, %(now)s) - s.created_at) * k / (rounds + 1)
                   END AS starts) AS t,
          LATERAL (SELECT CASE
                     WHEN starts > %(now)s::timestamptz - interval '1 hour'
                       THEN CASE WHEN pg_temp.rnd(s.id, 55) < 0.5 THEN 'confirmed' ELSE 'scheduled' END
                     WHEN s.stage = 'interviewing' AND k = 2 AND pg_temp.rnd(s.id, 56) < 0.08
                       THEN 'scheduled'
                     WHEN s.stage = 'withdrawn' AND k = rounds
                       THEN (ARRAY['cancelled_with_notice', 'cancelled_with_notice', 'cancelled_with_notice',
                                   'late_cancellation', 'no_show', 'completed', 'completed', 'completed',
                                   'completed', 'completed'])[1 + pg_temp.pick(s.id, 57, 10)]
                     WHEN s.stage = 'rejected' AND k = rounds
                       THEN (ARRAY['completed', 'completed', 'completed', 'completed', 'completed', 'completed',
                                   'completed', 'completed', 'no_show', 'cancelled_by_company'])
                            [1 + pg_temp.pick(s.id, 58, 10)]
                     ELSE 'completed' END AS status) AS st
         WHERE k <= rounds
        """,
        today_share=loader.size.today_share,
    )


def _interviewers(loader: Loader) -> None:
    loader.step(
        "interviewers",
        """
        INSERT INTO hiring_interview_interviewers (interview_id, contact_id)
        SELECT i.id, r.hiring_manager_id + CASE WHEN i.round = 2 THEN 2 ELSE 0 END
          FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
          JOIN hiring_role r ON r.id = s.role_id
        """,
    )


def _touchpoints(loader: Loader) -> None:
    # Per interview: the candidate's day-before reminder, and after it ended (completed)
    # the candidate's follow-up email, the nudge, and the hiring manager's feedback request. Past rows are
    # done (a few skipped, failed or "maybe sent"), future ones planned. Keys as the planner writes them.
    loader.step(
        "touchpoints",
        """
        INSERT INTO followups_touchpoint (candidate_id, contact_id, interview_id, submission_id, kind, channel,
            step, idempotency_key, due_at, respects_business_hours, status, attempts, last_error, claimed_by,
            lease_expires_at, handoff_at, message_id, done_at, skip_reason, message_text, created_at,
            updated_at)
        SELECT cand, contact, iid, sid, kind, channel, step,
               CASE WHEN cand IS NOT NULL THEN 'candidate:' || cand ELSE 'contact:' || contact END
                 || ':interview:' || iid || ':' || kind || ':' || step,
               due, respects, status,
               CASE WHEN status = 'planned' THEN 0 WHEN status = 'failed' THEN 6 ELSE 1 END,
               CASE WHEN status = 'failed' THEN 'SMTP 550: mailbox unavailable' ELSE '' END, '', NULL,
               CASE WHEN status IN ('done', 'ambiguous') THEN due END,
               CASE WHEN status = 'done' AND channel IN ('email', 'sms')
                    THEN '<' || iid || '.' || kind || '.' || step || '@scale.candidly>' ELSE '' END,
               CASE WHEN status = 'done' THEN due + interval '5 seconds' END,
               CASE WHEN status = 'skipped' THEN 'They answered before this step.' ELSE '' END, '',
               LEAST(created, due), GREATEST(created, LEAST(due, %(now)s))
          FROM (
            SELECT i.id AS iid, s.id AS sid, i.created_at AS created, t.*,
                   CASE WHEN t.kind IN ('interview-confirmation', 'interview-reminder')
                              AND i.status IN ('cancelled_with_notice', 'late_cancellation',
                                               'cancelled_by_company') AND t.due > i.updated_at - interval '1 day'
                          THEN 'skipped'
                        WHEN t.due > %(now)s THEN 'planned'
                        WHEN pg_temp.rnd(i.id * 8 + t.n, 60) < 0.08 THEN 'skipped'
                        WHEN pg_temp.rnd(i.id * 8 + t.n, 61) < 0.004 THEN 'failed'
                        WHEN pg_temp.rnd(i.id * 8 + t.n, 62) < 0.001 THEN 'ambiguous'
                        ELSE 'done' END AS status
              FROM hiring_interview i
              JOIN hiring_submission s ON s.id = i.submission_id
              JOIN people_candidate c ON c.id = s.candidate_id
              JOIN hiring_role r ON r.id = s.role_id,
              LATERAL (VALUES
                (2, c.id, NULL::bigint, 'interview-reminder', CASE WHEN c.preferred_channel = 'sms' THEN 'sms'
                                                           ELSE 'email' END,
                 2, i.starts_at - interval '24 hours', false, true),
                (3, c.id, NULL, 'follow-up-email', 'email', 2, i.ends_at + interval '3 hours', true,
                 i.status = 'completed'),
                (4, c.id, NULL, 'nudge', CASE WHEN c.preferred_channel = 'sms' THEN 'sms' ELSE 'email' END, 3,
                 i.ends_at + interval '1 day', true, i.status = 'completed' AND mod(i.id, 2) = 0),
                (5, NULL, r.hiring_manager_id, 'feedback-request', 'email', 1, i.ends_at + interval '1 hour',
                 true, i.status = 'completed')
              ) AS t(n, cand, contact, kind, channel, step, due, respects, wanted)
             WHERE t.wanted
          ) AS planned
        """,
    )


def _cadence_runs(loader: Loader) -> None:
    # The once-only markers of the cadences planned after completed rounds of the last 400 days; the
    # manager's window is two days. A run is answered when that person's feedback came (``ANSWERED_AT``,
    # the same moment as their Feedback row and their response Event), never in the future. ``process_open``
    # copies the submission's stage, as hiring.services.submissions.move_submission keeps it.
    loader.step(
        "cadence runs",
        f"""
        INSERT INTO followups_cadencerun (interview_id, audience, candidate_id, contact_id, planned_at,
                                          respond_by, responded_at, process_open)
        SELECT i.id, a.audience, CASE WHEN a.audience = 'candidate' THEN s.candidate_id END,
               CASE WHEN a.audience = 'hiring_manager' THEN r.hiring_manager_id END, i.ends_at,
               CASE WHEN a.audience = 'hiring_manager' THEN i.ends_at + interval '2 days' END,
               CASE WHEN x.answered AND x.at < %(now)s THEN x.at END,
               s.stage NOT IN ('placed', 'rejected', 'withdrawn')
          FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
          JOIN hiring_role r ON r.id = s.role_id,
               (VALUES ('candidate', 'candidate'), ('hiring_manager', 'manager')) AS a(audience, who),
               LATERAL (SELECT {ANSWERED} AS answered, {ANSWERED_AT} AS at) AS x
         WHERE i.status = 'completed' AND i.ends_at > %(now)s::timestamptz - interval '400 days'
        """,  # noqa: S608 - only this module's own SQL fragments are formatted in
    )


def _feedback(loader: Loader) -> None:
    loader.step(
        "feedback",
        f"""
        INSERT INTO followups_feedback (interview_id, candidate_id, contact_id, channel, enjoyment, difference,
            difference_note, excitement, call_me, call_window, recommend_score, recommend_comment, verdict,
            notes, recorded_by_id, created_at, updated_at)
        SELECT i.id, CASE WHEN who = 'candidate' THEN s.candidate_id END,
               CASE WHEN who = 'manager' THEN r.hiring_manager_id END,
               CASE WHEN who = 'manager' THEN 'form'
                    ELSE (ARRAY['form', 'form', 'form', 'phone', 'email'])[1 + pg_temp.pick(i.id, 80, 5)] END,
               CASE WHEN who = 'candidate' THEN 1 + pg_temp.pick(i.id, 81, 5) END,
               CASE WHEN who = 'candidate' THEN (ARRAY['no', 'no', 'a_little', 'a_lot'])[1 + pg_temp.pick(i.id, 82, 4)]
                    ELSE '' END,
               '',
               CASE WHEN who = 'candidate' THEN (ARRAY['yes', 'yes', 'not_sure', 'no'])[1 + pg_temp.pick(i.id, 83, 4)]
                    ELSE '' END,
               false, '',
               CASE WHEN who = 'candidate' AND mod(i.id, 3) = 0 THEN pg_temp.pick(i.id, 84, 11) END,
               CASE WHEN who = 'candidate' AND mod(i.id, 9) = 0 THEN 'Quick and friendly process.' ELSE '' END,
               CASE WHEN who = 'manager' THEN (ARRAY['advance', 'advance', 'reject', 'hold'])[1 + pg_temp.pick(i.id, 85, 4)]
                    ELSE '' END,
               CASE WHEN who = 'manager' AND mod(i.id, 4) = 0 THEN 'Strong on systems design.' ELSE '' END,
               NULL, at, at
          FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
          JOIN hiring_role r ON r.id = s.role_id,
               (VALUES ('candidate'), ('manager')) AS w(who),
               LATERAL (SELECT {ANSWERED_AT} AS at) AS a
         WHERE i.status = 'completed' AND at < %(now)s AND {ANSWERED}
        """,  # noqa: S608 - only this module's own SQL fragments are formatted in
    )


def _tasks(loader: Loader) -> None:
    # The recruiter's to-do list, assigned by the one rule (submission's, else candidate's, else role's
    # recruiter): a done call after most completed rounds, open calls after the last day's, an open
    # "Update" on some open processes (one per submission), gone-quiet alerts for the flagged ones.
    loader.step(
        "tasks",
        """
        INSERT INTO followups_task (kind, title, details, urgent, status, assigned_to_id, due_at, candidate_id,
            contact_id, submission_id, interview_id, touchpoint_id, done_at, done_by_id, outcome, created_at)
        SELECT kind, title, '', false, status, owner, due, cand, NULL, sid, iid, NULL,
               CASE WHEN status = 'done' THEN due + interval '2 hours' END,
               CASE WHEN status = 'done' THEN owner END,
               CASE WHEN status = 'done' THEN (ARRAY['Reached', 'Reached', 'Voicemail', 'No answer'])
                                              [1 + pg_temp.pick(COALESCE(iid, sid), 90, 4)] ELSE '' END,
               due - interval '1 hour'
          FROM (
            SELECT 'call' AS kind, 'Call ' || c.name || ' about round ' || i.round AS title,
                   CASE WHEN i.ends_at > %(now)s::timestamptz - interval '1 day' THEN 'open' ELSE 'done' END
                     AS status,
                   COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id) AS owner,
                   i.ends_at + interval '1 hour' AS due, c.id AS cand, s.id AS sid, i.id AS iid
              FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
              JOIN people_candidate c ON c.id = s.candidate_id JOIN hiring_role r ON r.id = s.role_id
             WHERE i.status = 'completed' AND c.phone <> '' AND mod(i.id, 10) < 4
               AND i.ends_at + interval '1 hour' < %(now)s
            UNION ALL
            SELECT 'update-candidate', 'Update ' || c.name, 'open',
                   COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id), %(now)s::timestamptz + interval '1 day',
                   c.id, s.id, NULL
              FROM hiring_submission s JOIN people_candidate c ON c.id = s.candidate_id
              JOIN hiring_role r ON r.id = s.role_id
             WHERE s.stage IN ('offer', 'on_hold') AND mod(s.id, 3) = 0
            UNION ALL
            SELECT 'gone-quiet', c.name || ' has gone quiet', 'open',
                   COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id), s.gone_quiet_at, c.id, s.id, NULL
              FROM hiring_submission s JOIN people_candidate c ON c.id = s.candidate_id
              JOIN hiring_role r ON r.id = s.role_id
             WHERE s.gone_quiet_at IS NOT NULL AND s.ended_at IS NULL
          ) AS t
        """,
    )


def _people_events(loader: Loader) -> None:
    """At least five Events per candidate: created, each process created and ended, each round scheduled and
    its outcome, each message sent, each answer, each task made and done. Candidate and company filled
    like ``record_event`` does (an interview implies its submission, candidate and company)."""
    rows = loader.run(
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT created_at, 'candidate.created', 'Candidate added: ' || name,
               CASE WHEN recruiter_id IS NULL THEN 'system' ELSE 'user' END, recruiter_id, id, NULL, NULL,
               NULL, NULL, '{}'::jsonb
          FROM people_candidate
        """
    )
    rows += loader.run(
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT e.at, e.kind, e.summary, e.actor, CASE WHEN e.actor = 'user' THEN owner END, s.candidate_id,
               r.company_id, NULL, s.id, NULL, e.data
          FROM hiring_submission s JOIN hiring_role r ON r.id = s.role_id
          JOIN people_candidate c ON c.id = s.candidate_id,
               LATERAL (SELECT COALESCE(s.recruiter_id, c.recruiter_id, r.recruiter_id) AS owner) AS o,
               LATERAL (VALUES
                 (s.created_at, 'submission.created', 'Submitted to ' || r.title, 'user', '{}'::jsonb, true),
                 (s.ended_at,
                  CASE s.stage WHEN 'withdrawn' THEN 'submission.withdrawn' WHEN 'rejected'
                       THEN 'submission.rejected' ELSE 'submission.stage_changed' END,
                  CASE s.stage WHEN 'withdrawn' THEN 'Withdrew: ' || s.end_reason
                       WHEN 'rejected' THEN 'The company decided not to move forward'
                       ELSE 'Stage: placed' END,
                  CASE WHEN s.stage = 'withdrawn' THEN 'candidate' ELSE 'user' END,
                  jsonb_build_object('stage', s.stage, 'reason', s.end_reason), s.ended_at IS NOT NULL)
               ) AS e(at, kind, summary, actor, data, wanted)
         WHERE e.wanted
        """
    )
    loader.progress("people events", rows)


def _interview_events(loader: Loader) -> None:
    loader.step(
        "interview events",
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT e.at, e.kind, e.summary, e.actor, CASE WHEN e.actor = 'user' THEN i.created_by_id END,
               s.candidate_id, r.company_id, NULL, s.id, i.id, '{}'::jsonb
          FROM hiring_interview i JOIN hiring_submission s ON s.id = i.submission_id
          JOIN hiring_role r ON r.id = s.role_id,
               LATERAL (VALUES
                 (i.created_at, 'interview.scheduled', 'Round ' || i.round || ' scheduled', 'user', true),
                 (GREATEST(i.ends_at, LEAST(i.ends_at + interval '2 hours', %(now)s)),
                  'interview.' || i.status, 'Round ' || i.round || ': ' || replace(i.status, '_', ' '),
                  CASE WHEN i.status IN ('cancelled_with_notice', 'late_cancellation') THEN 'candidate'
                       ELSE 'user' END,
                  i.status NOT IN ('scheduled', 'confirmed'))
               ) AS e(at, kind, summary, actor, wanted)
         WHERE e.wanted
        """,
    )


def _touchpoint_events(loader: Loader) -> None:
    loader.step(
        "message events",
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT t.done_at, 'touchpoint.sent',
               replace(initcap(replace(t.kind, '-', ' ')), 'Follow Up', 'Follow-up') || ' sent by '
                 || t.channel,
               'system', NULL, s.candidate_id, r.company_id, t.contact_id, s.id, t.interview_id,
               jsonb_build_object('touchpoint', t.id, 'message_id', t.message_id)
          FROM followups_touchpoint t JOIN hiring_submission s ON s.id = t.submission_id
          JOIN hiring_role r ON r.id = s.role_id
         WHERE t.status = 'done'
        """,
    )


def _feedback_events(loader: Loader) -> None:
    loader.step(
        "feedback events",
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT f.created_at, 'feedback.given',
               CASE WHEN f.contact_id IS NULL THEN 'Answered the three questions'
                    ELSE 'The hiring manager gave feedback' END,
               CASE WHEN f.contact_id IS NULL THEN 'candidate' ELSE 'contact' END, NULL, s.candidate_id,
               r.company_id, f.contact_id, s.id, f.interview_id,
               jsonb_build_object('feedback', f.id, 'response_seconds',
                                  extract(epoch FROM f.created_at - i.ends_at)::int)
          FROM followups_feedback f JOIN hiring_interview i ON i.id = f.interview_id
          JOIN hiring_submission s ON s.id = i.submission_id JOIN hiring_role r ON r.id = s.role_id
        """,
    )


def _response_events(loader: Loader) -> None:
    """What the follow-up records and the reports count, as ``record_response`` and the worker write it:
    each answered cadence run's first response (``followup.responded`` / ``.manager_responded``, timed
    from the round's end, with the step it came after and its channel), an escalation for most hiring
    managers who never answered, and a ``submission.gone_quiet`` for every process flagged."""
    rows = loader.run(
        f"""
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT cr.responded_at,
               CASE WHEN mine THEN 'followup.responded' ELSE 'followup.manager_responded' END,
               CASE WHEN mine THEN 'Responded after the interview'
                    WHEN cr.responded_at <= cr.respond_by THEN 'Gave feedback within the window'
                    ELSE 'Gave feedback late' END,
               CASE WHEN mine THEN 'candidate' ELSE 'contact' END, NULL, s.candidate_id, r.company_id,
               cr.contact_id, s.id, i.id,
               jsonb_build_object(
                 'response_seconds', extract(epoch FROM cr.responded_at - i.ends_at)::int,
                 'channel', CASE WHEN mine
                                 THEN (ARRAY['form', 'form', 'form', 'phone', 'email'])[1 + pg_temp.pick(i.id, 80, 5)]
                                 ELSE 'form' END,
                 'after_step', step.kind, 'after_step_channel', step.channel)
               || CASE WHEN mine THEN '{{}}'::jsonb
                       ELSE jsonb_build_object('within_window', cr.responded_at <= cr.respond_by) END
          FROM followups_cadencerun cr JOIN hiring_interview i ON i.id = cr.interview_id
          JOIN hiring_submission s ON s.id = i.submission_id JOIN hiring_role r ON r.id = s.role_id
          JOIN people_candidate c ON c.id = s.candidate_id,
               LATERAL (SELECT cr.audience = 'candidate' AS mine) AS a,
               LATERAL (SELECT * FROM (VALUES
                 (1, 'nudge', CASE WHEN c.preferred_channel = 'sms' THEN 'sms' ELSE 'email' END,
                  mine AND mod(i.id, 2) = 0 AND {STEP_DONE.format(n=4)}, interval '1 day'),
                 (2, 'follow-up-email', 'email', mine AND {STEP_DONE.format(n=3)}, interval '3 hours'),
                 (3, 'feedback-request', 'email', NOT mine AND {STEP_DONE.format(n=5)}, interval '1 hour'),
                 (4, '', '', true, interval '0 hours')
               ) AS t(o, kind, channel, done, after)
                WHERE t.done AND i.ends_at + t.after + interval '5 seconds' <= cr.responded_at
                ORDER BY t.o LIMIT 1) AS step
         WHERE cr.responded_at IS NOT NULL
        """  # noqa: S608 - only this module's own SQL fragments are formatted in
    )
    rows += loader.run(
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT i.ends_at + interval '4 days', 'followup.escalated',
               'The hiring manager has not given feedback: escalated to the recruiter', 'system', NULL,
               s.candidate_id, r.company_id, cr.contact_id, s.id, i.id,
               jsonb_build_object('at', i.ends_at + interval '4 days')
          FROM followups_cadencerun cr JOIN hiring_interview i ON i.id = cr.interview_id
          JOIN hiring_submission s ON s.id = i.submission_id JOIN hiring_role r ON r.id = s.role_id
         WHERE cr.audience = 'hiring_manager' AND cr.responded_at IS NULL AND mod(i.id, 10) < 9
           AND i.ends_at + interval '4 days' < %(now)s
        """
    )
    rows += loader.run(
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT s.gone_quiet_at, 'submission.gone_quiet', 'Gone quiet: no answer after the follow-ups', 'system',
               NULL, s.candidate_id, r.company_id, NULL, s.id, NULL, '{}'::jsonb
          FROM hiring_submission s JOIN hiring_role r ON r.id = s.role_id
         WHERE s.gone_quiet_at IS NOT NULL
        """
    )
    loader.progress("response events", rows)


def _task_events(loader: Loader) -> None:
    loader.step(
        "task events",
        """
        INSERT INTO timeline_event (occurred_at, kind, summary, actor_type, actor_user_id, candidate_id,
                                    company_id, contact_id, submission_id, interview_id, data)
        SELECT e.at, e.kind, e.summary, e.actor, e.who, t.candidate_id, r.company_id, NULL, t.submission_id,
               t.interview_id, jsonb_build_object('task', t.id, 'task_kind', t.kind)
          FROM followups_task t JOIN hiring_submission s ON s.id = t.submission_id
          JOIN hiring_role r ON r.id = s.role_id,
               LATERAL (VALUES
                 (t.created_at, 'task.created', 'Task for the recruiter: ' || t.title, 'system',
                  NULL::bigint, true),
                 (t.done_at, 'task.done', 'Task done: ' || t.title || ' (' || t.outcome || ')', 'user',
                  t.done_by_id, t.done_at IS NOT NULL)
               ) AS e(at, kind, summary, actor, who, wanted)
         WHERE e.wanted
        """,
    )


def _outcomes_net(kind: str) -> str:
    # A kind's count with corrections applied (hiring.reliability.net_count), never below zero.
    corrected = "interview.outcome_corrected"
    net = (
        f"(COUNT(*) FILTER (WHERE kind = '{kind}')"
        f" - COUNT(*) FILTER (WHERE kind = '{corrected}' AND data ->> 'from_kind' = '{kind}')"
        f" + COUNT(*) FILTER (WHERE kind = '{corrected}' AND data ->> 'to_kind' = '{kind}'))"
    )
    return f"GREATEST({net}, 0)"


def _pool_figures(loader: Loader) -> None:
    # The talent pool's copies on the candidate row, which the app keeps with
    # hiring.services.pool_figures.refresh_pool_figures (tests/test_scale_loader.py checks they agree):
    # rows inserted here bypass it, so its rule is written set-based, one pass over each table.
    # hiring.reliability.OUTCOME_KINDS
    outcome_kinds = (
        "interview.completed",
        "interview.cancelled_with_notice",
        "interview.late_cancellation",
        "interview.no_show",
    )
    outcomes = " + ".join(_outcomes_net(kind) for kind in outcome_kinds)
    kinds = ", ".join(f"'{kind}'" for kind in (*outcome_kinds, "interview.outcome_corrected"))
    loader.step(
        "talent pool figures",
        f"""
        UPDATE people_candidate c
           SET last_ended_stage = COALESCE(l.stage, ''), last_open_to_other_roles = l.open_to_other_roles,
               open_processes = COALESCE(o.n, 0), interview_outcomes = COALESCE(x.n, 0)
          FROM people_candidate p
          LEFT JOIN (SELECT DISTINCT ON (candidate_id) candidate_id, stage, open_to_other_roles
                       FROM hiring_submission WHERE ended_at IS NOT NULL
                      ORDER BY candidate_id, ended_at DESC, id DESC) l ON l.candidate_id = p.id
          LEFT JOIN (SELECT candidate_id, count(*) AS n FROM hiring_submission
                      WHERE stage IN ('submitted', 'interviewing', 'offer', 'on_hold')
                      GROUP BY candidate_id) o ON o.candidate_id = p.id
          LEFT JOIN (SELECT candidate_id, {outcomes} AS n FROM timeline_event
                      WHERE candidate_id IS NOT NULL AND kind IN ({kinds})
                      GROUP BY candidate_id) x ON x.candidate_id = p.id
         WHERE c.id = p.id
        """,  # noqa: S608 - literal constants only
    )


def _sequences(loader: Loader) -> None:
    # Rows given explicit ids: move each identity sequence past them, so the app's own inserts work.
    tables = [
        "accounts_user",
        "people_tag",
        "people_company",
        "people_contact",
        "people_candidate",
        "hiring_role",
        "hiring_submission",
    ]
    for table in tables:
        loader.run(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    loader.progress("sequences", len(tables))
