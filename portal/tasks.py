"""Periodic tasks of the portal: thin wrappers around Wagtail's own commands."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="portal.tasks.pages_publish_scheduled")
def pages_publish_scheduled() -> None:
    """Publish pages whose go-live time has come and unpublish expired ones."""
    call_command("publish_scheduled")
