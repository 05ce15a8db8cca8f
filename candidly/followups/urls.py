from django.urls import path

app_name = "followups"

# One block per page area; each engineer appends theirs.
urlpatterns: list = []

# --- cadences, calls, updates, feedback and responsiveness (followups-cadences) ---
from candidly.followups.views import cadences as cadence_views  # noqa: E402

urlpatterns += [
    path("settings/cadences/", cadence_views.cadence_settings, name="cadence-settings"),
]

from candidly.followups.views import calls as call_views  # noqa: E402

urlpatterns += [
    path("calls/<int:pk>/", call_views.call_detail, name="call"),
    path("calls/<int:pk>/log/", call_views.call_log, name="call-log"),
    path("updates/<int:pk>/send/", call_views.update_send, name="update-send"),
    path("feedback/<int:pk>/remind/", call_views.feedback_remind, name="feedback-remind"),
    path("alerts/<int:pk>/handled/", call_views.alert_handled, name="alert-handled"),
]

from candidly.followups.views import feedback as feedback_views  # noqa: E402

urlpatterns += [
    path(
        "companies/<int:pk>/responsiveness/",
        feedback_views.responsiveness_events,
        {"about": "company"},
        name="company-responsiveness",
    ),
    path(
        "contacts/<int:pk>/responsiveness/",
        feedback_views.responsiveness_events,
        {"about": "contact"},
        name="contact-responsiveness",
    ),
]
