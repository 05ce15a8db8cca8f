from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "candidly.privacy"
    verbose_name = "Data protection"
