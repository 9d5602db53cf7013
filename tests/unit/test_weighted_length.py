"""X's character count agrees with the official twitter-text package on every case of the reference table."""

import json
from pathlib import Path

import pytest

from publishing.channels.x import weighted_length

TABLE = json.loads((Path(__file__).parents[1] / "data" / "twitter_text" / "lengths.json").read_text())
KINDS_REQUIRED = {"ascii", "accents", "cjk", "emoji", "urls", "right to left"}


def test_reference_table_is_large_and_covers_every_kind():
    assert len(TABLE["cases"]) >= 60
    assert {case["kind"] for case in TABLE["cases"]} >= KINDS_REQUIRED
    assert TABLE["source"].startswith("twitter-text 3.")


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda case: f"{case['kind']}:{case['text'][:24]!r}")
def test_weighted_length_matches_twitter_text(case):
    assert weighted_length(case["text"]) == case["weighted_length"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("https://news.example.org/" + "path/" * 60, 23),  # any URL counts 23, however long
        ("中文", 4),
        ("👩🏽‍⚕️", 2),  # one emoji ZWJ sequence with a skin tone
        ("🇫🇷", 2),
    ],
)
def test_well_known_weights(text, expected):
    assert weighted_length(text) == expected


def _walk(text: str) -> int:
    """twitter-text's own loop, one UTF-16 unit at a time: the reference the faster count must agree with."""
    import unicodedata

    from publishing.channels import textlength

    config, rx = textlength._data()
    units = textlength._utf16_units(unicodedata.normalize("NFC", text))
    url_at = dict(textlength.url_spans(units))
    emoji_at = {m.start(): m.end() for m in rx["emoji"].finditer(units)}
    total = index = 0
    while index < len(units):
        if index in url_at:
            total, index = total + config.url_length * config.scale, url_at[index]
            continue
        if index in emoji_at:
            total, index = total + config.default_weight, emoji_at[index]
            continue
        code = ord(units[index])
        if 0xD800 <= code <= 0xDBFF and index + 1 < len(units) and 0xDC00 <= ord(units[index + 1]) <= 0xDFFF:
            index += 1
            code = ord(units[index])
        total += next((w for start, end, w in config.ranges if start <= code <= end), config.default_weight)
        index += 1
    return total // config.scale


FRAGMENTS = [
    "Minister", " ", "\n\n", "é", "ß", "中文", "日本語", "한국어", "مرحبا", "שלום", "‎", "’", "′", "‐", "—", "…",
    "👩🏽‍⚕️", "🇫🇷", "#️⃣", "👍", "👍🏿", "❤️", "😀", "\U0001d400", "\ud800", "\udc00", "#Climate", "@embassy",
    "https://news.example.org/en/stories/x/?utm_source=x&m=ab12cd34", "example.com", "http://t.co/abc123",
    "www.gov.uk", "a.b", "(https://例え.jp/パス)", "e\u0301", "ﷺ", "ᄀ", "\u2000", "\u2028",
]  # fmt: skip


def test_the_count_agrees_with_twitter_texts_own_loop_on_mixed_text():
    import random

    draw = random.Random(20261122)
    for _ in range(3000):
        text = "".join(draw.choice(FRAGMENTS) for _ in range(draw.randint(0, 40)))
        assert weighted_length(text) == _walk(text), repr(text)
