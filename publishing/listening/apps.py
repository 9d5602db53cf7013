"""App configuration of listening: the conversations under the embassies' posts."""

from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "publishing.listening"
    label = "listening"
    verbose_name = "Listening"
    default_auto_field = "django.db.models.BigAutoField"
