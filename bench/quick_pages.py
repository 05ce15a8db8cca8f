"""Time recruiter pages on a big database through Django's test client (median of N, bytes, queries).

DATABASE_URL=postgres://…/candidly_bounded_big python bench/quick_pages.py [path …]
A hand check for plans and page sizes beside bench/quick_agency.sql; `make scale` is the real measurement.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from candidly.accounts.models import User  # noqa: E402
from candidly.hiring.models import Role  # noqa: E402
from candidly.people.models import Candidate, Company  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))


def main() -> None:
    big_role = Role.objects.order_by("pk").first()
    company = big_role.company if big_role else Company.objects.first()
    someone = Candidate.objects.order_by("pk")[1000]
    default = [
        "/submissions/new/",
        f"/roles/{big_role.pk}/" if big_role else "/roles/",
        "/talent-pool/",
        "/talent-pool/?tags=python",
        f"/candidates/?q={someone.name.split()[0]}",
        "/candidates/?q=kubernetes",
        "/candidates/?q=020 7000 1",
        "/",
        "/?who=agency",
        "/interviews/",
        "/candidates/",
        "/submissions/",
        "/submissions/?q=role 7",
        "/companies/",
        "/contacts/",
        "/roles/",
        "/tasks/",
        f"/companies/{company.pk}/",
        f"/candidates/{someone.pk}/",
        f"/pick/candidate/?q={someone.name.split()[0][:5]}",
    ]
    client = Client()
    for username in ("ada", "rita"):
        client.force_login(User.objects.get(username=username))
        for path in sys.argv[1:] or default:
            if username == "rita" and path not in ("/",):
                continue
            times = []
            for _ in range(RUNS):
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - start) * 1000)
            print(
                f"{username:5} {statistics.median(times):8.1f} ms {len(response.content):8d} B "
                f"{len(captured.captured_queries):3d} q {response.status_code} {path}",
                flush=True,
            )
            if os.environ.get("SHOW"):
                for query in captured.captured_queries:
                    if float(query["time"]) > 0.05:
                        print(f"      {float(query['time']) * 1000:.0f} ms: {query['sql'][:3000]}")


if __name__ == "__main__":
    main()
