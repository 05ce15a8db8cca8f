"""``/api/v1/``: the API's own authentication (keys), not the pages' login; POSTs are idempotent."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, include, path

from candidly.api.idempotency import idempotent
from candidly.api.main import api

patterns, _app_name, namespace = api.urls
for pattern in patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = login_not_required(idempotent(pattern.callback))

urlpatterns = [path("api/v1/", include((patterns, namespace), namespace=namespace))]
