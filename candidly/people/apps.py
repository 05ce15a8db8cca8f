from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "candidly.people"
    label = "people"
