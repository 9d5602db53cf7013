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
from django.utils import timezone as django_timezone
from redis.commands.core import Script

# (posts, seconds) per account, kept under what the networks allow (X: 100 posts per 15 minutes per user).
BUDGETS = {"x": (90, 15 * 60), "facebook": (200, 60 * 60)}
PREFIX = "chancery:pacing"

# Atomic in Redis, one round trip: a paused account takes no slot, and a refused slot is not counted.
_TAKE_SLOT = """
local paused_until = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused_until > tonumber(ARGV[1]) then return {'paused', tostring(paused_until)} end
local used = redis.call('INCR', KEYS[2])
redis.call('EXPIREAT', KEYS[2], ARGV[3])
if used > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[2])
  return {'full', tostring(used)}
end
return {'ok', tostring(used)}
"""

_clients: dict[str, tuple[redis.Redis, Script]] = {}
_clients_lock = threading.Lock()


def _redis() -> tuple[redis.Redis, Script] | None:
    """The shared Redis client and its slot-taking script, or None where there is no Redis."""
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        with _clients_lock:
            if url not in _clients:
                client = redis.Redis.from_url(url)
                _clients[url] = (client, client.register_script(_TAKE_SLOT))
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
    if found := _redis():
        client, _ = found
        client.set(key, until.timestamp(), px=int(seconds * 1000) + 1000)
    else:
        cache.set(key, until.timestamp(), timeout=int(seconds) + 1)


def account_slot(account_id: int, network: str) -> timedelta | None:
    """None when the account may post now, and the post is counted; else how long to wait, and nothing is."""
    now = time.time()
    pause_key, count_key, limit, window_end = _keys(account_id, network, now)
    if found := _redis():
        _, take_slot = found
        answer, value = take_slot(keys=[pause_key, count_key], args=[now, limit, window_end + 5])
        paused_until = float(value) if answer == b"paused" else 0.0
        used = limit + 1 if answer == b"full" else 0
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


def usage_wait(account) -> timedelta | None:
    """How long the network's own usage report (kept on the account) asks the account to wait: until the reset at
    100 %, a little from 90 %; None below. Posting and metric reads both honour it."""
    usage = account.rate_limit or {}
    percent = usage.get("percent_used")
    if percent is None or percent < 90:
        return None
    reset_at = datetime.fromisoformat(usage["reset_at"]) if usage.get("reset_at") else None
    if percent >= 100:
        return (
            (reset_at - django_timezone.now())
            if reset_at and reset_at > django_timezone.now()
            else timedelta(minutes=5)
        )
    return timedelta(seconds=10 * (percent - 89))
