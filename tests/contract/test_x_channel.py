"""tweepy against the sandbox over HTTP: every channel operation and every error kind."""

from datetime import UTC, datetime

import pytest

from publishing.channels.base import (
    AuthExpired,
    Duplicate,
    Image,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from publishing.channels.x import XChannel

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture
def account(sandbox):
    data = sandbox.account("x", "Embassy in Tokyo", username="embtokyo", followers=8000, utc_offset_hours=9)
    return data, XChannel(user_id=data["id"], access_token=data["access_token"], username="embtokyo")


def test_publish_creates_one_post_with_the_link_in_the_text(sandbox, account):
    data, channel = account
    published = channel.publish(text="設計と音楽の季節 m:q1", link="https://news.example.org/ja/culture/")
    [post] = sandbox.posts(data["id"])
    assert post["id"] == published.external_id
    assert post["text"] == "設計と音楽の季節 m:q1 https://news.example.org/ja/culture/"
    assert published.url == f"https://x.com/embtokyo/status/{published.external_id}"
    assert channel.usage.limit == 100 and channel.usage.remaining == 99


def test_publish_with_an_image_uploads_media_first(sandbox, account):
    data, channel = account
    channel.publish(
        text="With a picture", image=Image(content=b"\x89PNGfake", filename="a.png", content_type="image/png")
    )
    [post] = sandbox.posts(data["id"])
    assert post["media"]


def test_duplicate_text_is_a_duplicate(account):
    _, channel = account
    channel.publish(text="Say it once")
    with pytest.raises(Duplicate):
        channel.publish(text="Say it once")


def test_too_long_is_rejected_with_the_network_reason(sandbox, account):
    data, channel = account
    with pytest.raises(Rejected) as caught:
        channel.publish(text="中" * 141)
    assert "too long" in caught.value.reason
    assert sandbox.posts(data["id"]) == []


def test_delete_and_find_by_marker(sandbox, account):
    data, channel = account
    first = channel.publish(text="One m:a1")
    channel.publish(text="Two m:b2")
    assert channel.find_by_marker("m:a1").external_id == first.external_id
    channel.delete(first.external_id)
    assert channel.find_by_marker("m:a1") is None
    assert [p["deleted"] for p in sandbox.posts(data["id"])] == [False, True]


def test_metrics_in_lookups_of_100_with_missing_posts_unavailable(sandbox, account):
    _, channel = account
    ids = [channel.publish(text=f"Post number {n}").external_id for n in range(99)]
    channel.delete(ids[0])
    sandbox.advance(90 * 60)  # reach grows; the two-hour access token is still valid
    figures = channel.metrics([*ids, "1234567890123"])  # 100 ids and one more: two lookups
    assert set(figures) == set(ids[1:])
    one = figures[ids[1]]
    assert one.views > 0 and one.reach is None  # X gives impressions, never reach
    assert one.clicks is not None and one.reactions is not None


def test_check_names_the_account(account):
    data, channel = account
    check = channel.check()
    assert (check.external_id, check.name, check.valid) == (data["id"], "Embassy in Tokyo", True)


def test_revoked_or_expired_token_is_auth_expired(sandbox, account):
    data, channel = account
    sandbox.advance(2 * 3600 + 1)  # X access tokens live two hours
    with pytest.raises(AuthExpired) as caught:
        channel.publish(text="Late")
    assert data["access_token"] not in str(caught.value)


def test_more_than_100_posts_in_15_minutes_is_rate_limited_until_the_reset(account):
    _, channel = account
    for n in range(100):
        channel.publish(text=f"Burst {n}")
    with pytest.raises(RateLimited) as caught:
        channel.publish(text="One too many")
    wait = (caught.value.until - datetime.now(UTC)).total_seconds()
    assert 0 < wait <= 15 * 60


def test_server_error_is_transient(sandbox, account):
    data, channel = account
    sandbox.faults(data["id"], rates={"transient": 1.0})
    with pytest.raises(Transient):
        channel.publish(text="Later")


def test_lost_answer_is_an_unknown_outcome_and_reconcilable(sandbox, account):
    data, channel = account
    sandbox.faults(data["id"], rates={"commit_then_drop": 1.0})
    with pytest.raises(UnknownOutcome):
        channel.publish(text="Sent? m:k7")
    sandbox.faults(data["id"])
    assert channel.find_by_marker("m:k7") is not None


def test_malformed_answer_is_unknown_for_writes(sandbox, account):
    data, channel = account
    sandbox.faults(data["id"], rates={"malformed": 1.0})
    with pytest.raises(UnknownOutcome):
        channel.publish(text="Garbled")
    with pytest.raises(Transient):
        channel.check()


def test_links_come_back_as_t_co_and_the_marker_is_found_through_the_expanded_url(sandbox, account):
    _, channel = account
    published = channel.publish(text="Read the story", link="https://news.example.org/en/s/?utm_source=x&m=c0ffee42")
    lookup = channel.client.get_tweets([published.external_id], user_auth=False)
    assert "https://t.co/" in lookup.data[0].text and "c0ffee42" not in lookup.data[0].text
    found = channel.find_by_marker("c0ffee42")
    assert found is not None and found.external_id == published.external_id
    assert found.links == ("https://news.example.org/en/s/?utm_source=x&m=c0ffee42",)
