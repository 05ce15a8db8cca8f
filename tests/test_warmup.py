"""A web process starts warm (candidly.warmup, called by wsgi.py): its views imported, our templates
compiled, and what start-up allocated kept out of the garbage collector's scans."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from candidly.warmup import warm_up

REPO = Path(__file__).resolve().parent.parent


def test_the_wsgi_application_starts_warm() -> None:
    code = (
        "import gc, sys\n"
        "import candidly.wsgi\n"
        "assert 'candidly.hiring.views' in sys.modules, 'views not imported'\n"
        "from django.template import engines\n"
        "loader = engines['django'].engine.template_loaders[0]\n"
        "print(gc.get_freeze_count(), len(loader.get_template_cache))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    frozen, cached = (int(part) for part in done.stdout.split())
    templates = len(list((REPO / "templates").rglob("*.html")))
    assert frozen > 10_000
    assert cached >= templates


def test_a_template_that_does_not_compile_is_logged_and_the_rest_still_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    (tmp_path / "fine.html").write_text("<p>{{ name }}</p>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also_fine.html").write_text("{% if x %}x{% endif %}")
    (tmp_path / "broken.html").write_text("{% if %}")
    # pytest-django's ``settings`` sends setting_changed: Django makes its template engines afresh.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    try:
        with caplog.at_level(logging.ERROR, logger="candidly.warmup"):
            assert warm_up() == 2
    finally:
        gc.unfreeze()
    assert "broken.html does not compile" in caplog.text
