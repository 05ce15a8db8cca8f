from django.urls import path

from candidly.hiring import views

app_name = "hiring"

urlpatterns = [
    path("", views.today, name="today"),
]
