"""Periodic account upkeep: thin wrappers around the embassies services."""

from celery import shared_task

from .services import account_check_health, account_refresh_x_token, accounts_check_health


@shared_task(name="embassies.tasks.accounts_check_health")
def accounts_check_health_task() -> int:
    return accounts_check_health()


@shared_task(name="embassies.tasks.account_check_health")
def account_check_health_task(account_id: int) -> None:
    account_check_health(account_id=account_id)


@shared_task(name="embassies.tasks.account_refresh_x_token")
def account_refresh_x_token_task(account_id: int) -> None:
    account_refresh_x_token(account_id=account_id)
