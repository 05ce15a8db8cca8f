from django.urls import path

from candidly.followups.views import cadences as cadence_views
from candidly.followups.views import calls as call_views
from candidly.followups.views import feedback as feedback_views
from candidly.followups.views import health as health_views
from candidly.followups.views import tasks

app_name = "followups"

urlpatterns: list = []

# Tasks: the recruiter's to-do list (followups/views/tasks.py).

urlpatterns += [
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task-detail"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task-done"),
]

# --- cadences, calls, updates, feedback and responsiveness (followups-cadences) ---

urlpatterns += [
    path("settings/cadences/", cadence_views.cadence_settings, name="cadence-settings"),
]


urlpatterns += [
    path("calls/<int:pk>/", call_views.call_detail, name="call"),
    path("calls/<int:pk>/log/", call_views.call_log, name="call-log"),
    path("updates/<int:pk>/send/", call_views.update_send, name="update-send"),
    path("feedback/<int:pk>/remind/", call_views.feedback_remind, name="feedback-remind"),
    path("alerts/<int:pk>/handled/", call_views.alert_handled, name="alert-handled"),
]


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

# Operating: health for load balancers, metrics for Prometheus (no login; /metrics has its own guard).
urlpatterns += [
    path("healthz", health_views.healthz, name="healthz"),
    path("metrics", health_views.prometheus_metrics, name="metrics"),
]
