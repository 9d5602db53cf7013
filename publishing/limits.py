"""Per-account pacing shared by every worker (through the cache: Redis in production), so a fan-out to
hundreds of embassies stays inside each network's limits instead of discovering them through 429s."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

# (posts, seconds) per account, kept under what the networks allow (X: 100 posts per 15 minutes per user).
BUDGETS = {"x": (90, 15 * 60), "facebook": (200, 60 * 60)}


def account_pause(account_id: int, *, until: datetime) -> None:
    seconds = (until - timezone.now()).total_seconds()
    if seconds > 0:
        cache.set(f"chancery:pause:{account_id}", until.timestamp(), timeout=int(seconds) + 1)


def account_slot(account_id: int, network: str) -> timedelta | None:
    """None when the account may post now; else how long to wait. Taking a slot counts it."""
    now = timezone.now()
    paused_until = cache.get(f"chancery:pause:{account_id}")
    if paused_until and paused_until > now.timestamp():
        return timedelta(seconds=paused_until - now.timestamp())
    limit, window = BUDGETS.get(network, (60, 60))
    start = int(now.timestamp()) // window * window
    key = f"chancery:rate:{account_id}:{start}"
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        used = 1
    if used > limit:
        return timedelta(seconds=start + window - now.timestamp() + 1)
    return None
