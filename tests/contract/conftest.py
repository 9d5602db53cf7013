"""The contract tier's shared world: three embassies, each with a Facebook Page and an X account on the sandbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from embassies.models import SocialAccount
from tests.factories import embassy_make, portal_tree_build


@pytest.fixture
def world(db, sandbox):
    tree = portal_tree_build(languages=("en", "fr", "ar"))
    embassies = {
        "paris": embassy_make("paris", "FR", "Paris", "Europe/Paris"),
        "cairo": embassy_make("cairo", "EG", "Cairo", "Africa/Cairo"),
        "tokyo": embassy_make("tokyo", "JP", "Tokyo", "Asia/Tokyo"),
    }
    embassies["paris"].posting_languages = ["fr", "en"]
    embassies["cairo"].posting_languages = ["ar"]
    embassies["tokyo"].posting_languages = ["en"]
    embassies["cairo"].region = "middle-east"
    for embassy in embassies.values():
        embassy.hashtags = f"#{embassy.city}"
        embassy.save()
        for network in ("facebook", "x"):
            remote = sandbox.account(network, f"{embassy.name} {network}", username=f"emb{embassy.slug}")
            account = SocialAccount(
                embassy=embassy, network=network, external_id=remote["id"], handle=f"@emb{embassy.slug}"
            )
            account.credentials_set(
                {"access_token": remote["access_token"], "refresh_token": remote.get("refresh_token", "")}
            )
            account.token_expires_at = timezone.now() + timedelta(hours=2) if network == "x" else None
            account.save()
    return tree, embassies
