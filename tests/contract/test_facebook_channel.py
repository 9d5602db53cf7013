"""facebook-sdk against the sandbox over HTTP: every channel operation and every error kind."""

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
from publishing.channels.facebook import FacebookChannel

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture
def page(sandbox):
    account = sandbox.account("facebook", "Embassy in Nairobi", followers=20000, utc_offset_hours=3)
    return account, FacebookChannel(page_id=account["id"], access_token=account["access_token"])


def test_publish_posts_to_the_page_with_its_link(sandbox, page):
    account, channel = page
    published = channel.publish(text="Climate pledge ⚑ m:ab12", link="https://news.example.org/en/climate/")
    assert published.external_id.startswith(f"{account['id']}_")
    assert published.url.endswith(published.external_id.split("_")[1])
    [post] = sandbox.posts(account["id"])
    assert (post["id"], post["text"], post["link"]) == (
        published.external_id,
        "Climate pledge ⚑ m:ab12",
        "https://news.example.org/en/climate/",
    )
    assert channel.usage.percent_used is not None


def test_publish_with_an_image_makes_a_photo_post(sandbox, page):
    account, channel = page
    published = channel.publish(text="With a picture", image=Image(content=b"\xff\xd8fake-jpeg"))
    [post] = sandbox.posts(account["id"])
    assert post["id"] == published.external_id and post["media"] == "photo"


def test_same_message_twice_is_a_duplicate(page):
    _, channel = page
    channel.publish(text="Only once")
    with pytest.raises(Duplicate):
        channel.publish(text="Only once")


def test_delete_removes_the_post(sandbox, page):
    account, channel = page
    published = channel.publish(text="To be recalled")
    channel.delete(published.external_id)
    [post] = sandbox.posts(account["id"])
    assert post["deleted"] is True
    with pytest.raises(Rejected):
        channel.delete(published.external_id)


def test_recent_posts_find_a_post_by_its_marker(page):
    _, channel = page
    for n in range(3):
        channel.publish(text=f"Story {n} m:mark{n}")
    found = channel.find_by_marker("m:mark1")
    assert found is not None and found.text == "Story 1 m:mark1"
    assert isinstance(found.created_at, datetime) and found.created_at.tzinfo is not None
    assert channel.find_by_marker("m:nothing") is None


def test_metrics_grow_with_time_and_come_in_batches(sandbox, page):
    _, channel = page
    ids = [channel.publish(text=f"Post {n}").external_id for n in range(30)]  # more than one batch of 50 operations
    channel.delete(ids[-1])
    fresh = channel.metrics(ids)
    sandbox.advance(12 * 3600)
    later = channel.metrics(ids)
    assert set(later) == set(ids[:-1])  # a deleted post's figures are unavailable, not zero
    first = later[ids[0]]
    assert first.views > fresh[ids[0]].views >= 0
    assert 0 < first.reach <= first.views
    assert first.reactions is not None and first.comments is not None and first.clicks is not None


def test_check_reports_a_valid_page_token(page):
    account, channel = page
    check = channel.check()
    assert (check.external_id, check.name, check.valid) == (account["id"], "Embassy in Nairobi", True)
    assert check.expires_at is None
    assert "pages_manage_posts" in check.scopes


def test_revoked_token_is_auth_expired(sandbox, page):
    account, channel = page
    sandbox.revoke(account["id"])
    with pytest.raises(AuthExpired) as caught:
        channel.publish(text="Will not go")
    assert account["access_token"] not in str(caught.value)
    assert channel.check().valid is False


def test_page_limit_is_rate_limited_with_a_time_to_wait(sandbox, page):
    account, channel = page
    sandbox.faults(account["id"], burst_429=1)
    with pytest.raises(RateLimited) as caught:
        channel.publish(text="Too many")
    assert caught.value.until > datetime.now(UTC)
    assert channel.publish(text="Next one goes").external_id


def test_server_error_is_transient(sandbox, page):
    account, channel = page
    sandbox.faults(account["id"], rates={"transient": 1.0})
    with pytest.raises(Transient):
        channel.publish(text="Try later")
    assert sandbox.posts(account["id"]) == []


def test_policy_block_and_overlong_text_are_rejected_with_a_reason(sandbox, page):
    account, channel = page
    with pytest.raises(Rejected) as too_long:
        channel.publish(text="x" * 63207)
    assert "63206" in too_long.value.reason
    sandbox.faults(account["id"], rates={"reject": 1.0})
    with pytest.raises(Rejected) as blocked:
        channel.publish(text="Blocked")
    assert "#368" in blocked.value.reason


def test_lost_answer_is_an_unknown_outcome_and_the_post_can_be_found(sandbox, page):
    account, channel = page
    sandbox.faults(account["id"], rates={"commit_then_drop": 1.0})
    with pytest.raises(UnknownOutcome):
        channel.publish(text="Did it go? m:zz99")
    sandbox.faults(account["id"])
    assert channel.find_by_marker("m:zz99") is not None
    assert len(sandbox.posts(account["id"])) == 1


def test_malformed_answer_is_unknown_for_writes_and_transient_for_reads(sandbox, page):
    account, channel = page
    sandbox.faults(account["id"], rates={"malformed": 1.0})
    with pytest.raises(UnknownOutcome):
        channel.publish(text="Garbled")
    with pytest.raises(Transient):
        list(channel.recent_posts())


def test_unreachable_network_is_transient(settings):
    settings.CHANNEL_TIMEOUT = 2
    from publishing.channels import facebook

    facebook.facebook.FACEBOOK_GRAPH_URL = "http://127.0.0.1:9/"
    channel = FacebookChannel(page_id="1", access_token="token-never-sent")
    with pytest.raises(Transient):
        channel.publish(text="Nobody home")


def test_a_link_post_is_found_by_its_link_card_when_its_text_has_no_link(page):
    _, channel = page
    channel.publish(
        text="A statement without its URL", link="https://news.example.org/en/s/?utm_source=facebook&m=c0ffee42"
    )
    found = channel.find_by_marker("c0ffee42")
    assert found is not None and found.text == "A statement without its URL"
    assert "https://news.example.org/en/s/?utm_source=facebook&m=c0ffee42" in found.links
