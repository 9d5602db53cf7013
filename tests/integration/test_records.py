"""What Chancery records of a post is what the network holds, over real PostgreSQL, Redis, a worker process and the
sandbox process: answers lost, lookups failing, and the settle time that follows."""

import time

import pytest

from publishing import approval
from publishing.models import Post, PostAttempt

from .conftest import wait_until
from .test_fanout import all_settled, assert_exactly_once, build, tick

pytestmark = pytest.mark.django_db(transaction=True)
State = Post.State
BEAT = 5  # seconds between beat's dispatcher ticks in production


def test_every_answer_lost_with_facebook_texts_carrying_no_link_still_publishes_each_post_once(worker, sandbox_server):
    build(sandbox_server, count=15)
    facebook = Post.objects.filter(network="facebook")
    assert facebook.exists() and not any(post.marker in post.text for post in facebook)
    sandbox_server.faults(rates={"commit_then_drop": 1.0})  # every post is made, every answer lost
    approval.posts_approve(posts=Post.objects.all(), user=None)
    wait_until(all_settled(), timeout=90, interval=1, tick=tick, message="every post to be found and recorded")
    sandbox_server.faults()
    assert_exactly_once(sandbox_server)
    for post in Post.objects.all():
        assert [a.outcome for a in post.attempt_log.all()] == [PostAttempt.Outcome.UNKNOWN], post.pk


def test_with_ten_percent_errors_and_lost_answers_every_post_settles_within_two_minutes(worker, sandbox_server):
    build(sandbox_server, count=50)
    sandbox_server.faults(rates={"transient": 0.1, "commit_then_drop": 0.1})
    started = time.monotonic()
    approval.posts_approve(posts=Post.objects.all(), user=None)
    # Ticks at beat's own pace: the retries and lookups come from the database's schedule, not from a fast test.
    wait_until(all_settled(), timeout=120, interval=BEAT, tick=tick, message="every post to settle within 120 s")
    settled_in = time.monotonic() - started
    sandbox_server.faults()
    assert_exactly_once(sandbox_server)
    assert PostAttempt.objects.filter(outcome=PostAttempt.Outcome.UNKNOWN).exists()
    print(f"100 posts settled in {settled_in:.1f} s with 10 % errors and 10 % lost answers")
