from django.urls import path

from candidly.followups.views import cadences as cadence_views
from candidly.followups.views import calls as call_views
from candidly.followups.views import feedback as feedback_views
from candidly.followups.views import health as health_views
from candidly.followups.views import steering as steering_views
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

# Recruiters steer what goes out (followups/views/steering.py).
urlpatterns += [
    path("planned/", steering_views.planned_list, name="planned-list"),
    path("planned/<int:pk>/send-now/", steering_views.touchpoint_send_now, name="touchpoint-send-now"),
    path("planned/<int:pk>/skip/", steering_views.touchpoint_skip, name="touchpoint-skip"),
    path("planned/<int:pk>/move/", steering_views.touchpoint_move, name="touchpoint-move"),
    path("candidates/<int:pk>/pause/", steering_views.candidate_pause, name="candidate-pause"),
    path("updates/<int:pk>/", steering_views.update_edit, name="update-edit"),
    path(
        "interviews/<int:pk>/ask-feedback/<int:contact_pk>/",
        steering_views.interviewer_feedback_ask,
        name="interviewer-feedback-ask",
    ),
]

# Operating: health for load balancers, metrics for Prometheus (no login; /metrics has its own guard).
urlpatterns += [
    path("healthz", health_views.healthz, name="healthz"),
    path("metrics", health_views.prometheus_metrics, name="metrics"),
]
