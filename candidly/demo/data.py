"""The fixed ingredients of the demo agency: recruiters, client companies, roles, names and phone ranges.

Phone numbers come only from ranges regulators reserve for fiction ("drama numbers"), so a curious
newcomer who dials one from the demo reaches nobody: NANP 555-0100…0199, Ofcom's 020 7946 0xxx and
0161/0121/0113 496 0xxx, the Bundesnetzagentur's 030 23125 xxx (and Munich, Frankfurt, Hamburg),
and ACMA's (02)/(03) 5550 xxxx and 7010 xxxx.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecruiterSpec:
    username: str
    first_name: str
    last_name: str
    time_zone: str
    phone: str
    is_admin: bool


RECRUITERS = (
    RecruiterSpec("demo", "Dana", "Whitfield", "Europe/London", "+442079460101", True),
    RecruiterSpec("priya", "Priya", "Raman", "Europe/Berlin", "+493023125101", False),
    RecruiterSpec("marcus", "Marcus", "Bell", "America/New_York", "+12125550101", False),
)


@dataclass(frozen=True)
class CompanySpec:
    name: str
    domain: str
    country: str
    city: str
    time_zone: str
    address: str
    phone_prefixes: tuple[str, ...]
    currency: str
    # Salary level relative to London, so bands look plausible in each market.
    pay_factor: float
    hiring_managers: tuple[tuple[str, str], ...]
    interviewer: tuple[str, str]


COMPANIES = (
    CompanySpec(
        "Northwind Analytics",
        "northwind.example",
        "GB",
        "London",
        "Europe/London",
        "12 Clerkenwell Road, London EC1M 5PQ",
        ("+44207946",),
        "GBP",
        1.0,
        (
            ("Olivia Hartley", "Head of Engineering"),
            ("Samuel Okafor", "Director of Data"),
            ("Grace Pemberton", "VP Product"),
        ),
        ("Tom Ashworth", "Staff Engineer"),
    ),
    CompanySpec(
        "Brightwater Health",
        "brightwater.example",
        "GB",
        "Manchester",
        "Europe/London",
        "3 Piccadilly Place, Manchester M1 3BN",
        ("+44161496",),
        "GBP",
        0.9,
        (
            ("Hannah Clarke", "Engineering Manager"),
            ("Rajesh Nair", "CTO"),
            ("Fiona McAllister", "Head of Design"),
        ),
        ("Liam Doyle", "Senior Engineer"),
    ),
    CompanySpec(
        "Kestrel Mobility",
        "kestrel.example",
        "DE",
        "Berlin",
        "Europe/Berlin",
        "Torstraße 140, 10119 Berlin",
        ("+493023125",),
        "EUR",
        1.05,
        (
            ("Jonas Becker", "Head of Platform"),
            ("Leonie Wagner", "Engineering Manager"),
            ("Mehmet Yilmaz", "VP Engineering"),
        ),
        ("Sophie Richter", "Senior Backend Engineer"),
    ),
    CompanySpec(
        "Alpenglow Software",
        "alpenglow.example",
        "DE",
        "Munich",
        "Europe/Berlin",
        "Leopoldstraße 55, 80802 München",
        ("+498999998",),
        "EUR",
        1.1,
        (("Katharina Huber", "Director of Engineering"), ("Felix Brandt", "Head of Security")),
        ("Anna Lehmann", "Product Designer"),
    ),
    CompanySpec(
        "Harbor & Pine Financial",
        "harborpine.example",
        "US",
        "New York",
        "America/New_York",
        "200 Varick Street, New York, NY 10014",
        ("+1212555", "+1646555"),
        "USD",
        1.6,
        (
            ("Rachel Goldberg", "VP Engineering"),
            ("Darnell Brooks", "Head of Data"),
            ("Emily Chen", "Director of Product"),
        ),
        ("Kevin O'Brien", "Principal Engineer"),
    ),
    CompanySpec(
        "Lumen Robotics",
        "lumenrobotics.example",
        "US",
        "San Francisco",
        "America/Los_Angeles",
        "500 Howard Street, San Francisco, CA 94105",
        ("+1415555",),
        "USD",
        1.9,
        (("Carlos Mendoza", "Head of Robotics Software"), ("Aisha Patel", "Engineering Manager")),
        ("Jordan Kim", "Staff ML Engineer"),
    ),
    CompanySpec(
        "Maple Ledger",
        "mapleledger.example",
        "CA",
        "Toronto",
        "America/Toronto",
        "100 King Street West, Toronto, ON M5X 1A9",
        ("+1416555",),
        "CAD",
        1.45,
        (("Sarah Tremblay", "Head of Engineering"), ("Daniel Wong", "Director of Finance Systems")),
        ("Megan Fraser", "Senior QA Engineer"),
    ),
    CompanySpec(
        "Southern Cross Energy",
        "southerncross.example",
        "AU",
        "Sydney",
        "Australia/Sydney",
        "1 Macquarie Place, Sydney NSW 2000",
        ("+6125550",),
        "AUD",
        1.7,
        (("Matthew Nguyen", "Chief Technology Officer"), ("Chloe Robinson", "Head of Customer Success")),
        ("Lachlan Smith", "Senior Data Engineer"),
    ),
)


@dataclass(frozen=True)
class RoleSpec:
    company: int  # index into COMPANIES
    title: str
    tags: tuple[str, ...]
    workplace: str  # Role.Workplace value
    band_gbp: tuple[int, int]  # London band in thousands; scaled by the company's pay factor


ROLES = (
    RoleSpec(0, "Senior Backend Engineer (Python)", ("python", "django", "backend"), "hybrid", (75, 95)),
    RoleSpec(0, "Data Engineer", ("data", "python", "sql"), "hybrid", (65, 85)),
    RoleSpec(0, "Product Manager, Insights", ("product",), "onsite", (70, 90)),
    RoleSpec(0, "Machine Learning Engineer", ("ml", "python", "data"), "remote", (85, 110)),
    RoleSpec(1, "Full-Stack Developer", ("python", "react", "frontend"), "hybrid", (50, 65)),
    RoleSpec(1, "Product Designer", ("design", "ux"), "hybrid", (50, 65)),
    RoleSpec(1, "Engineering Manager", ("leadership", "backend"), "onsite", (85, 100)),
    RoleSpec(2, "Platform Engineer (Go)", ("go", "devops", "kubernetes"), "hybrid", (65, 85)),
    RoleSpec(2, "Site Reliability Engineer", ("sre", "devops", "kubernetes"), "remote", (70, 90)),
    RoleSpec(2, "Android Engineer", ("mobile", "android"), "hybrid", (60, 80)),
    RoleSpec(2, "Backend Developer (Java)", ("java", "backend"), "onsite", (55, 75)),
    RoleSpec(3, "Security Engineer", ("security", "devops"), "hybrid", (75, 95)),
    RoleSpec(3, "Frontend Engineer (TypeScript)", ("frontend", "react", "typescript"), "remote", (60, 80)),
    RoleSpec(3, "QA Automation Engineer", ("qa", "python"), "hybrid", (50, 65)),
    RoleSpec(4, "Senior Data Scientist", ("data", "ml", "python"), "hybrid", (80, 100)),
    RoleSpec(4, "Staff Backend Engineer", ("backend", "java", "leadership"), "hybrid", (100, 125)),
    RoleSpec(4, "Financial Systems Analyst", ("finance", "sql"), "onsite", (55, 70)),
    RoleSpec(4, "Account Executive", ("sales",), "onsite", (50, 70)),
    RoleSpec(5, "Robotics Software Engineer", ("python", "robotics", "backend"), "onsite", (80, 105)),
    RoleSpec(5, "iOS Engineer", ("mobile", "ios"), "hybrid", (75, 95)),
    RoleSpec(5, "Machine Learning Researcher", ("ml", "python"), "onsite", (95, 120)),
    RoleSpec(6, "Senior QA Engineer", ("qa", "java"), "remote", (55, 70)),
    RoleSpec(6, "Growth Marketing Manager", ("marketing",), "hybrid", (50, 65)),
    RoleSpec(7, "Customer Success Manager", ("customer-success", "sales"), "hybrid", (45, 60)),
    RoleSpec(7, "Data Engineer (Energy Markets)", ("data", "sql", "python"), "hybrid", (60, 80)),
)


@dataclass(frozen=True)
class RegionSpec:
    """Where candidates live: a zone, a city, a phone range, a currency and names common there."""

    time_zone: str
    cities: tuple[str, ...]
    phone_prefixes: tuple[str, ...]
    currency: str
    pay_factor: float
    candidates: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


_UK_FIRST = (
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
    "Daniel",
    "Ruby",
    "Yusuf",
)
_UK_LAST = (
    "Smith",
    "Patel",
    "Jones",
    "Taylor",
    "Brown",
    "Khan",
    "Williams",
    "Evans",
    "Thomas",
    "Walker",
    "Ahmed",
    "Robinson",
    "Wright",
    "Hughes",
    "Begum",
    "Murphy",
    "Clarke",
    "Mensah",
    "Turner",
    "Ali",
)
_DE_FIRST = (
    "Lena",
    "Lukas",
    "Mia",
    "Paul",
    "Hannah",
    "Leon",
    "Emma",
    "Felix",
    "Sara",
    "Elias",
    "Marie",
    "Can",
    "Julia",
    "Noah",
    "Aylin",
    "Finn",
    "Clara",
    "Jan",
    "Nele",
    "Maximilian",
)
_DE_LAST = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Demir",
    "Kaya",
    "Zimmermann",
    "Krüger",
)
_US_FIRST = (
    "Ava",
    "Liam",
    "Sofia",
    "Noah",
    "Isabella",
    "Mateo",
    "Olivia",
    "Elijah",
    "Maya",
    "James",
    "Camila",
    "Lucas",
    "Harper",
    "Jamal",
    "Grace",
    "Diego",
    "Nora",
    "Wei",
    "Layla",
    "Ryan",
)
_US_LAST = (
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Nguyen",
    "Kim",
    "Wilson",
    "Anderson",
    "Thompson",
    "Lee",
    "Harris",
    "Lopez",
    "Jackson",
    "Cohen",
    "Washington",
    "Rivera",
    "Park",
    "Sullivan",
)
_CA_FIRST = (
    "Emma",
    "Liam",
    "Charlotte",
    "Benjamin",
    "Chloé",
    "William",
    "Zoe",
    "Samuel",
    "Anika",
    "Gabriel",
    "Léa",
    "Owen",
    "Simran",
    "Nathan",
    "Mei",
    "Félix",
)
_CA_LAST = (
    "Tremblay",
    "Roy",
    "Gagnon",
    "Singh",
    "MacDonald",
    "Wong",
    "Côté",
    "Campbell",
    "Bouchard",
    "Li",
    "Fraser",
    "Gill",
    "Morin",
    "Stewart",
)
_AU_FIRST = (
    "Charlotte",
    "Oliver",
    "Amelia",
    "Jack",
    "Mia",
    "William",
    "Ava",
    "Noah",
    "Isla",
    "Thomas",
    "Matilda",
    "Lachlan",
    "Ruby",
    "Cooper",
    "Sienna",
    "Minh",
    "Harper",
    "Hamish",
)
_AU_LAST = (
    "Smith",
    "Nguyen",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Jones",
    "Tran",
    "Martin",
    "Anderson",
    "Kelly",
    "Ryan",
    "Campbell",
    "Walsh",
    "Le",
    "O'Connor",
    "Harrison",
)

REGIONS = (
    RegionSpec(
        "Europe/London",
        ("London", "Manchester", "Birmingham", "Leeds"),
        ("+44207946", "+44161496", "+44121496", "+44113496"),
        "GBP",
        1.0,
        34,
        _UK_FIRST,
        _UK_LAST,
    ),
    RegionSpec(
        "Europe/Berlin",
        ("Berlin", "Munich", "Frankfurt", "Hamburg"),
        ("+493023125", "+498999998", "+496990009", "+494066969"),
        "EUR",
        1.1,
        26,
        _DE_FIRST,
        _DE_LAST,
    ),
    RegionSpec(
        "America/New_York",
        ("New York", "Brooklyn", "Jersey City"),
        ("+1212555", "+1646555", "+1718555", "+1917555"),
        "USD",
        1.6,
        26,
        _US_FIRST,
        _US_LAST,
    ),
    RegionSpec(
        "America/Los_Angeles",
        ("San Francisco", "Oakland", "Los Angeles", "Seattle"),
        ("+1415555", "+1510555", "+1213555", "+1206555"),
        "USD",
        1.8,
        20,
        _US_FIRST,
        _US_LAST,
    ),
    RegionSpec(
        "America/Chicago",
        ("Chicago", "Austin"),
        ("+1312555", "+1512555"),
        "USD",
        1.4,
        10,
        _US_FIRST,
        _US_LAST,
    ),
    RegionSpec(
        "America/Toronto",
        ("Toronto", "Montréal", "Ottawa"),
        ("+1416555", "+1514555", "+1613555"),
        "CAD",
        1.4,
        10,
        _CA_FIRST,
        _CA_LAST,
    ),
    RegionSpec(
        "Australia/Sydney",
        ("Sydney", "Newcastle"),
        ("+6125550", "+6127010"),
        "AUD",
        1.7,
        14,
        _AU_FIRST,
        _AU_LAST,
    ),
    RegionSpec(
        "Australia/Melbourne",
        ("Melbourne", "Geelong"),
        ("+6135550", "+6137010"),
        "AUD",
        1.65,
        10,
        _AU_FIRST,
        _AU_LAST,
    ),
)

# How the 220 submissions are spread over the stages; ended ones carry a reason and an end time.
STAGE_COUNTS = {
    "submitted": 30,
    "interviewing": 85,
    "offer": 10,
    "on_hold": 8,
    "placed": 14,
    "rejected": 42,
    "withdrawn": 31,
}

WITHDRAWAL_NOTES = {
    "role_different": "The role turned out to be mostly maintenance, not the new product work described.",
    "team_culture": "Did not click with the team; felt the pace would not suit her.",
    "compensation": "The company's top of band is below what he earns today.",
    "location": "Needs three office days a week; the commute is too long.",
    "other_offer": "Accepted an offer elsewhere.",
    "process_slow": "Four weeks without news after the first round.",
    "personal": "Family reasons; will be in touch in a few months.",
}

REJECTION_NOTES = (
    "Strong on fundamentals, not enough depth in distributed systems for this level.",
    "The team went with an internal candidate.",
    "Good conversation, but they want someone who has led a team before.",
    "CV did not match the must-haves (domain experience).",
    "Role re-scoped to a more senior profile.",
)
