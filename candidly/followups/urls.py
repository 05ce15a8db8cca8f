from django.urls import path  # noqa: F401  (modules below append their routes)

app_name = "followups"

# One block per page area; each engineer appends theirs.
urlpatterns: list = []
