from django.apps import AppConfig


class HiringConfig(AppConfig):
    name = "candidly.hiring"
    label = "hiring"
