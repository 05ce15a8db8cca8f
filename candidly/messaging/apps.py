from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "candidly.messaging"
    label = "messaging"
