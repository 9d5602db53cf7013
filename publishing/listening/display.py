"""How untrusted comment text reaches a screen: escaped by the template, bidi overrides taken out (they would turn
the text around it), links shown as text until a person asks to see them as links."""

import re

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
LINK = re.compile(r"(?i)\b((?:https?://|www\.)[^\s<>\"']+)")


def text_neutralised(text: str) -> str:
    return BIDI_CONTROLS.sub("", text or "")


def links_in(text: str) -> list[str]:
    """The links a comment carries, each with a scheme, for a person who asked to see them."""
    found = []
    for link in LINK.findall(text_neutralised(text)):
        found.append(link if "://" in link else f"https://{link}")
    return list(dict.fromkeys(found))
