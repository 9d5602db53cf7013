"""What a post's text must be before it leaves: within the network's length, free of invisible controls, and on X
carrying its story link (the link carries the marker that finds the post again after a lost answer)."""

import unicodedata

from django.utils.translation import gettext as _

from .channels.textlength import weighted_length
from .localize import FACEBOOK_LIMIT, INVISIBLE_CONTROLS, X_LIMIT


def post_text_problems(*, network: str, text: str, link: str = "") -> list[str]:
    """Everything wrong with `text` as a post on `network`, each in words that say what to fix."""
    problems = []
    if not text.strip():
        problems.append(_("The post is empty."))
    if network == "x" and (length := weighted_length(text)) > X_LIMIT:
        problems.append(
            _("This post is %(length)s characters as X counts them; the limit is %(limit)s.")
            % {"length": length, "limit": X_LIMIT}
        )
    if network == "facebook" and len(text) > FACEBOOK_LIMIT:
        problems.append(_("Facebook posts can be at most %(limit)s characters.") % {"limit": FACEBOOK_LIMIT})
    if found := sorted({f"U+{ord(c):04X}" for c in INVISIBLE_CONTROLS.findall(text)}):
        problems.append(
            _("Remove the invisible control characters (%(codes)s): they can make the post read differently.")
            % {"codes": ", ".join(found)}
        )
    if network == "x" and link and link not in unicodedata.normalize("NFC", text):
        problems.append(
            _(
                "Keep the story link in the post (%(link)s): it leads readers to the story and lets Chancery find the "
                "post on X again."
            )
            % {"link": link}
        )
    return problems
