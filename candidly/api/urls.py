"""``/api/v1/``: the API's own authentication (keys), not the pages' login; POSTs are idempotent."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, include, path

from candidly.api.idempotency import idempotent
from candidly.api.main import api

all_patterns, _app_name, namespace = api.urls
# ninja adds one pattern per operation (for reverse()); the first of each path serves every method of it.
patterns: list[URLPattern] = []
seen: set[str] = set()
for pattern in all_patterns:
    if isinstance(pattern, URLPattern) and str(pattern.pattern) not in seen:
        seen.add(str(pattern.pattern))
        pattern.callback = login_not_required(idempotent(pattern.callback))
        patterns.append(pattern)

urlpatterns = [path("api/v1/", include((patterns, namespace), namespace=namespace))]
