from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "candidly.timeline"
    label = "timeline"
