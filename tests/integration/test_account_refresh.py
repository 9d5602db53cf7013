"""X refresh tokens are single-use: workers refreshing at once spend the token once and keep the account."""

import pytest
from django.utils import timezone

from embassies.models import SocialAccount
from embassies.services import account_refresh_x_token
from tests.factories import baseline_ensure, embassy_make

from .conftest import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_refreshes_spend_the_refresh_token_once(sandbox):
    baseline_ensure()
    embassy = embassy_make("lima", "PE", "Lima", "America/Lima")
    remote = sandbox.account("x", "Embassy in Peru", username="embperu")
    account = SocialAccount(
        embassy=embassy,
        network="x",
        external_id=remote["id"],
        token_expires_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    account.credentials_set({"access_token": remote["access_token"], "refresh_token": remote["refresh_token"]})
    account.save()

    _results, failures = run_together(lambda: account_refresh_x_token(account_id=account.pk), threads=6)

    assert failures == []
    account.refresh_from_db()
    assert account.status == "connected", account.last_error
    refresh_tokens = sandbox.server.sandbox.store.tokens_of(remote["id"], "x_refresh")
    assert len(refresh_tokens) == 1  # the original was spent exactly once and replaced by one new token
    assert account.credentials_get()["refresh_token"] == refresh_tokens[0].token
