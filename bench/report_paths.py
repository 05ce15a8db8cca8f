"""The report pages a scale measurement times: every report for a year's range ending today.

``make scale`` (and ``bench/reports_bench.py``) request these paths as an admin; each answers in one page
load. Import with ``bench/`` on ``sys.path`` (``from report_paths import report_paths``).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

# Every report of the Reports section, in the section's order (candidly/reports/views.py CATALOG).
REPORT_SLUGS: tuple[str, ...] = (
    "ghosting",
    "time-to-answer",
    "follow-ups",
    "experience",
    "withdrawals",
    "desk",
)
YEAR_DAYS = 365


def report_paths(today: date, *, recruiter: int | None = None, period: str = "week") -> list[str]:
    """``/reports/<slug>/?start=…&end=…&period=…`` for the last 365 days up to ``today`` (in the agency's
    zone), the whole agency, or one recruiter's desk when ``recruiter`` is given."""
    query = {"start": (today - timedelta(days=YEAR_DAYS - 1)).isoformat(), "end": today.isoformat()}
    query["period"] = period
    if recruiter is not None:
        query["recruiter"] = str(recruiter)
    return [f"/reports/{slug}/?{urlencode(query)}" for slug in REPORT_SLUGS]
