"""The demo's distributions in the states a real day leaves them, with weeks of reach behind them: the oldest
stories' posts published on the sandbox on the day each story went out (the sandbox's clock is set back for it),
their figures collected at every age since, one post drawing unusual replies; a hold in force over one embassy; a
story that concerns France waiting for Paris's head of mission; the rest proposed in the embassies' queues. Run
once; a second run changes nothing."""

from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone

from embassies.models import Embassy

from . import approval, delivery, holds
from .models import Distribution, Hold, Post
from .reach.collect import first_due, metrics_collect, schedule

State = Post.State
HELD_EMBASSY_COUNTRY = "JP"
STORIES_WITH_HISTORY = 4
STIRRED_EMBASSY_COUNTRY = "KE"  # its X post of the newest published story draws unusual replies


def sandbox_clock_set(url: str, at: datetime) -> None:
    """Set the sandbox's clock to `at` (its API takes a step from where it is)."""
    current = requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": 0}, timeout=10).json()
    step = (at - timezone.now()).total_seconds() - float(current["offset_seconds"])
    requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": step}, timeout=10).raise_for_status()


def publish_on(distribution: Distribution, at: datetime, url: str) -> None:
    """Publish the distribution's posts as they would have gone out at `at`."""
    sandbox_clock_set(url, at)
    approval.posts_approve(posts=distribution.posts.filter(sensitive=False), user=None)
    for post_id, _network in delivery.posts_dispatch(now=timezone.now(), batch=1000):
        delivery.post_publish(post_id=post_id)
    for network in ("facebook", "x"):
        distribution.posts.filter(state=State.PUBLISHED, network=network).update(
            published_at=at, metrics_due_at=first_due(network, at)
        )


def _history_collect(published: list[Distribution], url: str, stirred: Post | None) -> None:
    """Every collection the schedule would have made since, each at its own time on the sandbox's clock."""
    now = timezone.now()
    published_at = [
        distribution.posts.filter(state=State.PUBLISHED).values_list("published_at", flat=True).first()
        for distribution in published
    ]
    times = sorted({at + due for at in published_at if at is not None for due in schedule("facebook")})
    for at in (moment + timedelta(seconds=30) for moment in times if moment + timedelta(seconds=30) < now):
        if stirred is not None and at >= stirred.published_at + timedelta(hours=3):
            requests.post(f"{url}/_sandbox/posts/{stirred.external_id}/replies", json={"factor": 25}, timeout=10)
            stirred = None
        sandbox_clock_set(url, at)
        metrics_collect(now=at)


def demo_distributions_load(sandbox_url: str | None = None) -> dict[str, int]:
    if Post.objects.filter(state=State.PUBLISHED).exists() or Hold.objects.exists():
        return {}  # loaded before
    url = (sandbox_url or settings.SANDBOX_URL).rstrip("/")
    distributions = list(Distribution.objects.select_related("story").order_by("story__first_published_at"))
    if len(distributions) < 2:
        return {}
    history, recent = distributions[:STORIES_WITH_HISTORY], distributions[-1]
    try:
        for distribution in history:
            publish_on(distribution, distribution.story.first_published_at + timedelta(hours=1), url)
        newest = history[-1]
        stirred = newest.posts.filter(
            state=State.PUBLISHED, network="x", embassy__country_id=STIRRED_EMBASSY_COUNTRY
        ).first()
        _history_collect(history, url, stirred)
    finally:
        sandbox_clock_set(url, timezone.now())
    tokyo = Embassy.objects.filter(country_id=HELD_EMBASSY_COUNTRY).first()
    if tokyo:
        holds.hold_set(scope=Hold.Scope.EMBASSY, embassy=tokyo, reason="Typhoon warning: local posting paused.")
        approval.posts_approve(posts=recent.posts.filter(embassy=tokyo), user=None)
        holds.posts_hold_apply()
    counts = dict.fromkeys(State.values, 0)
    for state in Post.objects.values_list("state", flat=True):
        counts[state] += 1
    return counts
