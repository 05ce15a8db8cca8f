from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "candidly.reports"
    verbose_name = "Reports"
