"""``make scale`` times every recruiter page: each named route needing a log-in is in bench/scale_pages.py's
MEASURED or EXCLUDED (with the reason), so a page added later cannot be forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.scale_pages import EXCLUDED, MEASURED, pages, recruiter_routes


def test_scale_pages_cover_every_recruiter_route():
    routes = {name for name, _ in recruiter_routes()}

    missing = sorted(routes - MEASURED.keys() - EXCLUDED.keys())
    stale = sorted((MEASURED.keys() | EXCLUDED.keys()) - routes)

    assert (missing, stale) == ([], [])
    assert sorted(MEASURED.keys() & EXCLUDED.keys()) == []
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_scale_pages_build_one_url_per_measured_variant():
    keys = ["role_big", "company_big", "manager_big", "role", "company", "interview", "submission"]
    keys += ["candidate", "interview_done", "submission_old", "submission_rejected", "candidate_returning"]
    keys += ["task_call", "task_update"]
    found: dict[str, object] = {key: 7 + index for index, key in enumerate(keys)}
    found |= {
        "name": "Ada Smith",
        "surname": "Smith",
        "email": "ada.smith.7@example.com",
        "phone": "+442079460007",
        "roles_page_40": "eyJwIjowfQ",
    }

    built = pages(found, today=datetime(2026, 11, 30, tzinfo=UTC))

    paths = [page.path for page in built]
    assert len(paths) == len(set((page.path, page.viewer) for page in built))
    assert "/roles/7/" in paths
    assert "/roles/?after=eyJwIjowfQ" in paths and "/roles/?page=40" in paths
    assert "/candidates/?q=Ada%20Smith" in paths
    assert "/reports/ghosting/?start=2025-12-01&end=2026-11-30" in paths
    assert {page.viewer for page in built if page.path == "/"} == {"admin", "recruiter"}
