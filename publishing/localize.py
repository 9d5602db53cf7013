"""Composes a post for one account: the story's translation in the embassy's language, CLDR dates through
Babel, the post template from the catalogs, hashtags, a tracked link with a reconciliation marker, fitted
to the network's length rules without cutting a URL or a character in two."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.utils import translation
from django.utils.translation import gettext as _

from portal.l10n import date_long

from .channels.textlength import weighted_length

FACEBOOK_LIMIT = 63206
X_LIMIT = 280
ELLIPSIS = "…"
ZERO_WIDTH_JOINERS = {"\u200d", "\ufe0f", "\ufe0e"}
STAND_IN_URL = "https://example.org/"
# Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) can make a post read other than it is
# written; C0/C1 controls other than line breaks and tabs have no business in a post.
INVISIBLE_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_strip_controls(text: str) -> str:
    return INVISIBLE_CONTROLS.sub("", text)


@dataclass(frozen=True)
class Composed:
    text: str
    link: str


def story_for_languages(translations: dict, languages: list[str], source):
    """The first live translation in the embassy's languages, else the source (flagged as a fallback):
    (page, language, fallback)."""
    for code in languages:
        if code in translations:
            return translations[code], code, False
    return source, source.locale.language_code, True


def tracked_link(url: str, *, network: str, campaign: str, content: str, marker: str) -> str:
    parts = urlsplit(url)
    query = urlencode(
        {
            "utm_source": network,
            "utm_medium": "social",
            "utm_campaign": campaign,
            "utm_content": content,
            "m": marker,
        }
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{parts.query}&{query}" if parts.query else query, ""))


def _length(text: str, network: str) -> int:
    return weighted_length(text) if network == "x" else len(text)


def _limit(network: str) -> int:
    return X_LIMIT if network == "x" else FACEBOOK_LIMIT


def safe_cut(text: str, size: int) -> str:
    """At most `size` code points of `text`, never splitting a combining mark, emoji sequence or surrogate."""
    if len(text) <= size:
        return text
    cut = max(0, size)
    while 0 < cut < len(text) and (
        unicodedata.combining(text[cut])
        or text[cut] in ZERO_WIDTH_JOINERS
        or text[cut - 1] == "\u200d"
        or 0x1F3FB <= ord(text[cut]) <= 0x1F3FF  # skin tone modifiers belong to the emoji before them
        or (0x1F1E6 <= ord(text[cut - 1]) <= 0x1F1FF and 0x1F1E6 <= ord(text[cut]) <= 0x1F1FF)
    ):
        cut -= 1
    return text[:cut]


def trim_to(text: str, budget: int, network: str) -> str:
    """`text` shortened to fit `budget` with an ellipsis, at a word boundary where the language has them."""
    if _length(text, network) <= budget:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if _length(safe_cut(text, middle).rstrip() + ELLIPSIS, network) <= budget:
            low = middle
        else:
            high = middle - 1
    prefix = safe_cut(text, low)
    if " " in prefix and low < len(text) and not text[low].isspace():
        at_word = prefix.rsplit(" ", 1)[0]
        if len(at_word) >= len(prefix) * 0.6:  # only when it does not throw away most of the room
            prefix = at_word
    return prefix.rstrip(" ,;:—-") + ELLIPSIS if prefix else ""


def compose(*, story, language: str, network: str, embassy, marker: str, request=None) -> Composed:
    """The post's text and link for one account."""
    link = tracked_link(
        story.get_full_url(request), network=network, campaign=story.slug, content=embassy.slug, marker=marker
    )
    hashtags = text_strip_controls(" ".join(dict.fromkeys([*story.hashtag_list(), *embassy.hashtags.split()])))
    with translation.override(language):
        published = date_long(story.first_published_at or story.latest_revision_created_at, language)
        headline = _("%(title)s (%(date)s)") % {"title": text_strip_controls(story.title), "date": published}
    summary = text_strip_controls(story.social_text or story.standfirst)
    # Facebook shows the link as a card beside the text (and keeps it as the post's attachment); on X the link
    # is part of the text and carries the marker there.
    in_text = link if network == "x" else ""
    # Every embassy with the same hashtags gets the same fit: it is worked out once, beside a stand-in of the
    # link's weight, and checked against the real text.
    text = _join(*_fit_beside(headline, summary, hashtags, network, _stand_in(link, network)), in_text)
    if _length(text, network) > _limit(network):
        text = _join(*_fit(headline, summary, hashtags, link, network), in_text)
    return Composed(text=text, link=link)


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _stand_in(link: str, network: str) -> str:
    """Something that weighs what `link` weighs on `network`: any URL X recognizes counts 23."""
    weight = _length(link, network)
    return STAND_IN_URL if network == "x" and weight == _length(STAND_IN_URL, network) else "x" * weight


@lru_cache(maxsize=1024)
def _fit_beside(headline: str, summary: str, hashtags: str, network: str, link: str) -> tuple[str, str, str]:
    return _fit(headline, summary, hashtags, link, network)


HEADLINE_KEPT = 40  # weighted characters of the title a post keeps before its message is cut


def _fit(headline: str, summary: str, hashtags: str, link: str, network: str) -> tuple[str, str, str]:
    """The headline, summary and hashtags that fit the network's limit beside `link`. The message (the social text or
    the standfirst) is what the post is for: the headline is shortened first, down to HEADLINE_KEPT; only then is
    the summary cut; then the hashtags go; at last the headline stands alone."""
    limit = _limit(network)
    if _length(_join(headline, summary, hashtags, link), network) <= limit:
        return headline, summary, hashtags
    for tags in (hashtags, ""):
        beside = _length(_join(summary, tags, link), network) + _length("\n\n", network)
        if limit - beside >= min(HEADLINE_KEPT, _length(headline, network)):
            return trim_to(headline, limit - beside, network), summary, tags
        shorter = trim_to(headline, HEADLINE_KEPT, network)
        room = limit - _length(_join(shorter, tags, link), network) - _length("\n\n", network)
        if room >= HEADLINE_KEPT:
            return shorter, trim_to(summary, room, network), tags
    return trim_to(headline, limit - _length(link, network) - 2, network), "", ""
