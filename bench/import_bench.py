"""How fast an import of people runs: a generated CSV of BENCH_IMPORT_ROWS (10,000) new candidates goes
through the import pages' path (read the file, check the columns, validate every row with the people forms,
plan, confirm in one transaction: bulk INSERTs and one Event per person). Prints ``import_rows_per_s`` and
``import_seconds``.

`make bench` calls ``measure_import`` on its PostgreSQL bench database; run alone (``.venv/bin/python
bench/import_bench.py``) it makes that database fresh itself. See bench/README.md.
"""

from __future__ import annotations

import os
import sys
import time

import common
from common import figure, say

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
HEADER = ["name", "email", "phone", "time_zone", "preferred_channel", "role_tags", "locations", "consent"]
ZONES = ("Europe/London", "America/New_York", "Europe/Berlin", "Australia/Sydney")


def generated_csv(rows: int, *, tag: str) -> bytes:
    """``rows`` new candidates with distinct emails and phone numbers (``tag`` keeps runs apart)."""
    import tablib

    data = tablib.Dataset(headers=HEADER)
    for n in range(rows):
        data.append(
            [
                f"Imported Person {n}",
                f"person{n}.{tag}@import.test",
                f"+44 20 {70000000 + n}" if n % 2 else "",
                ZONES[n % len(ZONES)],
                "sms" if n % 2 else "email",
                "python, data" if n % 3 else "sales",
                "London",
                "yes" if n % 5 else "no",
            ]
        )
    return data.export("csv").encode()


def measure_import(rows: int = ROWS) -> float:
    """Import ``rows`` generated candidates through the import service; returns rows per second."""
    from django.utils import timezone

    from candidly.accounts.models import User
    from candidly.dataio import rows as import_rows
    from candidly.dataio import services
    from candidly.lib.tabular import read_table
    from candidly.people.models import Candidate

    admin, _ = User.objects.get_or_create(username="import-bench", defaults={"role": User.Role.ADMIN})
    content = generated_csv(rows, tag=str(int(time.time())))
    before = Candidate.objects.count()
    say(f"import: {rows} rows, {len(content) / 1024 / 1024:.1f} MB of CSV")
    started = time.perf_counter()
    table = read_table(content, "people.csv")
    import_rows.check_columns("candidates", table)
    batch = services.preview_import(
        owner=admin,
        kind="candidates",
        filename="people.csv",
        columns=table.header,
        rows=import_rows.validate_rows("candidates", table),
        now=timezone.now(),
    )
    previewed = time.perf_counter()
    summary = services.confirm_import(batch, actor=admin, now=timezone.now())
    elapsed = time.perf_counter() - started
    created = Candidate.objects.count() - before
    if summary["create"] != rows or created != rows:
        raise SystemExit(f"import: expected {rows} new candidates, got {created} ({summary})")
    say(f"import: preview {previewed - started:.1f} s, confirm {elapsed - (previewed - started):.1f} s")
    figure("import_seconds", elapsed)
    rate = rows / elapsed
    figure("import_rows_per_s", rate)
    return rate


def main() -> int:
    with common.harness("import"):
        measure_import()
    return 0


if __name__ == "__main__":
    sys.exit(main())
