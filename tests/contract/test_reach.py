"""The collector against the sandbox in one process: snapshots equal to what the networks say, in the fewest calls,
through a retired metric, X's 30-day limit, deleted posts, and #NoHarm's unusual replies."""

from datetime import timedelta

import requests
from django.core import mail
from django.utils import timezone

from embassies.models import EmbassyMembership, SocialAccount
from publishing import approval, delivery
from publishing.models import MetricSnapshot, Post, ReplyAlert, RetiredMetric
from publishing.reach import collect
from publishing.reach.collect import metrics_collect
from tests.factories import UserFactory

State = Post.State
HOUR = timedelta(hours=1)


def publish(tree, slug: str = "reach") -> list[Post]:
    story = tree.story_add(slug=slug, texts={"en": (f"Story {slug}", "A standfirst for the reach tests.")})["en"]
    posts = Post.objects.filter(distribution__story=story)
    approval.posts_approve(posts=posts, user=None)
    for post_id, _network in delivery.posts_dispatch():
        delivery.post_publish(post_id=post_id)
    assert set(posts.values_list("state", flat=True)) == {State.PUBLISHED}
    return list(posts.select_related("account"))


def figures(snapshot: MetricSnapshot) -> dict:
    return {name: getattr(snapshot, name) for name in MetricSnapshot.FIGURES}


def test_a_pass_stores_what_the_networks_say_in_the_fewest_calls(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    published_at = min(p.published_at for p in posts)
    assert all(p.metrics_due_at == p.published_at + HOUR for p in posts)
    assert metrics_collect().posts == 0  # nothing is due before the first hour

    sandbox.advance(3600)
    sandbox.calls_reset()
    report = metrics_collect(now=published_at + HOUR + timedelta(seconds=5))
    assert report.posts == 6 and report.failed == 0
    assert sandbox.calls() == {"graph": 1, "graph POST batch": 1, "x": 3, "x GET 2/tweets": 3}  # as the server counts
    # Three Pages in one batch; X one lookup per account (each with its own token): the minimum.
    assert report.calls == {"facebook": 1, "x": 3} == report.minimum_calls
    for post in Post.objects.filter(pk__in=[p.pk for p in posts]).select_related("account", "latest_snapshot"):
        snapshot = post.latest_snapshot
        assert figures(snapshot) == sandbox.says(post)
        assert snapshot.views > 0 and snapshot.step == 0 and snapshot.age_seconds >= 3600
        assert snapshot.names_version
        assert post.metrics_due_at == post.published_at + 3 * HOUR  # the next age of the schedule
    x_snapshot = MetricSnapshot.objects.filter(post__network="x").first()
    assert x_snapshot.reach is None and "reach" in x_snapshot.unavailable  # X gives impressions, not reach
    assert metrics_collect(now=published_at + 2 * HOUR).posts == 0  # not due again yet


def test_the_schedule_reads_a_post_eight_times_then_never(world, sandbox, settings):
    tree, _ = world
    post = publish(tree)[0]
    reads = 0
    now = post.published_at
    while (due := Post.objects.get(pk=post.pk).metrics_due_at) is not None:
        now = due + timedelta(seconds=1)
        sandbox.advance((now - timezone.now()).total_seconds() - float(sandbox_offset(sandbox)))
        reads += metrics_collect(now=now, story=post.distribution.story).posts and 1
    assert reads == collect.reads_in_life(post.network) == 8
    steps = list(MetricSnapshot.objects.filter(post=post).values_list("step", flat=True))
    assert steps == list(range(8))
    views = list(MetricSnapshot.objects.filter(post=post).values_list("views", flat=True))
    assert views == sorted(views) and views[-1] > views[0]  # reach grows with age


def sandbox_offset(sandbox) -> float:
    return requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 0}, timeout=5).json()[
        "offset_seconds"
    ]


def test_a_retired_metric_costs_only_itself_and_operators_are_told(world, sandbox, caplog):
    tree, _ = world
    posts = publish(tree)
    sandbox.retire("post_clicks")
    sandbox.advance(3600)
    now = max(p.published_at for p in posts) + HOUR
    report = metrics_collect(now=now)
    assert report.posts == 6 and report.unavailable["facebook"] == ["post_clicks"]
    assert "post_clicks" in report.line()
    # the batch, one probe asking each name alone, the refused posts again without the retired name
    assert report.calls["facebook"] == 3
    for snapshot in MetricSnapshot.objects.filter(post__network="facebook"):
        assert snapshot.clicks is None and "retired" in snapshot.unavailable["clicks"]
        assert snapshot.views is not None and snapshot.reach is not None and snapshot.reactions is not None
    assert list(RetiredMetric.objects.values_list("network", "name")) == [("facebook", "post_clicks")]
    assert "post_clicks" in caplog.text
    # Known from now on: the next pass asks without it, in one call.
    later = metrics_collect(now=now, every=True)
    assert later.calls["facebook"] == 1 and later.posts == 6


def test_x_after_30_days_gives_public_views_and_no_clicks(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    sandbox.advance(31 * 86400)  # the two-hour X tokens have expired too: the collector refreshes them
    now = max(p.published_at for p in posts) + timedelta(days=31)
    report = metrics_collect(now=now)
    assert report.posts == 6 and report.failed == 0
    for post in Post.objects.filter(network="x").select_related("latest_snapshot", "account"):
        snapshot = post.latest_snapshot
        assert snapshot.clicks is None and "30 days" in snapshot.unavailable["clicks"]
        assert snapshot.views == sandbox.says(post)["views"] > 0
        assert snapshot.step == 7 and post.metrics_due_at is None  # the last age: never read again


def test_a_post_deleted_on_the_network_is_marked_not_zeroed(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    gone = next(p for p in posts if p.network == "facebook")
    requests.delete(
        f"{sandbox.url}/v25.0/{gone.external_id}",
        params={"access_token": gone.account.credentials_get()["access_token"]},
        timeout=5,
    ).raise_for_status()
    gone_x = next(p for p in posts if p.network == "x")
    requests.delete(
        f"{sandbox.url}/2/tweets/{gone_x.external_id}",
        headers={"Authorization": f"Bearer {gone_x.account.credentials_get()['access_token']}"},
        timeout=5,
    ).raise_for_status()
    sandbox.advance(3600)
    report = metrics_collect(now=max(p.published_at for p in posts) + HOUR)
    assert report.posts == 4 and report.gone == 2
    for post in Post.objects.filter(pk__in=[gone.pk, gone_x.pk]):
        assert post.missing_since is not None and post.metrics_due_at is None and post.latest_snapshot is None
    assert not MetricSnapshot.objects.filter(post__in=[gone.pk, gone_x.pk]).exists()


def test_a_network_error_for_one_account_does_not_stop_the_pass(world, sandbox):
    tree, _embassies = world
    posts = publish(tree)
    broken = next(p for p in posts if p.network == "x")
    sandbox.faults(broken.account.external_id, rates={"transient": 1.0})
    sandbox.advance(3600)
    now = max(p.published_at for p in posts) + HOUR
    report = metrics_collect(now=now)
    assert report.posts == 5 and report.failed == 1
    broken.refresh_from_db()
    assert broken.latest_snapshot is None and broken.metrics_due_at == now + collect.RETRY_AFTER


def test_unusual_replies_tell_the_head_of_mission_and_the_leads(
    world, sandbox, settings, django_capture_on_commit_callbacks
):
    tree, embassies = world
    lead = UserFactory(username="lead", groups=["Communications leads"])
    head = UserFactory(username="head")
    EmbassyMembership.objects.create(user=head, embassy=embassies["paris"], role=EmbassyMembership.Role.HEAD_OF_MISSION)
    staff = UserFactory(username="staffer")
    EmbassyMembership.objects.create(user=staff, embassy=embassies["paris"])
    # Four earlier stories give Paris's accounts a baseline at one hour.
    for n in range(4):
        earlier = publish(tree, slug=f"earlier-{n}")
        sandbox.advance(3600)
        metrics_collect(now=max(p.published_at for p in earlier) + HOUR)
    posts = publish(tree, slug="heated")
    paris_x = next(p for p in posts if p.network == "x" and p.embassy_id == embassies["paris"].pk)
    sandbox.replies(paris_x.external_id, 30)
    sandbox.advance(3600)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = metrics_collect(now=max(p.published_at for p in posts) + HOUR)
    assert report.alerts == 1
    alert = ReplyAlert.objects.get()
    assert alert.post_id == paris_x.pk and alert.multiple >= settings.REACH_REPLY_ALERT_MULTIPLE
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, head.email])
    assert "consider a call" in mail.outbox[0].subject and paris_x.external_url in mail.outbox[0].body
    assert alert.notified == 2
    # The same post is not alerted twice.
    sandbox.advance(2 * 3600)
    metrics_collect(now=paris_x.published_at + 3 * HOUR + timedelta(minutes=1))
    assert ReplyAlert.objects.count() == 1


def test_recalled_posts_are_not_read_again(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    Post.objects.filter(pk=posts[0].pk).update(state=State.RECALLED)
    sandbox.advance(3600)
    report = metrics_collect(now=max(p.published_at for p in posts) + HOUR)
    assert report.posts == 5


def test_an_account_the_network_asked_to_wait_is_read_after_its_reset(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    throttled = next(p for p in posts if p.network == "facebook")
    reset = timezone.now() + timedelta(minutes=20)
    SocialAccount.objects.filter(pk=throttled.account_id).update(
        rate_limit={"percent_used": 100, "reset_at": reset.isoformat()}
    )
    sandbox.advance(3600)
    report = metrics_collect(now=max(p.published_at for p in posts) + HOUR)
    assert report.posts == 5 and report.postponed == 1
    throttled.refresh_from_db()
    assert throttled.latest_snapshot is None and throttled.metrics_due_at >= reset - timedelta(seconds=5)
