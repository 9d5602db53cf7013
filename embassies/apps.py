"""App configuration of embassies."""

from django.apps import AppConfig


class EmbassiesConfig(AppConfig):
    name = "embassies"
    verbose_name = "Embassies"
