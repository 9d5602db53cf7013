"""App configuration of the publisher."""

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from .channels.facebook import graph_base_url_apply

        graph_base_url_apply()

        from . import signals

        signals.connect()
