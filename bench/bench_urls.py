"""The app's URLs plus ``/bench/hello/``: Django's floor (the same middleware, no database, no template),
for `make bench`'s ``bare_django_per_s``. Loaded only through bench/bench_settings.py."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from candidly.urls import urlpatterns as app_urlpatterns


@login_not_required
def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.\n", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello), *app_urlpatterns]
