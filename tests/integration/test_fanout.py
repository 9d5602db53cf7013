"""One story to 50 embassies × 2 networks over real PostgreSQL, Redis, a worker process and the sandbox
process: exactly once, in the right language, through faults, worker crashes and a crisis hold."""

import time
from urllib.parse import urlsplit

import pytest

from embassies.models import SocialAccount
from publishing import approval, delivery, holds
from publishing.models import Hold, Post, PostAttempt
from publishing.tasks import posts_dispatch_task, posts_sweep_task
from tests.factories import embassy_make, portal_tree_build

from .conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
State = Post.State
LANGUAGES = [["fr", "en"], ["ar"], ["es", "en"], ["en"], ["de", "fr"]]
EXPECTED = {"fr": "fr", "ar": "ar", "es": "es", "en": "en", "de": "fr"}  # de has no translation: next language


def build(sandbox, count: int = 50):
    tree = portal_tree_build(languages=("en", "fr", "ar", "es"))
    for n in range(count):
        embassy = embassy_make(f"embassy-{n}", "SE", f"City {n}", "Europe/Stockholm")
        embassy.posting_languages = LANGUAGES[n % len(LANGUAGES)]
        embassy.region = "middle-east" if n % 5 == 1 else "europe"
        embassy.save()
        for network in ("facebook", "x"):
            sandbox.connect(embassy, network, username=f"emb{n}", name=f"Embassy {n} {network}")
    story = tree.story_add(
        slug="fanout",
        texts={
            "en": ("Ocean conference commitments", "New funding for marine protected areas."),
            "fr": ("Engagements de la conférence des océans", "Nouveaux financements pour les aires marines."),
            "ar": ("التزامات مؤتمر المحيطات", "تمويل جديد للمناطق البحرية المحمية."),
            "es": ("Compromisos de la conferencia de los océanos", "Nueva financiación para áreas marinas."),
        },
        hashtags="OceanAction",
    )["en"]
    return story


def tick() -> None:
    """What beat does every few seconds: dispatch due posts and sweep stuck ones, in the worker."""
    posts_dispatch_task.delay()
    posts_sweep_task.delay()


def all_settled(states=(State.PUBLISHED,)):
    return lambda: not Post.objects.exclude(state__in=states).exists()


def assert_exactly_once(sandbox) -> None:
    posts = list(Post.objects.select_related("account"))
    for post in posts:
        remote = [r for r in sandbox.posts(post.account.external_id) if not r["deleted"]]
        assert len(remote) == 1, f"{post.account.external_id} holds {len(remote)} posts for post {post.pk}"
        assert remote[0]["id"] == post.external_id
        assert post.marker in (remote[0]["text"] if post.network == "x" else remote[0]["link"])


def test_one_story_reaches_100_accounts_exactly_once_in_the_right_language(worker, sandbox_server):
    story = build(sandbox_server)
    assert Post.objects.filter(distribution__story=story).count() == 100
    approval.posts_approve(posts=Post.objects.all(), user=None)
    wait_until(all_settled(), timeout=120, interval=1, tick=tick, message="every post to be published")
    assert_exactly_once(sandbox_server)
    for post in Post.objects.select_related("embassy"):
        expected = EXPECTED[post.embassy.posting_languages[0]]
        assert post.language == expected, post.embassy.posting_languages
        assert urlsplit(post.link).path == f"/{expected}/stories/fanout/"
        assert post.fallback is False  # every embassy has a language with a live translation


def test_posts_approved_to_go_now_leave_without_waiting_for_beat(worker, sandbox_server):
    build(sandbox_server, count=5)
    approval.posts_approve(posts=Post.objects.all(), user=None)
    # No tick: nothing here stands in for beat, so only the approval's own dispatch request can send them.
    wait_until(all_settled(), timeout=20, interval=0.2, message="the approved posts to go without beat")
    assert_exactly_once(sandbox_server)


def test_faults_and_two_worker_crashes_leave_exactly_one_post_each(worker, sandbox_server):
    story = build(sandbox_server)
    x_accounts = list(SocialAccount.objects.filter(network="x").values_list("external_id", flat=True)[:6])
    sandbox_server.faults(rates={"transient": 0.2, "commit_then_drop": 0.05})
    for external_id in x_accounts:
        sandbox_server.faults(
            external_id, rates={"transient": 0.2, "commit_then_drop": 0.05}, burst_429=2, retry_after_seconds=2
        )
    approval.posts_approve(posts=Post.objects.filter(distribution__story=story), user=None)

    for crash_after in (25, 60):
        wait_until(
            lambda n=crash_after: Post.objects.filter(state=State.PUBLISHED).count() >= n,
            timeout=120,
            interval=0.5,
            tick=tick,
            message=f"{crash_after} posts before a crash",
        )
        worker.kill()
        time.sleep(1)
        worker.start()

    wait_until(all_settled(), timeout=240, interval=1, tick=tick, message="every post to be published after crashes")
    sandbox_server.faults()
    assert_exactly_once(sandbox_server)
    attempts = PostAttempt.objects.all()
    assert attempts.count() >= 100
    assert not attempts.filter(outcome=PostAttempt.Outcome.STARTED).exists()
    assert attempts.filter(outcome=PostAttempt.Outcome.TRANSIENT).exists()
    for post in Post.objects.all():
        assert post.attempt_log.count() == post.attempts, post.pk
        assert post.attempt_log.order_by("-number").first().outcome in {
            PostAttempt.Outcome.PUBLISHED,
            PostAttempt.Outcome.UNKNOWN,
            PostAttempt.Outcome.DUPLICATE,
        }


def test_a_hold_stops_every_queued_post_and_release_sends_them(worker, sandbox_server):
    build(sandbox_server, count=10)
    worker.stop()  # the posts wait in the queue, as they would behind a busy worker
    approval.posts_approve(posts=Post.objects.all(), user=None)
    queued = delivery.posts_dispatch()
    assert len(queued) == 20 and Post.objects.filter(state=State.QUEUED).count() == 20
    hold = holds.hold_set(scope=Hold.Scope.ALL, reason="#NoHarm: the situation is developing")
    worker.start()
    wait_until(all_settled((State.HELD,)), timeout=60, interval=0.5, tick=tick, message="every post to be held")
    time.sleep(2)
    for post in Post.objects.select_related("account"):
        assert sandbox_server.posts(post.account.external_id) == []
    holds.hold_release(hold=hold)
    wait_until(all_settled(), timeout=60, interval=0.5, tick=tick, message="released posts to be published")
    assert_exactly_once(sandbox_server)
