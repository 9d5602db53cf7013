"""One interface for every network, and the errors a caller can act on."""

import http.cookiejar
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import requests


class ChannelError(Exception):
    """A network call did not do what was asked. The message is safe to show: it never holds a token."""


class RateLimited(ChannelError):
    def __init__(self, message: str, *, until: datetime):
        super().__init__(message)
        self.until = until


class AuthExpired(ChannelError):
    """The token is expired, revoked or invalid: the account must be reconnected."""


class Rejected(ChannelError):
    """The network refused this post for good (too long, policy, permission); retrying cannot help."""

    def __init__(self, reason: str, *, code: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Duplicate(ChannelError):
    """The network says this text is already posted; find the existing post before doing anything else."""


class Transient(ChannelError):
    """A passing fault (5xx, a network hiccup before the request left); safe to retry later."""


class UnknownOutcome(ChannelError):
    """The request may have reached the network and the answer was lost: reconcile before retrying."""


class Gone(ChannelError):
    """The network no longer finds this post (deleted on the network, or never there)."""


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


@dataclass(frozen=True)
class RemotePost:
    external_id: str
    text: str
    created_at: datetime | None
    url: str = ""
    links: tuple[str, ...] = ()  # the links in the post as written (X shows them as t.co in the text)


@dataclass(frozen=True)
class RemoteComment:
    """A comment or reply under one of the account's posts, as the network gives it. `parent_id` is empty for one
    that answers the post itself; `hidden` is None where the network does not say."""

    external_id: str
    parent_id: str
    author_id: str
    author_name: str
    author_handle: str
    text: str
    language: str = ""
    created_at: datetime | None = None
    hidden: bool | None = None


@dataclass
class CommentsRead:
    """One read of many posts' conversations: each post's new comments (or the error that stopped it), the calls
    it took, the posts the network billed, and for X the newest id seen (the next read's `since_id`)."""

    results: dict[str, "list[RemoteComment] | ChannelError"] = field(default_factory=dict)
    calls: int = 0
    billed_reads: int = 0
    newest: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Metrics:
    """Reach figures for one post. None means the network did not give it, never zero; `unavailable` says why,
    by figure."""

    external_id: str
    views: int | None = None
    reach: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    clicks: int | None = None
    unavailable: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict, compare=False)


@dataclass
class MetricsRead:
    """One read of many posts' figures: each post's Metrics or the error that stopped it, the calls it took,
    and the metric names the network turned out to have retired."""

    results: dict[str, "Metrics | ChannelError"] = field(default_factory=dict)
    calls: int = 0
    retired: list[str] = field(default_factory=list)

    def merge(self, other: "MetricsRead") -> "MetricsRead":
        self.results.update(other.results)
        self.calls += other.calls
        self.retired.extend(name for name in other.retired if name not in self.retired)
        return self


def count_or_none(value) -> int | None:
    """A figure as the network gave it: a non-negative integer, or None (a malformed value is not a zero)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass(frozen=True)
class AccountCheck:
    external_id: str
    name: str
    valid: bool
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    handle: str = ""


@dataclass(frozen=True)
class Usage:
    """The rate-limit state the network last reported."""

    remaining: int | None = None
    limit: int | None = None
    reset_at: datetime | None = None
    percent_used: float | None = None


@dataclass(frozen=True)
class Image:
    content: bytes
    filename: str = "image.jpg"
    content_type: str = "image/jpeg"


class Channel(ABC):
    network: str = ""

    def __init__(self) -> None:
        self.usage = Usage()

    @abstractmethod
    def publish(
        self, *, text: str, link: str | None = None, image: Image | None = None, reply_to: str = ""
    ) -> Published:
        """Post `text` on the account, or, with `reply_to`, answer that comment or reply as the account."""

    @abstractmethod
    def find_reply(self, *, reply_to: str, text: str) -> RemotePost | None:
        """The account's own answer carrying `text` to `reply_to`, if the network has one (reconciliation)."""

    @abstractmethod
    def hide(self, external_id: str, *, hidden: bool) -> None:
        """Hide (or show again) someone's comment or reply under one of the account's posts."""

    @abstractmethod
    def delete(self, external_id: str) -> None: ...

    @abstractmethod
    def recent_posts(self, *, limit: int = 100) -> Iterator[RemotePost]: ...

    @abstractmethod
    def metrics(self, external_ids: Iterable[str]) -> dict[str, Metrics]:
        """The figures of this account's posts that the network gave; the others are unavailable."""

    @abstractmethod
    def check(self) -> AccountCheck: ...

    def find_by_marker(self, marker: str, *, limit: int = 100) -> RemotePost | None:
        """The account's recent post carrying `marker`, if the network has one."""
        return next(
            (
                post
                for post in self.recent_posts(limit=limit)
                if marker in post.text or any(marker in link for link in post.links)
            ),
            None,
        )


class ApiSession(requests.Session):
    """The HTTP session every channel uses: a default timeout, an optional host rewrite, and the last answer's
    headers kept so the channel can read the rate-limit state the network reported. It keeps no cookies."""

    def __init__(self, *, timeout: float, rewrite: dict[str, str] | None = None):
        super().__init__()
        self.timeout = timeout
        self.rewrite = rewrite or {}
        self.last_headers: dict[str, str] = {}
        self._environment: dict[tuple[str, str], dict] = {}
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        """The environment's proxies and CA bundle, read once per host: requests reads and decodes the whole of
        `os.environ` twice on every call otherwise, a good share of a post's CPU. A changed proxy setting takes a
        restart, as every other setting does."""
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        host = urlsplit(url)[:2]
        if host not in self._environment:
            self._environment[host] = super().merge_environment_settings(url, {}, None, None, None)
        settings = self._environment[host]
        return {**settings, "proxies": dict(settings["proxies"])}

    def request(self, method, url, *args, **kwargs):
        self.last_headers = {}  # a failed call must not leave the previous answer's usage behind
        for prefix, replacement in self.rewrite.items():
            if url.startswith(prefix):
                url = replacement + url[len(prefix) :]
                break
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = dict(response.headers)
        return response


_thread_sessions = threading.local()


def thread_session(*, timeout: float, rewrite: dict[str, str] | None = None) -> ApiSession:
    """The calling thread's session for these settings, made on its first call. A worker thread's posts reuse
    its connections (on the real networks, their TLS sessions too); a thread makes one call at a time, the
    session keeps no cookies and every call carries its own token, so accounts share nothing through it."""
    key = (timeout, tuple(sorted((rewrite or {}).items())))
    sessions = _thread_sessions.__dict__.setdefault("by_settings", {})
    if key not in sessions:
        sessions[key] = ApiSession(timeout=timeout, rewrite=rewrite)
    return sessions[key]


def request_may_have_left(error: requests.RequestException) -> bool:
    """Whether a transport failure happened after the request could have reached the network.

    A refused or timed-out connection never carried the request; a read timeout or a dropped
    connection after sending may have, and then the outcome is unknown.
    """
    if isinstance(error, requests.ConnectTimeout):
        return False
    if isinstance(error, requests.ConnectionError):
        text = repr(error)
        return not any(s in text for s in ("NewConnectionError", "Failed to establish", "NameResolutionError"))
    return True


def transport_error(error: requests.RequestException, *, writing: bool, network: str) -> ChannelError:
    kind = type(error).__name__
    if writing and request_may_have_left(error):
        return UnknownOutcome(f"{network}: the connection failed after the request was sent ({kind})")
    return Transient(f"{network}: the request could not be completed ({kind})")
