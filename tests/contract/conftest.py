"""The contract tier's shared world: three embassies, each with a Facebook Page and an X account on the sandbox."""

import pytest

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
            sandbox.connect(embassy, network, username=f"emb{embassy.slug}")
    return tree, embassies
