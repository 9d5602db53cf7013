"""App configuration of the public portal."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
        from .csp import chooser_scripts_carry_nonce
        from .exports import exports_neutralise_formulas

        chooser_scripts_carry_nonce()
        exports_neutralise_formulas()

        from django.db.models.signals import post_delete
        from wagtail.models import Page
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .page_cache import page_changed, pages_purge

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(page_changed, dispatch_uid=f"chancery-page-cache-{signal}")
        post_delete.connect(lambda **kwargs: pages_purge(), sender=Page, dispatch_uid="chancery-page-cache-delete")
