from django.urls import path

app_name = "followups"

# One block per page area; each engineer appends theirs.
urlpatterns: list = []

# --- cadences, calls, updates, feedback and responsiveness (followups-cadences) ---
from candidly.followups.views import cadences as cadence_views  # noqa: E402

urlpatterns += [
    path("settings/cadences/", cadence_views.cadence_settings, name="cadence-settings"),
]
