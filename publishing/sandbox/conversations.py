"""Comments and replies: the audience answers each post in its own language (now and then in a hostile burst, now
and then from an official account), Pages and X accounts answer and hide, and Facebook tells a subscribed app
about each change in a signed webhook.

A post's audience comments are written when someone first reads them, as many as its figures say it has drawn by
then (at most CAP), each at its own time in the post's life, so reading twice gives the same thread."""

import hashlib
import hmac
import json
import logging
import secrets
import threading
from dataclasses import dataclass

import requests

from . import audience
from .store import Post, Store

logger = logging.getLogger(__name__)

CAP = 40  # audience comments a post draws at most
SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY, network TEXT NOT NULL, post_id TEXT NOT NULL, parent_id TEXT NOT NULL DEFAULT '',
    author_id TEXT NOT NULL, author_name TEXT NOT NULL, author_handle TEXT NOT NULL, text TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, hidden INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0, audience_index INTEGER
);
CREATE INDEX IF NOT EXISTS comments_post ON comments (post_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS comments_audience ON comments (post_id, audience_index);
"""

# What the audience says, by language: friendly, then hostile (a burst draws from these).
PHRASES = {
    "en": (
        ["Thank you for sharing this.", "Great news, well done!", "When will the next meeting be?", "Very useful."],
        ["This is a disgrace and you know it.", "Your government lies again.", "Shameful. Stop this now."],
    ),
    "fr": (
        ["Merci pour cette information.", "Excellente nouvelle !", "Quand aura lieu la prochaine rencontre ?"],
        ["C'est une honte.", "Votre gouvernement ment encore.", "Scandaleux, arrêtez cela."],
    ),
    "es": (
        ["Gracias por compartir.", "¡Muy buena noticia!", "¿Cuándo será la próxima reunión?"],
        ["Es una vergüenza.", "Su gobierno miente otra vez.", "Escandaloso, paren ya."],
    ),
    "ar": (
        ["شكرا على المشاركة.", "خبر رائع!", "متى الاجتماع القادم؟"],
        ["هذا عار.", "حكومتكم تكذب مرة أخرى.", "فضيحة، توقفوا الآن."],
    ),
    "sv": (
        ["Tack för att ni delar detta.", "Fina nyheter!", "När blir nästa möte?"],
        ["Det här är en skam.", "Er regering ljuger igen.", "Skandalöst, sluta nu."],
    ),
}
PEOPLE = [("Alex Morgan", "alexm"), ("Samira Haddad", "samira_h"), ("Jonas Berg", "jberg"), ("Lucía Ortiz", "lortiz")]
# Official accounts that now and then join a thread: staff keep them on their embassy's list of counterparts.
OFFICIALS = [("Host Ministry of Foreign Affairs", "hostmfa"), ("Government Spokesperson", "gov_spokes")]


def language_of(text: str) -> str:
    """The post's language, as far as the sandbox needs it: the audience answers in it."""
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "ar"
    words = set(text.lower().replace(",", " ").replace(".", " ").split())
    for lang, markers in (
        ("fr", {"le", "la", "les", "des", "et", "est"}),
        ("es", {"el", "los", "las", "y", "con", "del"}),
        ("sv", {"och", "att", "med", "för", "det"}),
    ):
        if len(words & markers) >= 2:
            return lang
    return "en"


def _seed(*parts) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@dataclass(frozen=True)
class Comment:
    id: str
    network: str
    post_id: str
    parent_id: str
    author_id: str
    author_name: str
    author_handle: str
    text: str
    lang: str
    created_at: float
    hidden: bool
    deleted: bool
    audience_index: int | None


class Conversations:
    def __init__(self, store: Store):
        self.store = store
        with store._lock:
            store._db.executescript(SCHEMA)
        self._webhook_lock = threading.Lock()

    # Reading -----------------------------------------------------------------------------------
    def _row(self, row) -> Comment:
        data = dict(row)
        return Comment(**{**data, "hidden": bool(data["hidden"]), "deleted": bool(data["deleted"])})

    def comment(self, comment_id: str) -> Comment | None:
        row = self.store._one("SELECT * FROM comments WHERE id = ?", comment_id)
        return self._row(row) if row else None

    def of_post(self, post: Post, *, now: float) -> list[Comment]:
        """Every comment and reply under the post up to `now`, oldest first (deleted ones included)."""
        self.audience_write(post, now=now)
        rows = self.store._all(
            "SELECT * FROM comments WHERE post_id = ? AND created_at <= ? ORDER BY created_at, id", post.id, now
        )
        return [self._row(row) for row in rows]

    def total(self, post_id: str) -> int:
        row = self.store._one("SELECT count(*) AS n FROM comments WHERE post_id = ? AND deleted = 0", post_id)
        return row["n"]

    # The audience ------------------------------------------------------------------------------
    def audience_write(self, post: Post, *, now: float) -> None:
        """Write the audience comments the post has drawn by `now` that are not written yet."""
        account = self.store.account(post.account_id)
        if account is None or post.deleted:
            return
        factor = self.store.replies_factor(post.id)
        drawn = min(CAP, audience.figures(post, account, now, replies_factor=factor)["comments"])
        written = self.store._one(
            "SELECT count(*) AS n FROM comments WHERE post_id = ? AND audience_index IS NOT NULL", post.id
        )["n"]
        if drawn <= written:
            return
        lang = language_of(post.text)
        friendly, hostile = PHRASES.get(lang, PHRASES["en"])
        # The new comments arrive between the last one written and now, so a reader never finds one older than
        # what it has already read.
        last = self.store._one(
            "SELECT max(created_at) AS t FROM comments WHERE post_id = ? AND audience_index IS NOT NULL", post.id
        )["t"]
        start = max(last or post.created_at, post.created_at)
        span = max(1.0, now - start)
        count = drawn - written
        rows = []
        for index in range(written, drawn):
            seed = _seed(post.id, index)
            created_at = start + span * (index - written + 1) / (count + 1)
            official = factor > 1 and seed % 7 == 0
            name, handle = OFFICIALS[seed % len(OFFICIALS)] if official else PEOPLE[seed % len(PEOPLE)]
            words = hostile if factor > 1 and seed % 3 else friendly
            text = words[seed % len(words)]
            parent = ""
            if index >= 2 and seed % 4 == 0:  # a reply to an earlier comment
                parent = self._audience_id(post, (seed // 4) % index)
            rows.append(
                (
                    self._audience_id(post, index),
                    post.network,
                    post.id,
                    parent,
                    f"9{_seed(handle) % 10**14:014d}",
                    name,
                    handle,
                    text,
                    lang,
                    created_at,
                    index,
                )
            )
        with self.store.tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO comments (id, network, post_id, parent_id, author_id, author_name,"
                " author_handle, text, lang, created_at, audience_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        for row in rows:
            self.webhook_send(post, row[0], "add")

    @staticmethod
    def _audience_id(post: Post, index: int) -> str:
        number = _seed(post.id, "comment", index) % 10**15 + 10**15
        return f"{post.id.split('_')[-1]}_{number}" if post.network == "facebook" else str(number * 1000 + index)

    # Writing -----------------------------------------------------------------------------------
    def add(
        self,
        *,
        post: Post,
        text: str,
        author_id: str,
        author_name: str,
        author_handle: str,
        parent_id: str = "",
        lang: str = "",
        comment_id: str = "",
    ) -> Comment:
        """A comment or reply written now (by the account itself, or by a test standing in for a person)."""
        if not comment_id:
            number = secrets.randbelow(9 * 10**15) + 10**15
            comment_id = f"{post.id.split('_')[-1]}_{number}" if post.network == "facebook" else str(number)
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO comments (id, network, post_id, parent_id, author_id, author_name, author_handle, text,"
                " lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    comment_id,
                    post.network,
                    post.id,
                    parent_id,
                    author_id,
                    author_name,
                    author_handle,
                    text,
                    lang or language_of(text),
                    self.store.now(),
                ),
            )
        self.webhook_send(post, comment_id, "add")
        return self.comment(comment_id)

    def change(self, comment_id: str, **fields) -> Comment | None:
        """Edit, hide or delete a comment: `text`, `hidden` or `deleted`."""
        allowed = {k: v for k, v in fields.items() if k in {"text", "hidden", "deleted"}}
        if not allowed or self.comment(comment_id) is None:
            return None
        sets = ", ".join(f"{name} = ?" for name in allowed)
        values = [int(v) if isinstance(v, bool) else v for v in allowed.values()]
        with self.store.tx() as db:
            db.execute(f"UPDATE comments SET {sets} WHERE id = ?", (*values, comment_id))  # noqa: S608 - fixed names
        found = self.comment(comment_id)
        verb = (
            "remove"
            if fields.get("deleted")
            else "edited"
            if "text" in fields
            else ("hide" if found.hidden else "unhide")
        )
        if (post := self.store.post(found.post_id)) is not None:
            self.webhook_send(post, comment_id, verb)
        return found

    # Webhooks (Facebook) -----------------------------------------------------------------------
    def webhook_subscribe(self, *, callback_url: str, verify_token: str, app_secret: str) -> bool:
        """Verify the callback as Facebook does (a GET with a challenge it must echo), then deliver to it."""
        challenge = secrets.token_hex(8)
        try:
            answer = requests.get(
                callback_url,
                params={"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge},
                timeout=5,
            )
        except requests.RequestException:
            return False
        if answer.status_code != 200 or answer.text.strip() != challenge:
            return False
        self.store.setting_set("webhook", {"url": callback_url, "secret": app_secret})
        return True

    def webhook_send(self, post: Post, comment_id: str, verb: str) -> None:
        """Tell the subscribed app, signed with its secret, in the background (deliveries may come late)."""
        target = self.store.setting("webhook")
        if post.network != "facebook" or not target:
            return
        found = self.comment(comment_id)
        value = {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": post.id}
        if found is not None:
            value.update(
                parent_id=found.parent_id or post.id,
                message=found.text,
                created_time=int(found.created_at),
                **{"from": {"id": found.author_id, "name": found.author_name}},
            )
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": post.account_id,
                        "time": int(self.store.now()),
                        "changes": [{"field": "feed", "value": value}],
                    }
                ],
            }
        ).encode()
        signature = "sha256=" + hmac.new(target["secret"].encode(), body, hashlib.sha256).hexdigest()

        def deliver():
            try:
                requests.post(
                    target["url"],
                    data=body,
                    headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                    timeout=5,
                )
            except requests.RequestException as problem:
                logger.info("webhook delivery to %s failed: %s", target["url"], problem)

        threading.Thread(target=deliver, daemon=True).start()
