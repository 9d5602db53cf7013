"""Per-account pacing over Redis: every worker thread and process counts in the same place."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from publishing import limits

NOW = 1_800_000_000.0


@pytest.fixture
def redis_clock(monkeypatch):
    assert settings.REDIS_URL.startswith("redis://")
    client, _take_slot = limits._redis()
    for key in client.scan_iter(f"{limits.PREFIX}:*"):
        client.delete(key)
    now = [NOW]
    monkeypatch.setattr(limits.time, "time", lambda: now[0])
    return client, now


def test_concurrent_workers_never_exceed_an_account_budget(redis_clock):
    client, _now = redis_clock
    limit, _window = limits.BUDGETS["x"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: limits.account_slot(11, "x"), range(limit + 60)))
    assert sum(answer is None for answer in answers) == limit
    _pause, count_key, _limit, window_end = limits._keys(11, "x", NOW)
    assert int(client.get(count_key)) == limit
    assert client.expiretime(count_key) == window_end + 5  # the count goes with its window


def test_a_pause_set_by_one_worker_stops_the_others(redis_clock):
    client, now = redis_clock
    limits.account_pause(12, until=datetime.fromtimestamp(NOW + 30, UTC))
    assert limits.account_slot(12, "facebook") == timedelta(seconds=30)
    assert client.get(limits._keys(12, "facebook", NOW)[1]) in (None, b"0")
    now[0] = NOW + 31
    assert limits.account_slot(12, "facebook") is None
