"""The demo's distributions in the states a real day leaves them: one story's posts published on the sandbox (dated
back to the story), a hold in force over one embassy, a story that concerns France waiting for Paris's head of
mission, and the rest proposed in the embassies' queues. Run once; a second run changes nothing."""

from datetime import timedelta

from django.utils import timezone

from embassies.models import Embassy

from . import services
from .models import Distribution, Hold, Post

State = Post.State
HELD_EMBASSY_COUNTRY = "JP"


def demo_distributions_load() -> dict[str, int]:
    if Post.objects.filter(state=State.PUBLISHED).exists() or Hold.objects.exists():
        return {}  # loaded before
    distributions = list(Distribution.objects.select_related("story").order_by("story__first_published_at"))
    if len(distributions) < 2:
        return {}
    oldest, recent = distributions[0], distributions[-1]
    services.posts_approve(posts=oldest.posts.all(), user=None)
    now = timezone.now()
    for post_id, _network in services.posts_dispatch(now=now, batch=1000):
        services.post_publish(post_id=post_id)
    published_at = oldest.story.first_published_at + timedelta(hours=1)
    oldest.posts.filter(state=State.PUBLISHED).update(published_at=published_at)
    tokyo = Embassy.objects.filter(country_id=HELD_EMBASSY_COUNTRY).first()
    if tokyo:
        services.hold_set(scope=Hold.Scope.EMBASSY, embassy=tokyo, reason="Typhoon warning: local posting paused.")
        services.posts_approve(posts=recent.posts.filter(embassy=tokyo), user=None)
        services.posts_hold_apply()
    counts = dict.fromkeys(State.values, 0)
    for state in Post.objects.values_list("state", flat=True):
        counts[state] += 1
    return counts
