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
