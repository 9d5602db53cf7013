"""Periodic account upkeep: thin wrappers around the embassies services."""

from celery import shared_task

from .services import accounts_check_health


@shared_task(name="embassies.tasks.accounts_check_health")
def accounts_check_health_task() -> int:
    return accounts_check_health()
