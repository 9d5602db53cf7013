"""Per-account pacing without Redis (the development fallback); tests/integration/test_pacing_redis.py runs
the same rules against Redis shared by threads."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from publishing import limits

NOW = 1_800_000_000.0  # a fixed instant, so no test straddles a window boundary


@pytest.fixture
def clock(monkeypatch, settings):
    settings.REDIS_URL = ""
    cache.clear()
    now = [NOW]
    monkeypatch.setattr(limits.time, "time", lambda: now[0])
    return now


def test_an_account_gets_its_budget_and_then_waits_for_the_next_window(clock):
    limit, window = limits.BUDGETS["x"]
    assert all(limits.account_slot(1, "x") is None for _ in range(limit))
    wait = limits.account_slot(1, "x")
    window_end = (int(NOW) // window + 1) * window
    assert wait == timedelta(seconds=window_end - NOW + 1)
    assert limits.account_slot(2, "x") is None  # another account has its own budget
    clock[0] = window_end
    assert limits.account_slot(1, "x") is None


def test_a_refused_slot_is_not_counted(clock):
    limit, _window = limits.BUDGETS["facebook"]
    for _ in range(limit):
        limits.account_slot(7, "facebook")
    for _ in range(5):
        assert limits.account_slot(7, "facebook") is not None
    assert cache.get(limits._keys(7, "facebook", NOW)[1]) == limit


def test_a_pause_stops_the_account_until_its_reset(clock):
    until = datetime.fromtimestamp(NOW + 120, UTC)
    limits.account_pause(3, until=until)
    assert limits.account_slot(3, "x") == timedelta(seconds=120)
    assert limits.account_slot(4, "x") is None
    clock[0] = NOW + 121
    assert limits.account_slot(3, "x") is None
