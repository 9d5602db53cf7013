"""Fitting a post to the network: what is trimmed first, that links stay whole, and that every embassy's post
fits whatever its link."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from publishing.channels.textlength import weighted_length
from publishing.localize import X_LIMIT, compose


def story(*, title="Minister announces a pledge", standfirst="Short.", url="https://www.mfa.example/en/s/pledge/"):
    return SimpleNamespace(
        title=title,
        slug="pledge",
        standfirst=standfirst,
        social_text="",
        first_published_at=datetime(2026, 11, 22, 9, tzinfo=UTC),
        latest_revision_created_at=None,
        get_full_url=lambda request=None: url,
        hashtag_list=lambda: ["#ClimateAction"],
    )


def embassy(slug="paris", hashtags="#Paris"):
    return SimpleNamespace(slug=slug, hashtags=hashtags)


def x_post(page, place=None, language="en"):
    return compose(story=page, language=language, network="x", embassy=place or embassy(), marker="ab12cd34")


def test_a_short_story_is_posted_whole():
    post = x_post(story())
    assert post.text.split("\n\n") == [
        "Minister announces a pledge (November 22, 2026)",
        "Short.",
        "#ClimateAction #Paris",
        post.link,
    ]


def test_a_long_summary_is_trimmed_first_and_the_link_stays_whole():
    post = x_post(story(standfirst="The ministry doubles its support for adaptation. " * 20))
    headline, summary, hashtags, link = post.text.split("\n\n")
    assert headline.startswith("Minister announces") and hashtags == "#ClimateAction #Paris"
    assert summary.endswith("…") and not summary.endswith(" …")
    assert link == post.link and "m=ab12cd34" in link
    assert weighted_length(post.text) <= X_LIMIT
    assert weighted_length(post.text) > X_LIMIT - 15  # it used the room it had, short of a word


def test_an_overlong_title_is_shortened_and_the_message_kept_whole():
    post = x_post(story(title="Statement " * 60, standfirst="The summary that carries the message."))
    headline, summary, hashtags, link = post.text.split("\n\n")
    assert headline.endswith("…") and summary == "The summary that carries the message."
    assert hashtags == "#ClimateAction #Paris" and link == post.link
    assert weighted_length(post.text) <= X_LIMIT


def test_an_x_draft_keeps_the_social_text_and_shortens_the_title_before_cutting_it():
    social = "Sweden doubles its support for climate adaptation in the countries most exposed to floods and drought."
    title = "Minister for International Development announces a doubling of adaptation finance " * 2
    page = story(title=title, url="https://www.government.se/en/s/pledge/")  # a link X counts as 23
    page.social_text = social
    headline, summary, _hashtags, _link = x_post(page).text.split("\n\n")
    assert summary == social and headline.endswith("…")
    assert weighted_length(x_post(page).text) <= X_LIMIT


def test_hashtags_go_before_the_message_is_cut_to_nothing():
    page = story(title="Pledge", standfirst="A message " * 20)
    post = x_post(page, embassy(hashtags=" ".join(f"#Tag{n}" for n in range(30))))
    assert "#Tag1" not in post.text and "A message" in post.text
    assert weighted_length(post.text) <= X_LIMIT


@pytest.mark.parametrize("url", ["https://www.mfa.example/en/s/pledge/", "http://127.0.0.1:8000/en/s/pledge/"])
def test_every_embassy_fits_whatever_its_link_weighs(url):
    """X counts a URL it recognizes as 23, and anything else (an IP address) by its characters."""
    page = story(standfirst="Support for adaptation in the most exposed countries. " * 10, url=url)
    posts = [x_post(page, embassy(slug="e" * n)) for n in (1, 20, 60)]
    for post in posts:
        assert weighted_length(post.text) <= X_LIMIT and post.text.endswith(post.link)
    assert len({post.link for post in posts}) == 3


def test_right_to_left_text_is_trimmed_at_a_word_and_kept_in_order():
    arabic = "تضاعف الوزارة دعمها للتكيف في البلدان الأكثر تعرضا لتغير المناخ. " * 12
    post = x_post(story(title="تعهد تمويل المناخ", standfirst=arabic), language="ar")
    summary = post.text.split("\n\n")[1]
    assert arabic.startswith(summary[:-1].rstrip()) and summary.endswith("…")
    assert weighted_length(post.text) <= X_LIMIT
