"""Per-account pacing shared by every worker, so a fan-out to hundreds of embassies stays inside each network's
limits instead of discovering them through 429s.

With Redis (`REDIS_URL`, the broker's by default) every worker process counts in the same place, and taking a
slot is one round trip. Without it (a development machine on the filesystem broker) the counts live in the
process's cache, which is right for the single worker `make run` starts.
"""

import threading
import time
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache

# (posts, seconds) per account, kept under what the networks allow (X: 100 posts per 15 minutes per user).
BUDGETS = {"x": (90, 15 * 60), "facebook": (200, 60 * 60)}
PREFIX = "chancery:pacing"

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _redis() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        with _clients_lock:
            _clients.setdefault(url, redis.Redis.from_url(url))
    return _clients[url]


def _keys(account_id: int, network: str, now: float) -> tuple[str, str, int, int]:
    limit, window = BUDGETS.get(network, (60, 60))
    start = int(now) // window * window
    return f"{PREFIX}:pause:{account_id}", f"{PREFIX}:count:{account_id}:{start}", limit, start + window


def account_pause(account_id: int, *, until: datetime) -> None:
    """Nothing leaves this account before `until` (the reset a 429 announced)."""
    seconds = until.timestamp() - time.time()
    if seconds <= 0:
        return
    key = f"{PREFIX}:pause:{account_id}"
    if client := _redis():
        client.set(key, until.timestamp(), px=int(seconds * 1000) + 1000)
    else:
        cache.set(key, until.timestamp(), timeout=int(seconds) + 1)


def account_slot(account_id: int, network: str) -> timedelta | None:
    """None when the account may post now, and the post is counted; else how long to wait, and nothing is."""
    now = time.time()
    pause_key, count_key, limit, window_end = _keys(account_id, network, now)
    if client := _redis():
        pipe = client.pipeline(transaction=False)
        pipe.get(pause_key)
        pipe.incr(count_key)
        pipe.expireat(count_key, window_end + 5)
        paused_until, used, _ = pipe.execute()
        paused_until = float(paused_until or 0)
        if paused_until > now or used > limit:
            client.decr(count_key)
    else:
        paused_until = float(cache.get(pause_key) or 0)
        used = 0
        if paused_until <= now:
            cache.add(count_key, 0, timeout=int(window_end - now) + 5)
            used = cache.incr(count_key)
            if used > limit:
                cache.decr(count_key)
    if paused_until > now:
        return timedelta(seconds=paused_until - now)
    if used > limit:
        return timedelta(seconds=window_end - now + 1)
    return None
