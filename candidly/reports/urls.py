from django.urls import path

from candidly.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_index, name="index"),
    path("reports/<slug:slug>/", views.report, name="report"),
    path("reports/<slug:slug>/<slug:table>.csv", views.report_csv, name="report-csv"),
]
