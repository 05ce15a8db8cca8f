"""A web process's start, done before its first request rather than during it.

Django does much of its set-up lazily: the first request a gunicorn worker serves imports every view
module (the URLconf), compiles each template it renders, and meanwhile the garbage collector scans the
hundreds of thousands of objects all that created, again and again. Measured at a million candidates, the
first Today page of a fresh worker took 250-350 ms against ~110 ms for the next ones, and every worker
restart or deploy paid it again on a user's request. ``wsgi.py`` calls :func:`warm_up` once per process.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver

log = logging.getLogger(__name__)


def _our_templates() -> list[str]:
    names: list[str] = []
    folders = settings.TEMPLATES[0]["DIRS"]
    assert isinstance(folders, list | tuple)
    for folder in (Path(str(directory)) for directory in folders):
        names += sorted(str(path.relative_to(folder)) for path in folder.rglob("*.html"))
    return names


def warm_up() -> int:
    """Import the URLconf and its views, compile our templates (the cached loader keeps them), then move
    everything allocated so far out of the garbage collector's reach (``gc.freeze``): it lives as long as
    the process. Returns how many templates were compiled. A template that does not compile is logged and
    left for its page to report, so one broken page never keeps the whole site from starting."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every view module
    resolver.reverse_dict  # noqa: B018 - builds the table every {% url %} reads
    compiled = 0
    for name in _our_templates():
        try:
            get_template(name)
        except TemplateSyntaxError:
            log.exception("template %s does not compile", name)
        else:
            compiled += 1
    gc.collect()
    gc.freeze()
    return compiled
