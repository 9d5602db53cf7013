"""The publisher end to end in one process against the sandbox: plan, localize, approve, dispatch, send,
and every failure path of the state machine."""

from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError
from wagtail.models import ModelLogEntry

from embassies.models import SocialAccount
from embassies.services import account_connect, account_mark_needs_reconnect
from portal.models import StoryPage
from publishing import approval, delivery, holds, planning
from publishing.channels.base import Transient
from publishing.channels.facebook import FacebookChannel
from publishing.channels.textlength import weighted_length
from publishing.models import Distribution, Hold, Post, PostAttempt
from publishing.tasks import posts_dispatch_task
from tests.factories import UserFactory, embassy_make

State = Post.State


def publish_story(tree, *, slug="climate", languages=("en", "fr")):
    texts = {
        "en": ("Climate finance pledge", "The ministry doubles its support for adaptation in exposed countries."),
        "fr": ("Engagement pour le climat", "Le ministère double son soutien à l'adaptation."),
        "ar": ("تعهد تمويل المناخ", "تضاعف الوزارة دعمها للتكيف."),
    }
    return tree.story_add(slug=slug, texts={k: texts[k] for k in languages}, hashtags="ClimateAction")


def send_all() -> None:
    for post_id, _network in delivery.posts_dispatch():
        delivery.post_publish(post_id=post_id)


def test_publishing_a_story_plans_one_post_per_account_in_the_embassy_language(world):
    tree, _embassies = world
    story = publish_story(tree, languages=("en",))["en"]
    posts = Post.objects.filter(distribution__story=story)
    assert posts.count() == 6 and set(posts.values_list("state", flat=True)) == {State.PROPOSED}
    # the French translation goes live later: Paris's proposed posts move to French
    fr = story.copy_for_translation(tree.locales["fr"])
    fr.title = "Engagement pour le climat"
    fr.save_revision().publish()
    by_embassy = {(p.embassy.slug, p.network): p for p in Post.objects.filter(distribution__story=story)}
    assert by_embassy[("paris", "x")].language == "fr" and not by_embassy[("paris", "x")].fallback
    assert "Engagement pour le climat" in by_embassy[("paris", "facebook")].text
    assert by_embassy[("cairo", "x")].language == "en" and by_embassy[("cairo", "x")].fallback  # no Arabic yet
    link = urlsplit(by_embassy[("paris", "x")].link)
    assert link.path == "/fr/stories/climate/"
    query = parse_qs(link.query)
    assert (
        query["utm_source"] == ["x"]
        and query["utm_content"] == ["paris"]
        and query["m"] == [by_embassy[("paris", "x")].marker]
    )
    assert "#ClimateAction #Paris" in by_embassy[("paris", "x")].text
    assert all(weighted_length(p.text) <= 280 for p in by_embassy.values() if p.network == "x")


def test_a_second_publish_plans_nothing_twice_and_an_update_plans_again(world):
    tree, _ = world
    story = publish_story(tree)["en"]
    story.save_revision().publish()
    assert Distribution.objects.filter(story=story).count() == 1
    assert Post.objects.count() == 6
    planning.distribution_plan(story=story, update=True)
    assert Distribution.objects.filter(story=story).count() == 2 and Post.objects.count() == 12


def test_approved_posts_are_sent_exactly_once_with_their_marker(world, sandbox):
    tree, _ = world
    story = publish_story(tree)["en"]
    approval.posts_approve(posts=Post.objects.all(), user=None)
    send_all()
    send_all()  # a second tick finds nothing due
    posts = list(Post.objects.select_related("account"))
    assert {p.state for p in posts} == {State.PUBLISHED}
    for post in posts:
        remote = sandbox.posts(post.account.external_id)
        assert [r["id"] for r in remote] == [post.external_id]
        # X carries the marker in its text, Facebook in the link card it shows beside the text.
        assert post.marker in (remote[0]["text"] if post.network == "x" else remote[0]["link"])
        assert post.attempt_log.get().outcome == PostAttempt.Outcome.PUBLISHED
    assert story.distributions.get().posts.count() == 6


def post_history(post: Post) -> list[tuple[str, str]]:
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), object_id=str(post.pk)
    ).order_by("timestamp", "pk")
    return [(entry.action.removeprefix("chancery.post."), entry.data["by"]) for entry in entries]


def test_every_state_change_is_in_the_audit_log_with_who_made_it(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="x").first()
    officer = UserFactory(username="officer")
    approval.post_approve(post=post, user=officer)
    send_all()
    post.refresh_from_db()
    assert post_history(post) == [
        ("proposed", "publisher"),
        ("scheduled", "officer"),
        ("queued", "publisher"),
        ("sending", "publisher"),
        ("published", "publisher"),
    ]
    sending = ModelLogEntry.objects.get(object_id=str(post.pk), action="chancery.post.sending")
    assert sending.timestamp == post.attempt_log.get().started_at


def test_future_posts_wait_for_their_time(world):
    tree, _ = world
    publish_story(tree)
    approval.posts_approve(posts=Post.objects.all(), user=None, due_at=timezone.now() + timedelta(hours=1))
    assert delivery.posts_dispatch() == []
    assert delivery.posts_dispatch(now=timezone.now() + timedelta(hours=1, seconds=1)) != []


def test_dispatch_commits_and_sends_in_chunks(world, django_capture_on_commit_callbacks, monkeypatch):
    """Each chunk is its own transaction, whose messages go as it commits: workers start on the first posts
    while the rest are being claimed."""
    tree, _ = world
    publish_story(tree)
    publish_story(tree, slug="other")
    approval.posts_approve(posts=Post.objects.all(), user=None)
    sent = []
    monkeypatch.setattr(delivery, "tasks_enqueue", lambda task, queued: sent.append(queued))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = delivery.posts_dispatch(chunk=5)
    assert len(callbacks) == 3 and [len(chunk) for chunk in sent] == [5, 5, 2]
    assert [pk for chunk in sent for pk, _network in chunk] == [pk for pk, _network in queued]
    assert sorted(pk for pk, _network in queued) == sorted(Post.objects.values_list("pk", flat=True))
    assert set(Post.objects.values_list("state", flat=True)) == {State.QUEUED}
    assert delivery.posts_dispatch(chunk=5) == []


@pytest.fixture
def dispatch_requests(monkeypatch):
    requested = []
    monkeypatch.setattr(posts_dispatch_task, "apply_async", lambda **options: requested.append(options))
    return requested


def test_posts_approved_to_go_now_ask_for_a_dispatch_as_the_approval_commits(
    world, django_capture_on_commit_callbacks, dispatch_requests
):
    tree, _ = world
    publish_story(tree)
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + timedelta(hours=1)
        assert approval.posts_approve(posts=Post.objects.filter(network="x"), user=None, due_at=later) == 3
        approval.post_approve(post=Post.objects.filter(network="x").first(), user=None, due_at=later)
    assert dispatch_requests == []  # beat's tick at their time sends them
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert approval.posts_approve(posts=Post.objects.filter(network="facebook"), user=None) == 3
        assert dispatch_requests == []  # not before the approval commits
    assert len(callbacks) == 1 and len(dispatch_requests) == 1
    with django_capture_on_commit_callbacks(execute=True):
        approval.post_approve(post=Post.objects.filter(network="x").first(), user=None)
        hold = holds.hold_set(scope=Hold.Scope.ALL, reason="#NoHarm")
        holds.hold_release(hold=hold)
    assert len(dispatch_requests) == 3  # the post approved for now, and the posts the release let go


def test_an_unreachable_broker_does_not_undo_an_approval(
    world, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    tree, _ = world
    publish_story(tree)

    def unreachable(**options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(posts_dispatch_task, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        assert approval.posts_approve(posts=Post.objects.all(), user=None) == 6
    assert set(Post.objects.values_list("state", flat=True)) == {State.SCHEDULED}
    assert "beat's next tick will dispatch" in caplog.text
    assert len(delivery.posts_dispatch()) == 6


def test_a_hold_stops_queued_posts_and_release_sends_them(world, sandbox):
    tree, embassies = world
    publish_story(tree)
    approval.posts_approve(posts=Post.objects.all(), user=None)
    queued = delivery.posts_dispatch()
    assert len(queued) == 6
    hold = holds.hold_set(scope=Hold.Scope.REGION, region="middle-east", reason="Crisis in the region")
    for post_id, _network in queued:
        delivery.post_publish(post_id=post_id)
    cairo = Post.objects.filter(embassy=embassies["cairo"])
    assert set(cairo.values_list("state", flat=True)) == {State.HELD}
    assert all(sandbox.posts(p.account.external_id) == [] for p in cairo)
    assert Post.objects.exclude(embassy=embassies["cairo"]).filter(state=State.PUBLISHED).count() == 4
    holds.hold_release(hold=hold)
    send_all()
    assert set(cairo.values_list("state", flat=True)) == {State.PUBLISHED}


@pytest.mark.parametrize(
    ("scope", "covered"),
    [
        ("all", {"paris", "cairo", "tokyo"}),
        ("region", {"cairo"}),
        ("embassy", {"tokyo"}),
        ("story", {"paris", "cairo", "tokyo"}),
    ],
)
def test_the_claim_checks_every_kind_of_hold_again(world, sandbox, scope, covered):
    """A hold that arrives after the dispatcher queued the posts (and before any sweep holds them) still stops
    them when a worker claims them."""
    tree, embassies = world
    story = publish_story(tree)
    publish_story(tree, slug="other")
    approval.posts_approve(posts=Post.objects.all(), user=None)
    queued = delivery.posts_dispatch()
    assert len(queued) == 12
    Hold.objects.create(
        scope=scope,
        reason="Crisis",
        region="middle-east" if scope == "region" else "",
        embassy=embassies["tokyo"] if scope == "embassy" else None,
        story=story["fr"] if scope == "story" else None,  # any translation holds the whole story
    )
    for post_id, _network in queued:
        delivery.post_publish(post_id=post_id)
    expected = Post.objects.filter(embassy__slug__in=covered)
    if scope == "story":
        expected = expected.filter(distribution__story=story["en"])
    held = Post.objects.filter(state=State.HELD, held_for="hold")
    assert set(held.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
    assert Post.objects.exclude(pk__in=expected).filter(state=State.PUBLISHED).count() == 12 - expected.count()
    for post in held.select_related("account"):
        remote_posts = sandbox.posts(post.account.external_id)
        assert not any(post.marker in remote["text"] + remote["link"] for remote in remote_posts)


def test_a_lost_answer_is_reconciled_not_resent(world, sandbox):
    tree, _ = world
    publish_story(tree)
    x_post = Post.objects.filter(network="x").first()
    sandbox.faults(x_post.account.external_id, rates={"commit_then_drop": 1.0})
    approval.posts_approve(posts=[x_post], user=None)
    send_all()
    x_post.refresh_from_db()
    assert x_post.state == State.PUBLISHED
    assert len(sandbox.posts(x_post.account.external_id)) == 1
    assert [a.outcome for a in x_post.attempt_log.all()] == [PostAttempt.Outcome.UNKNOWN]


def facebook_post_whose_answer_is_lost(world, sandbox) -> Post:
    """An approved Facebook post whose account's network makes every post and loses every answer."""
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="facebook").first()
    sandbox.faults(post.account.external_id, rates={"commit_then_drop": 1.0})
    approval.posts_approve(posts=[post], user=None)
    return post


def test_a_lost_facebook_answer_is_reconciled_by_the_link_card(world, sandbox):
    """The Facebook text carries no URL: the marker is found in the post's link attachment, and the post is
    recorded as published, not sent twice nor failed."""
    post = facebook_post_whose_answer_is_lost(world, sandbox)
    assert post.marker not in post.text
    send_all()
    post.refresh_from_db()
    remote = sandbox.posts(post.account.external_id)
    assert post.state == State.PUBLISHED and [r["id"] for r in remote] == [post.external_id]
    assert [a.outcome for a in post.attempt_log.all()] == [PostAttempt.Outcome.UNKNOWN]


def test_a_lookup_that_cannot_reach_the_network_is_tried_again_within_seconds(world, sandbox):
    post = facebook_post_whose_answer_is_lost(world, sandbox)
    with mock.patch.object(FacebookChannel, "find_by_marker", side_effect=Transient("Facebook: 500")):
        send_all()
    post.refresh_from_db()
    assert (post.state, post.checks) == (State.UNCONFIRMED, 1)
    wait = (post.due_at - timezone.now()).total_seconds()
    assert 1 < wait < 3, wait  # seconds, not the sweeper's ten minutes
    assert "trying again shortly" in post.reason
    assert delivery.posts_unconfirmed_check() == []
    later = timezone.now() + timedelta(seconds=3)
    assert delivery.posts_unconfirmed_check(now=later) == [(post.pk, "facebook")]
    assert delivery.posts_unconfirmed_check(now=later) == []  # leased: one lookup at a time
    sandbox.faults(post.account.external_id)
    assert delivery.post_reconcile(post_id=post.pk) == State.PUBLISHED
    assert len(sandbox.posts(post.account.external_id)) == 1


def test_posts_held_for_their_account_go_back_to_the_schedule_when_it_is_reconnected(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="facebook").select_related("account", "embassy").first()
    account = post.account
    account_mark_needs_reconnect(account=account, reason="Token revoked")
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    assert (post.state, post.held_for) == (State.HELD, "account")
    assert post.reason == "Held: the account needs reconnecting."  # what staff read in their queue
    account_connect(
        embassy=post.embassy,
        network="facebook",
        external_id=account.external_id,
        credentials=account.credentials_get(),
        display_name=account.display_name,
    )
    post.refresh_from_db()
    assert (post.state, post.held_for, post.reason) == (State.SCHEDULED, "", "")
    send_all()
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [r["id"] for r in sandbox.posts(account.external_id)] == [post.external_id]


def test_transient_errors_retry_later_with_backoff(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="facebook").first()
    sandbox.faults(post.account.external_id, rates={"transient": 1.0})
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.due_at > timezone.now()
    sandbox.faults(post.account.external_id)
    for _ in range(2):
        delivery.posts_dispatch(now=timezone.now() + timedelta(minutes=20))
        if Post.objects.filter(pk=post.pk, state=State.QUEUED).exists():
            delivery.post_publish(post_id=post.pk)
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [a.outcome for a in post.attempt_log.all()] == [PostAttempt.Outcome.TRANSIENT, PostAttempt.Outcome.PUBLISHED]


def test_revoked_token_holds_the_post_and_flags_the_account(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="facebook").first()
    sandbox.revoke(post.account.external_id)
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    post.account.refresh_from_db()
    assert post.state == State.HELD and post.held_for == "account"
    assert post.account.status == SocialAccount.Status.NEEDS_RECONNECT


def test_a_rejected_post_fails_with_a_readable_reason(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="x").first()
    sandbox.faults(post.account.external_id, rates={"reject": 1.0})
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    assert post.state == State.FAILED and "not permitted" in post.reason


def test_a_worker_lost_mid_call_is_swept_and_reconciled(world, sandbox):
    tree, _ = world
    publish_story(tree)
    post = Post.objects.filter(network="x").first()
    approval.posts_approve(posts=[post], user=None)
    delivery.posts_dispatch()
    # the worker claims the post and dies after the network committed it, before recording anything
    claimed_at = timezone.now() - timedelta(hours=1)
    Post.objects.filter(pk=post.pk).update(state=State.SENDING, attempts=1, updated_at=claimed_at)
    from publishing.channels import channel_for_account

    channel_for_account(post.account).publish(text=post.text)
    assert delivery.posts_sweep()["reconciled"] == 1
    post.refresh_from_db()
    assert post.state == State.PUBLISHED and len(sandbox.posts(post.account.external_id)) == 1
    attempt = post.attempt_log.get()
    assert (attempt.number, attempt.outcome, attempt.started_at) == (1, PostAttempt.Outcome.UNKNOWN, claimed_at)
    assert attempt.detail == "worker lost mid-call"
    assert [action for action, _by in post_history(post)][-2:] == ["unconfirmed", "published"]
    sending = ModelLogEntry.objects.get(object_id=str(post.pk), action="chancery.post.sending")
    assert sending.timestamp == claimed_at  # written by the sweeper, at the time of the dead worker's claim


def test_planning_queries_do_not_grow_with_embassies(world, sandbox):
    tree, _embassies = world
    story = publish_story(tree, slug="small")["en"]

    def plan_queries(source):
        Distribution.objects.filter(story=source).delete()
        with CaptureQueriesContext(connection) as captured:
            planning.distribution_plan(story=source)
        return len(captured)

    few = plan_queries(story)
    for n in range(12):
        embassy = embassy_make(f"extra-{n}", "NO", f"Extra {n}", "Europe/Oslo")
        for network in ("facebook", "x"):
            account = SocialAccount(embassy=embassy, network=network, external_id=f"{network}-{n}")
            account.credentials_set({"access_token": "t"})
            account.save()
    many = plan_queries(story)
    assert Post.objects.filter(distribution__story=story).count() == 30
    assert many == few


def test_distribute_command_approves_follows_and_reports(world, sandbox):
    import io

    from django.core.management import call_command

    tree, _ = world
    publish_story(tree, slug="cli")
    out = io.StringIO()
    call_command("distribute", "cli", "--approve-all", stdout=out)
    assert "Approved 6 posts to go now; 0 scheduled ones brought forward." in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1] == "published 0, failed 0, held 0, skipped 0"
    x_post = Post.objects.filter(network="x").first()
    sandbox.faults(x_post.account.external_id, rates={"reject": 1.0})
    send_all()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("distribute", "cli", "--wait", "--timeout", "10", stdout=out)
    assert exited.value.code == 1
    assert out.getvalue().strip().splitlines()[-1] == "published 5, failed 1, held 0, skipped 0"


def test_distribute_wait_returns_when_only_people_can_move_the_rest_and_says_who(world, sandbox):
    import io
    import time

    from django.core.management import call_command

    tree, _ = world
    tree.story_add(slug="summit", texts={"en": ("Summit in Paris", "Talks.")}, countries=["FR"])
    call_command("distribute", "summit", "--approve-all", stdout=io.StringIO())
    send_all()  # what a worker would do with the approved posts
    out = io.StringIO()
    started = time.monotonic()
    with pytest.raises(SystemExit) as exited:
        call_command("distribute", "summit", "--wait", "--timeout", "60", stdout=out)
    assert time.monotonic() - started < 30
    assert exited.value.code == 3  # waiting for people, not failed, not timed out
    lines = out.getvalue().strip().splitlines()
    assert [line.strip() for line in lines if "head of mission" in line] == [
        "2 wait for the head of mission: " + Post.objects.filter(sensitive=True).first().embassy.name
    ]
    assert lines[-1] == "published 4, failed 0, held 0, skipped 0"
    assert Post.objects.filter(state=State.PROPOSED, sensitive=True).count() == 2


def test_distribute_wait_stops_at_its_timeout_with_its_own_exit_code(world):
    import io

    from django.core.management import call_command

    tree, _ = world
    publish_story(tree, slug="slow")
    with pytest.raises(SystemExit) as exited:
        call_command("distribute", "slow", "--approve-all", "--wait", "--timeout", "2", stdout=io.StringIO())
    assert exited.value.code == 4  # nobody sends in this test: the posts stay scheduled


def test_unreadable_credentials_hold_the_post_instead_of_losing_it(world):
    tree, _ = world
    publish_story(tree, slug="keys")
    post = Post.objects.filter(network="facebook").first()
    SocialAccount.objects.filter(pk=post.account_id).update(credentials_ciphertext="gAAAAA-not-a-token")
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    assert (post.state, post.held_for) == (State.HELD, "account")
    assert SocialAccount.objects.get(pk=post.account_id).status == SocialAccount.Status.NEEDS_RECONNECT


def test_a_post_waits_while_its_page_is_not_live_in_that_language(world, sandbox):
    tree, embassies = world
    pages = publish_story(tree, slug="live-check")
    paris = Post.objects.get(embassy=embassies["paris"], network="facebook")
    assert paris.language == "fr"
    StoryPage.objects.get(pk=pages["fr"].pk).unpublish()
    approval.posts_approve(posts=[paris], user=None)
    send_all()
    paris.refresh_from_db()
    assert paris.state == State.SCHEDULED and "not live in fr" in paris.reason
    assert sandbox.posts(paris.account.external_id) == []
    # published again, the translation lets the post go at its next try
    StoryPage.objects.get(pk=pages["fr"].pk).save_revision().publish()
    for post_id, _network in delivery.posts_dispatch(now=paris.due_at + timedelta(seconds=1)):
        delivery.post_publish(post_id=post_id)
    paris.refresh_from_db()
    assert paris.state == State.PUBLISHED and len(sandbox.posts(paris.account.external_id)) == 1


def test_a_post_whose_translation_was_deleted_waits(world, sandbox):
    tree, embassies = world
    pages = publish_story(tree, slug="deleted-translation")
    paris = Post.objects.get(embassy=embassies["paris"], network="x")
    assert paris.page_id == pages["fr"].pk
    StoryPage.objects.get(pk=pages["fr"].pk).delete()
    approval.posts_approve(posts=[paris], user=None)
    send_all()
    paris.refresh_from_db()
    assert paris.page_id is None
    assert paris.state == State.SCHEDULED and "not live in fr" in paris.reason
    assert sandbox.posts(paris.account.external_id) == []


def test_the_usage_the_network_reports_slows_and_stops_posting(world):
    tree, _ = world
    publish_story(tree, slug="usage")
    post = Post.objects.filter(network="x").select_related("account").first()
    reset = timezone.now() + timedelta(minutes=7)
    SocialAccount.objects.filter(pk=post.account_id).update(
        rate_limit={"percent_used": 100, "reset_at": reset.isoformat(), "remaining": 0, "limit": 100}
    )
    approval.posts_approve(posts=[post], user=None)
    send_all()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.due_at >= reset - timedelta(seconds=1)
    assert post.attempts == 0
