"""Account health checks and X token refresh against the sandbox."""

import pytest
import requests
from django.core import mail
from django.utils import timezone

from embassies.models import EmbassyMembership, SocialAccount
from embassies.services import account_check_health, account_refresh_x_token, accounts_check_health
from tests.factories import UserFactory, baseline_ensure, embassy_make


@pytest.fixture
def embassy(db, sandbox):
    baseline_ensure()
    embassy = embassy_make("tokyo", "JP", "Tokyo", "Asia/Tokyo")
    EmbassyMembership.objects.create(
        embassy=embassy, user=UserFactory(username="kenji", email="kenji@ministry.example")
    )
    return embassy


def connect(embassy, sandbox, network: str) -> tuple[SocialAccount, dict]:
    remote = sandbox.account(network, f"Embassy in Tokyo ({network})", username="embtokyo")
    account = SocialAccount(embassy=embassy, network=network, external_id=remote["id"], handle="@embtokyo")
    credentials = {"access_token": remote["access_token"]}
    if network == "x":
        credentials["refresh_token"] = remote["refresh_token"]
        account.token_expires_at = timezone.now() + timezone.timedelta(seconds=remote["expires_in"])
    account.credentials_set(credentials)
    account.save()
    return account, remote


def test_healthy_facebook_page_is_checked_and_named(embassy, sandbox):
    account, _remote = connect(embassy, sandbox, "facebook")
    checked = account_check_health(account_id=account.pk)
    assert checked.status == "connected" and checked.checked_at is not None
    assert checked.display_name == "Embassy in Tokyo (facebook)"
    assert checked.token_expires_at is None  # a Page token from a long-lived user token never expires


def test_revoked_token_marks_the_account_and_tells_the_embassy(embassy, sandbox):
    account, remote = connect(embassy, sandbox, "facebook")
    sandbox.revoke(remote["id"])
    assert accounts_check_health() == 1
    account.refresh_from_db()
    assert account.status == "needs_reconnect"
    assert "no longer valid" in account.last_error
    [message] = mail.outbox
    assert message.to == ["kenji@ministry.example"] and "reconnect" in message.subject
    assert remote["access_token"] not in message.body


def test_x_token_is_refreshed_and_the_refresh_token_rotates(embassy, sandbox):
    account, remote = connect(embassy, sandbox, "x")
    sandbox.advance(2 * 3600)  # two hours pass: the access token has expired, on both sides
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timezone.timedelta(minutes=1))
    refreshed = account_refresh_x_token(account_id=account.pk)
    credentials = refreshed.credentials_get()
    assert credentials["access_token"] != remote["access_token"]
    assert credentials["refresh_token"] != remote["refresh_token"]
    assert refreshed.status == "connected"
    assert account_check_health(account_id=account.pk).status == "connected"


def test_fresh_x_token_is_not_refreshed_again(embassy, sandbox):
    account, remote = connect(embassy, sandbox, "x")
    assert account_refresh_x_token(account_id=account.pk).credentials_get()["refresh_token"] == remote["refresh_token"]


def test_spent_refresh_token_marks_the_account_for_reconnection(embassy, sandbox):
    account, remote = connect(embassy, sandbox, "x")
    spent = requests.post(
        f"{sandbox.url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": remote["refresh_token"], "client_id": "someone-else"},
        timeout=10,
    )
    assert spent.status_code == 200
    refreshed = account_refresh_x_token(account_id=account.pk, force=True)
    assert refreshed.status == "needs_reconnect"
    assert "connect the account again" in refreshed.last_error
