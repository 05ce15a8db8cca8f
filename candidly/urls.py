from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Candidly administration"

urlpatterns = [
    path("", include("candidly.hiring.urls")),
    path("", include("candidly.people.urls")),
    path("", include("candidly.followups.urls")),
    path("", include("candidly.messaging.urls")),
    path("", include("candidly.accounts.urls")),
    path("", include("candidly.reports.urls")),
    path("", include("candidly.privacy.urls")),
    path("", include("candidly.dataio.urls")),
    path("admin/", admin.site.urls),
]
