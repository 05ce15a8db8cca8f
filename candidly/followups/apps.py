from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "candidly.followups"
    label = "followups"
