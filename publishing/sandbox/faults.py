"""Fault knobs, global or per account: latency, error rates by kind, 429 bursts and "commit then drop"."""

import json
import os
import random
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("transient", "rate_limit", "auth", "reject", "malformed", "commit_then_drop")


@dataclass
class FaultPlan:
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)  # kind → probability per API call
    burst_429: int = 0  # the next N API calls answer 429
    retry_after_seconds: float = 60.0  # the reset a forced 429 announces

    @classmethod
    def parse(cls, data: dict) -> "FaultPlan":
        rates = {str(k): float(v) for k, v in (data.get("rates") or {}).items()}
        unknown = set(rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}; known: {list(KINDS)}")
        if any(not 0 <= v <= 1 for v in rates.values()):
            raise ValueError("fault rates are probabilities between 0 and 1")
        return cls(
            latency_ms=float(data.get("latency_ms", 0)),
            latency_jitter_ms=float(data.get("latency_jitter_ms", 0)),
            rates=rates,
            burst_429=int(data.get("burst_429", 0)),
            retry_after_seconds=float(data.get("retry_after_seconds", 60)),
        )

    def as_dict(self) -> dict:
        return asdict(self)


class Faults:
    """Decides, per API call, whether and how it fails; seeded so a run can be repeated."""

    def __init__(self, store, seed: int | None = None):
        self.store = store
        self._random = random.Random(seed if seed is not None else int(os.environ.get("SANDBOX_SEED", "7")))
        self._lock = threading.Lock()
        if env := os.environ.get("SANDBOX_FAULTS"):
            self.set("*", FaultPlan.parse(json.loads(env)))

    def plan(self, scope: str) -> FaultPlan:
        data = self.store.setting(f"faults:{scope}")
        return FaultPlan.parse(data) if data else FaultPlan()

    def set(self, scope: str, plan: FaultPlan) -> None:
        self.store.setting_set(f"faults:{scope}", plan.as_dict())

    def clear(self) -> None:
        with self.store.tx() as db:
            db.execute("DELETE FROM settings WHERE key LIKE 'faults:%'")

    def all(self) -> dict[str, dict]:
        with self.store.tx() as db:
            rows = db.execute("SELECT key, value FROM settings WHERE key LIKE 'faults:%'").fetchall()
        return {row["key"].split(":", 1)[1]: json.loads(row["value"]) for row in rows}

    def latency(self, account_id: str | None) -> float:
        plan = self._effective(account_id)
        with self._lock:
            jitter = self._random.uniform(-plan.latency_jitter_ms, plan.latency_jitter_ms)
        return max(0.0, plan.latency_ms + jitter) / 1000

    def draw(self, account_id: str | None, *, writing: bool) -> str | None:
        """The fault this call suffers, if any; a 429 burst is spent one call at a time."""
        for scope in ([account_id] if account_id else []) + ["*"]:
            plan = self.plan(scope)
            if plan.burst_429 > 0:
                plan.burst_429 -= 1
                self.set(scope, plan)
                return "rate_limit"
        plan = self._effective(account_id)
        with self._lock:
            roll = self._random.random()
        threshold = 0.0
        for kind in KINDS:
            if kind == "commit_then_drop" and not writing:
                continue
            threshold += plan.rates.get(kind, 0.0)
            if roll < threshold:
                return kind
        return None

    def retry_after(self, account_id: str | None) -> float:
        return self._effective(account_id).retry_after_seconds

    def _effective(self, account_id: str | None) -> FaultPlan:
        if account_id and (own := self.store.setting(f"faults:{account_id}")):
            return FaultPlan.parse(own)
        return self.plan("*")
