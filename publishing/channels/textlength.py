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


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _utf16_units(text: str) -> str:
    """The text as a string of UTF-16 code units (astral characters become surrogate pairs)."""
    if not _ASTRAL.search(text):
        return text  # every character is one code unit already
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


@cache
def _weight_classes() -> tuple[tuple[int, dict[int, None]], ...]:
    """For each weight the configured ranges give: a `str.translate` table deleting the code units it covers."""
    config, _rx = _data()
    classes: dict[int, dict[int, None]] = {}
    for start, end, weight in config.ranges:
        if start <= 0xDFFF and end >= 0xDC00:
            raise ValueError("a weight range covers low surrogates; surrogate pairs would be weighed wrongly")
        classes.setdefault(weight, {}).update(dict.fromkeys(range(start, end + 1)))
    return tuple(classes.items())


def _plain_weight(units: str) -> int:
    """The weight of a stretch of code units holding no URL or emoji: each unit by the range it falls in, the
    default for the rest, and a surrogate pair once, by its low surrogate (which no range covers)."""
    config, _rx = _data()
    total, rest = 0, len(units)
    for weight, table in _weight_classes():
        covered = len(units) - len(units.translate(table))
        total += covered * weight
        rest -= covered
    pairs = len(_SURROGATE_PAIR.findall(units)) if rest else 0
    return total + (rest - pairs) * config.default_weight


def _is_pair_tail(units: str, index: int) -> bool:
    return index > 0 and "\ud800" <= units[index - 1] <= "\udbff" and "\udc00" <= units[index] <= "\udfff"


def weighted_length(text: str) -> int:
    """X's weighted length of `text`: at most 280 fits in one post."""
    config, rx = _data()
    units = _utf16_units(unicodedata.normalize("NFC", text))
    url_at = {start: end for start, end in url_spans(units)}
    emoji_at = {m.start(): m.end() for m in rx["emoji"].finditer(units)} if not units.isascii() else {}
    total = 0
    index = 0
    # twitter-text walks unit by unit, jumping over each URL (23) and emoji (the default weight) it lands on;
    # the stretches in between are weighed at once. It never lands inside a span it jumped or on the second
    # half of a surrogate pair.
    for at in sorted(url_at.keys() | emoji_at.keys()):
        if at < index or (at > index and _is_pair_tail(units, at)):
            continue
        total += _plain_weight(units[index:at])
        if at in url_at:
            total += config.url_length * config.scale
            index = url_at[at]
        else:
            total += config.default_weight
            index = emoji_at[at]
    total += _plain_weight(units[index:])
    return total // config.scale


def max_weighted_length() -> int:
    return _data()[0].max_weighted_length


def fits(text: str) -> bool:
    return 0 < weighted_length(text) <= max_weighted_length()


def urls(text: str) -> list[str]:
    """The URLs in `text` that X would shorten, in order."""
    units = _utf16_units(unicodedata.normalize("NFC", text))
    return [_from_units(units[start:end]) for start, end in url_spans(units)]
