"""Reach over real PostgreSQL, Redis, a worker process and the sandbox process: after a fan-out, collection passes
at simulated ages store what the networks say, in the fewest calls the server counts."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from publishing import approval
from publishing.models import MetricSnapshot, Post, RetiredMetric
from publishing.tasks import metrics_collect_task

from .conftest import wait_until
from .test_fanout import all_settled, build, tick

pytestmark = pytest.mark.django_db(transaction=True)
EMBASSIES = 12


def age_by(sandbox, hours: float) -> None:
    """Let `hours` pass for the published posts: the sandbox's clock moves on, and the posts' publishing time and
    next collection move back by as much (the worker's clock is the real one)."""
    sandbox.advance(hours * 3600)
    Post.objects.filter(state=Post.State.PUBLISHED).update(
        published_at=F("published_at") - timedelta(hours=hours),
        metrics_due_at=F("metrics_due_at") - timedelta(hours=hours),
    )


@pytest.fixture
def frozen(sandbox_server):
    """The sandbox's clock stands still (but for `age_by`), so the figures the worker read and those this test reads
    afterwards are the same moment's."""
    sandbox_server.freeze()
    yield sandbox_server
    sandbox_server.freeze(False)


def collected(count: int):
    return lambda: MetricSnapshot.objects.count() >= count


def test_passes_at_simulated_ages_store_what_the_networks_say_in_the_fewest_calls(worker, sandbox_server, frozen):
    build(sandbox_server, count=EMBASSIES)
    approval.posts_approve(posts=Post.objects.all(), user=None)
    wait_until(all_settled(), timeout=120, interval=1, tick=tick, message="every post to be published")
    posts = Post.objects.count()
    assert posts == 2 * EMBASSIES

    sandbox_server.calls_reset()
    age_by(sandbox_server, 1)
    metrics_collect_task.delay()
    wait_until(collected(posts), timeout=60, message="the first pass")
    calls = sandbox_server.calls()
    # Every Page's post in one Graph batch; one X lookup per account, with its own token.
    assert (calls["graph POST batch"], calls["graph"]) == (1, 1)
    assert (calls["x GET 2/tweets"], calls["x"]) == (EMBASSIES, EMBASSIES)
    for post in Post.objects.select_related("latest_snapshot", "account"):
        snapshot = post.latest_snapshot
        assert {name: getattr(snapshot, name) for name in MetricSnapshot.FIGURES} == sandbox_server.says(post)
        assert snapshot.step == 0 and snapshot.views > 0
        assert post.metrics_due_at == post.published_at + timedelta(hours=3)

    # A day later (the X tokens have expired on the network's clock: the worker refreshes them), with the Graph
    # refusing a metric: the others still arrive in the same pass.
    sandbox_server.retire("post_clicks")
    age_by(sandbox_server, 23)
    metrics_collect_task.delay()
    wait_until(collected(2 * posts), timeout=60, message="the second pass")
    assert list(RetiredMetric.objects.values_list("name", flat=True)) == ["post_clicks"]
    for post in Post.objects.select_related("latest_snapshot", "account"):
        snapshot = post.latest_snapshot
        expected = sandbox_server.says(post) if post.network == "x" else None
        if post.network == "facebook":
            assert snapshot.clicks is None and "retired" in snapshot.unavailable["clicks"]
            assert snapshot.views is not None and snapshot.reach is not None
        else:
            assert {name: getattr(snapshot, name) for name in MetricSnapshot.FIGURES} == expected
        assert snapshot.step == 4  # three hours was due; a day old now, it stands for the 24-hour age
        assert snapshot.views >= MetricSnapshot.objects.filter(post=post).order_by("collected_at").first().views
    assert MetricSnapshot.objects.filter(collected_at__gt=timezone.now()).count() == 0
