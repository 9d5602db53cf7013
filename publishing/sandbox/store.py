"""The sandbox's persistent state in SQLite: accounts, tokens, posts, media, rate windows, faults, clock."""

import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, network TEXT NOT NULL, name TEXT NOT NULL, username TEXT NOT NULL,
    followers INTEGER NOT NULL, utc_offset_hours INTEGER NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT, app_id TEXT,
    expires_at REAL, revoked INTEGER NOT NULL DEFAULT 0, scopes TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, network TEXT NOT NULL, account_id TEXT, redirect_uri TEXT NOT NULL,
    code_challenge TEXT, scopes TEXT NOT NULL DEFAULT '', expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, network TEXT NOT NULL, text TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '', media TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS posts_account ON posts (account_id, created_at);
CREATE TABLE IF NOT EXISTS media (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, size INTEGER, created_at REAL);
CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, started REAL NOT NULL, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

FB_USER_ID = "100000000000001"  # the one person who logs in to the sandbox's Facebook and manages every Page


@dataclass(frozen=True)
class Account:
    id: str
    network: str
    name: str
    username: str
    followers: int
    utc_offset_hours: int
    created_at: float


@dataclass(frozen=True)
class Token:
    token: str
    kind: str
    account_id: str | None
    expires_at: float | None
    revoked: bool
    scopes: str


@dataclass(frozen=True)
class Post:
    id: str
    account_id: str
    network: str
    text: str
    link: str
    media: str
    created_at: float
    deleted: bool


class Store:
    """Thread-safe access to one SQLite file; every method is one short transaction."""

    def __init__(self, path: str | Path):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def tx(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args):
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args):
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # Clock: the audience and token expiry read it, so tests can move time forward.
    def now(self) -> float:
        """Real time moved by the offset; while frozen, the moment it was frozen at (moved by the same offset)."""
        frozen = self.setting("clock_frozen_at")
        return (float(frozen) if frozen is not None else time.time()) + float(self.setting("clock_offset", 0))

    def setting(self, key: str, default=None):
        row = self._one("SELECT value FROM settings WHERE key = ?", key)
        return json.loads(row["value"]) if row else default

    def setting_set(self, key: str, value) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # Accounts and tokens
    def account_create(
        self, *, network: str, name: str, username: str, followers: int, utc_offset_hours: int
    ) -> Account:
        account_id = str(secrets.randbelow(9 * 10**14) + 10**14)
        with self.tx() as db:
            db.execute(
                "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account_id, network, name, username, followers, utc_offset_hours, self.now()),
            )
        return self.account(account_id)

    def account(self, account_id: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE id = ?", account_id)
        return Account(**dict(row)) if row else None

    def accounts(self, network: str | None = None) -> list[Account]:
        rows = (
            self._all("SELECT * FROM accounts WHERE network = ? ORDER BY created_at", network)
            if network
            else self._all("SELECT * FROM accounts ORDER BY created_at")
        )
        return [Account(**dict(row)) for row in rows]

    def token_issue(
        self, *, kind: str, account_id: str | None, ttl: float | None, scopes: str = "", app_id: str = ""
    ) -> Token:
        token = f"{kind[:2].upper()}{secrets.token_urlsafe(32)}"
        expires_at = self.now() + ttl if ttl else None
        with self.tx() as db:
            db.execute(
                "INSERT INTO tokens (token, kind, account_id, app_id, expires_at, scopes, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token, kind, account_id, app_id, expires_at, scopes, self.now()),
            )
        return self.token(token)

    def token(self, token: str) -> Token | None:
        row = self._one(
            "SELECT token, kind, account_id, expires_at, revoked, scopes FROM tokens WHERE token = ?", token
        )
        return Token(**{**dict(row), "revoked": bool(row["revoked"])}) if row else None

    def token_valid(self, token: str, *kinds: str) -> Token | None:
        found = self.token(token) if token else None
        if not found or found.revoked or found.kind not in kinds:
            return None
        if found.expires_at is not None and found.expires_at <= self.now():
            return None
        return found

    def token_spend(self, token: str, kind: str) -> Token | None:
        """Use a single-use token (an X refresh token): valid once, then revoked, atomically."""
        with self.tx() as db:
            row = db.execute(
                "SELECT token, kind, account_id, expires_at, revoked, scopes FROM tokens WHERE token = ? AND kind = ?",
                (token, kind),
            ).fetchone()
            if not row or row["revoked"]:
                return None
            db.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,))
        return Token(**{**dict(row), "revoked": False})

    def tokens_revoke(self, *, account_id: str | None = None, token: str | None = None) -> int:
        with self.tx() as db:
            if token:
                return db.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,)).rowcount
            return db.execute("UPDATE tokens SET revoked = 1 WHERE account_id = ?", (account_id,)).rowcount

    def tokens_of(self, account_id: str, kind: str) -> list[Token]:
        rows = self._all(
            "SELECT token, kind, account_id, expires_at, revoked, scopes FROM tokens"
            " WHERE account_id = ? AND kind = ? AND revoked = 0 ORDER BY created_at",
            account_id,
            kind,
        )
        return [Token(**{**dict(row), "revoked": False}) for row in rows]

    # Authorization codes
    def code_issue(
        self, *, network: str, account_id: str | None, redirect_uri: str, code_challenge: str = "", scopes: str = ""
    ) -> str:
        code = secrets.token_urlsafe(24)
        with self.tx() as db:
            db.execute(
                "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (code, network, account_id, redirect_uri, code_challenge, scopes, self.now() + 600),
            )
        return code

    def code_spend(self, code: str, network: str):
        with self.tx() as db:
            row = db.execute("SELECT * FROM codes WHERE code = ? AND network = ?", (code, network)).fetchone()
            if not row or row["used"] or row["expires_at"] < self.now():
                return None
            db.execute("UPDATE codes SET used = 1 WHERE code = ?", (code,))
        return dict(row)

    # Posts
    def post_create(self, *, account_id: str, network: str, text: str, link: str = "", media: str = "") -> Post:
        post_id = str(secrets.randbelow(9 * 10**17) + 10**17)
        if network == "facebook":
            post_id = f"{account_id}_{post_id}"
        with self.tx() as db:
            db.execute(
                "INSERT INTO posts (id, account_id, network, text, link, media, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (post_id, account_id, network, text, link, media, self.now()),
            )
        return self.post(post_id)

    def post(self, post_id: str) -> Post | None:
        row = self._one("SELECT * FROM posts WHERE id = ?", post_id)
        return Post(**{**dict(row), "deleted": bool(row["deleted"])}) if row else None

    def posts(self, account_id: str, *, include_deleted: bool = False) -> list[Post]:
        rows = self._all(
            "SELECT * FROM posts WHERE account_id = ? AND (deleted = 0 OR ?) ORDER BY created_at DESC, id DESC",
            account_id,
            int(include_deleted),
        )
        return [Post(**{**dict(row), "deleted": bool(row["deleted"])}) for row in rows]

    def post_duplicate(self, account_id: str, text: str, since: float, *, link: str = "") -> bool:
        """The same text (and, for a Page, the same link card) posted on the account lately."""
        return bool(
            self._one(
                "SELECT 1 FROM posts WHERE account_id = ? AND text = ? AND link = ? AND deleted = 0"
                " AND created_at >= ?",
                account_id,
                text,
                link,
                since,
            )
        )

    def counter_add(self, key: str, amount: int) -> int:
        with self.tx() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            value = (json.loads(row["value"]) if row else 0) + amount
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))
        return value

    def replies_factor(self, post_id: str) -> float:
        return float(self.setting(f"replies:{post_id}", 1.0))

    def post_delete(self, post_id: str) -> bool:
        with self.tx() as db:
            return db.execute("UPDATE posts SET deleted = 1 WHERE id = ? AND deleted = 0", (post_id,)).rowcount == 1

    def media_create(self, account_id: str, size: int) -> str:
        media_id = str(secrets.randbelow(9 * 10**17) + 10**17)
        with self.tx() as db:
            db.execute("INSERT INTO media VALUES (?, ?, ?, ?)", (media_id, account_id, size, self.now()))
        return media_id

    def media_exists(self, media_id: str, account_id: str) -> bool:
        return bool(self._one("SELECT 1 FROM media WHERE id = ? AND account_id = ?", media_id, account_id))

    # Fixed rate windows: (count after this call, window reset time), or None when over the limit.
    def window_hit(self, key: str, *, limit: int, seconds: float, cost: int = 1) -> tuple[int, float, bool]:
        now = self.now()
        with self.tx() as db:
            row = db.execute("SELECT started, count FROM windows WHERE key = ?", (key,)).fetchone()
            started, count = (row["started"], row["count"]) if row and row["started"] + seconds > now else (now, 0)
            allowed = count + cost <= limit
            if allowed:
                count += cost
            db.execute("INSERT OR REPLACE INTO windows VALUES (?, ?, ?)", (key, started, count))
        return count, started + seconds, allowed

    def reset(self) -> None:
        with self.tx() as db:
            for table in ("accounts", "tokens", "codes", "posts", "media", "windows", "settings", "comments"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
