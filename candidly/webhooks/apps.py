from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "candidly.webhooks"
    verbose_name = "Webhooks"
