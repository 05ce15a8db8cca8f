from django.urls import path

app_name = "followups"

# One block per page area; each engineer appends theirs.
urlpatterns: list = []

# Tasks: the recruiter's to-do list (followups/views/tasks.py).
from candidly.followups.views import tasks  # noqa: E402

urlpatterns += [
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task-detail"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task-done"),
]
