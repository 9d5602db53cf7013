"""A post's length as X counts it: twitter-text v3's weighted length, URLs at 23 and emoji at 2.

This follows twitter-text's own algorithm and regular expressions (exported from the npm package
into `twitter_text_v3.json`). Like JavaScript, it walks the text in UTF-16 code units, so the
regular expressions apply unchanged and every index means what it means there.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("twitter_text_v3.json")
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
DEFAULT_PROTOCOL = "https://"


@dataclass(frozen=True)
class TextConfig:
    max_weighted_length: int
    scale: int
    default_weight: int
    url_length: int
    ranges: tuple[tuple[int, int, int], ...]


@cache
def _data() -> tuple[TextConfig, dict[str, re.Pattern]]:
    raw = json.loads(DATA_FILE.read_text())
    config = raw["config"]
    patterns = {
        name: re.compile(spec["source"], re.IGNORECASE if "i" in spec["flags"] else 0)
        for name, spec in raw["regexes"].items()
    }
    return (
        TextConfig(
            max_weighted_length=config["maxWeightedTweetLength"],
            scale=config["scale"],
            default_weight=config["defaultWeight"],
            url_length=config["transformedURLLength"],
            ranges=tuple((r["start"], r["end"], r["weight"]) for r in config["ranges"]),
        ),
        patterns,
    )


def _utf16_units(text: str) -> str:
    """The text as a string of UTF-16 code units (astral characters become surrogate pairs)."""
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2))


def _from_units(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _punycode_length(domain: str) -> int:
    try:
        return len(_from_units(domain).encode("idna"))
    except UnicodeError:
        labels = [label.encode("punycode") for label in _from_units(domain).split(".")]
        return sum(len(label) + 4 for label in labels) + len(labels) - 1 if all(labels) else 0


def _valid_url(url: str, protocol: str, domain: str) -> bool:
    encoded = _punycode_length(domain)
    return encoded > 0 and len(protocol) + len(url) + encoded - len(domain) <= MAX_URL_LENGTH


def url_spans(units: str) -> list[tuple[int, int]]:
    """Start and end (UTF-16 indices) of every URL twitter-text would shorten to t.co."""
    _config, rx = _data()
    if "." not in units:
        return []
    spans = []
    for match in rx["extractUrl"].finditer(units):
        before, url, protocol, domain, path = (match.group(i) or "" for i in (2, 3, 4, 5, 7))
        end = match.end()
        start = end - len(url)
        if not _valid_url(url, protocol or DEFAULT_PROTOCOL, domain):
            continue
        if not protocol:
            if rx["invalidUrlWithoutProtocolPrecedingChars"].search(before):
                continue
            last = None
            position = 0
            for ascii_domain in rx["validAsciiDomain"].finditer(domain):
                ascii_start = domain.index(ascii_domain.group(0), position)
                position = ascii_start + len(ascii_domain.group(0))
                last = [start + ascii_start, start + position]
                spans.append(last)
            if last is None:
                continue
            if path:
                last[1] = end
        else:
            tco = rx["validTcoUrl"].search(url)
            if tco:
                if tco.group(1) and len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                end = start + len(tco.group(0))
            spans.append([start, end])
    return [(s, e) for s, e in spans]


def weighted_length(text: str) -> int:
    """X's weighted length of `text`: at most 280 fits in one post."""
    config, rx = _data()
    units = _utf16_units(unicodedata.normalize("NFC", text))
    url_at = {start: end for start, end in url_spans(units)}
    emoji_at = {m.start(): m.end() for m in rx["emoji"].finditer(units)}
    total = 0
    index = 0
    while index < len(units):
        if index in url_at:
            total += config.url_length * config.scale
            index = url_at[index]
            continue
        if index in emoji_at:
            total += config.default_weight
            index = emoji_at[index]
            continue
        code = ord(units[index])
        if 0xD800 <= code <= 0xDBFF and index + 1 < len(units) and 0xDC00 <= ord(units[index + 1]) <= 0xDFFF:
            index += 1  # twitter-text weighs a surrogate pair by its low surrogate: the default weight
            code = ord(units[index])
        total += next((w for start, end, w in config.ranges if start <= code <= end), config.default_weight)
        index += 1
    return total // config.scale


def max_weighted_length() -> int:
    return _data()[0].max_weighted_length


def fits(text: str) -> bool:
    return 0 < weighted_length(text) <= max_weighted_length()


def urls(text: str) -> list[str]:
    """The URLs in `text` that X would shorten, in order."""
    units = _utf16_units(unicodedata.normalize("NFC", text))
    return [_from_units(units[start:end]) for start, end in url_spans(units)]
