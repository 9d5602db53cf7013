"""A deterministic simulated audience: a post's reach grows over hours, shaped by followers and local time."""

import hashlib
import math
from datetime import UTC, datetime

from .store import Account, Post

HALF_LIFE_HOURS = 6.0


def _appeal(post_id: str) -> float:
    """Each post's own pull, 0.6–1.4, fixed by its id so every read gives the same curve."""
    digest = int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16)
    return 0.6 + (digest % 1000) / 1000 * 0.8


def _timing(post: Post, account: Account) -> float:
    local_hour = (datetime.fromtimestamp(post.created_at, UTC).hour + account.utc_offset_hours) % 24
    return 1.0 if 8 <= local_hour < 21 else 0.45


def figures(post: Post, account: Account, now: float, *, replies_factor: float = 1.0) -> dict[str, int]:
    """The post's figures at `now`; `replies_factor` makes it draw that many times its usual replies (a post
    that starts an argument)."""
    age_hours = max(0.0, (now - post.created_at) / 3600)
    appeal = _appeal(post.id)
    grown = 1 - math.exp(-age_hours / HALF_LIFE_HOURS)
    views = int(account.followers * 0.35 * appeal * _timing(post, account) * grown)
    likes = int(views * 0.031 * appeal)
    return {
        "views": views,
        "reach": int(views * 0.72),
        "likes": likes,
        "loves": int(likes * 0.25),
        "wows": int(likes * 0.08),
        "shares": int(views * 0.004 * appeal),
        "comments": int(views * 0.006 * replies_factor),
        "clicks": int(views * 0.012 * appeal),
        "profile_clicks": int(views * 0.002),
        "bookmarks": int(likes * 0.2),
        "quotes": int(views * 0.001),
    }
