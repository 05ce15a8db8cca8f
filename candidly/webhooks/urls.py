from django.urls import path

from candidly.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="endpoint-list"),
    path("settings/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint-detail"),
    path("settings/webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="endpoint-toggle"),
]
