"""App configuration of the public portal."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
        from .csp import chooser_scripts_carry_nonce

        chooser_scripts_carry_nonce()
