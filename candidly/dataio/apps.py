from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "candidly.dataio"
    label = "dataio"
    verbose_name = "Import and export"
    default_auto_field = "django.db.models.BigAutoField"
