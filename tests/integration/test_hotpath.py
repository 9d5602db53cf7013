"""On PostgreSQL the common claim and record are one statement each: they must write exactly what the ORM path
writes, leave every exception to it, and let only one of two racing workers have a post."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from embassies.models import Embassy, SocialAccount
from publishing import approval, delivery, hotpath
from publishing.models import Hold, Post, PostAttempt
from tests.factories import UserFactory, embassy_make, portal_tree_build

from .conftest import run_together

State = Post.State


def accounts_make(sandbox, embassy) -> None:
    for network in ("facebook", "x"):
        remote = sandbox.account(network, f"{embassy.name} {network}", username=f"emb{embassy.slug}")
        account = SocialAccount(embassy=embassy, network=network, external_id=remote["id"])
        account.credentials_set({"access_token": remote["access_token"], "refresh_token": ""})
        account.token_expires_at = timezone.now() + timedelta(hours=2) if network == "x" else None
        account.save()


@pytest.fixture
def queued(db, sandbox):
    """Four queued posts (two embassies × two networks) of one published story."""
    tree = portal_tree_build(languages=("en",))
    for slug, city in (("oslo", "Oslo"), ("lima", "Lima")):
        accounts_make(sandbox, embassy_make(slug, "NO" if slug == "oslo" else "PE", city, "UTC"))
    story = tree.story_add(slug="summit", texts={"en": ("Summit outcome", "What the summit agreed.")})["en"]
    posts = Post.objects.filter(distribution__story=story)
    approval.posts_approve(posts=posts, user=None)
    queued_ids = [pk for pk, _network in delivery.posts_dispatch()]
    assert len(queued_ids) == 4
    return Post.objects.filter(pk__in=queued_ids).order_by("embassy__slug", "network")


def written(post: Post) -> dict:
    """What sending a post wrote, without what differs from one post to another (ids, markers, clocks)."""
    post.refresh_from_db()
    attempts = list(PostAttempt.objects.filter(post=post).values("number", "outcome", "started_at", "finished_at"))
    entries = list(
        ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Post), object_id=str(post.pk))
        .order_by("timestamp", "pk")
        .values("action", "data", "user", "label", "timestamp")
    )
    sending = next(e for e in entries if e["action"] == "chancery.post.sending")
    return {
        "state": post.state,
        "attempts": post.attempts,
        "reason": post.reason,
        "published": bool(post.external_id and post.external_url and post.published_at),
        "attempt_rows": [(a["number"], a["outcome"], a["finished_at"] >= a["started_at"]) for a in attempts],
        "claim_logged_at_claim_time": sending["timestamp"] == attempts[0]["started_at"],
        "log": [(e["action"], e["data"], e["user"], e["label"] == str(post.pk)) for e in entries],
    }


def test_one_statement_claim_and_record_write_what_the_orm_path_writes(queued, monkeypatch):
    through_orm, through_hotpath = queued[0], queued[2]  # both Facebook posts, of two embassies
    monkeypatch.setattr(hotpath, "available", lambda: False)
    with CaptureQueriesContext(connection) as orm_queries:
        assert delivery.post_publish(post_id=through_orm.pk) == State.PUBLISHED
    monkeypatch.setattr(hotpath, "available", lambda: True)
    with CaptureQueriesContext(connection) as hot_queries:
        assert delivery.post_publish(post_id=through_hotpath.pk) == State.PUBLISHED

    assert written(through_hotpath) == written(through_orm)
    assert written(through_hotpath)["log"][-2:] == [
        ("chancery.post.sending", {"by": "publisher", "reason": ""}, None, True),
        ("chancery.post.published", {"by": "publisher", "reason": ""}, None, True),
    ]
    statements = [q["sql"] for q in hot_queries.captured_queries]
    assert len(statements) == 2, statements  # the claim, and the record with its attempt and audit entries
    assert len(orm_queries.captured_queries) > len(statements)


def test_the_two_statements_are_prepared_once_per_connection(queued):
    """Parsed and planned once per connection, not once per post: most of PostgreSQL's work per post otherwise."""
    for post in queued[:2]:
        assert delivery.post_publish(post_id=post.pk) == State.PUBLISHED
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%publishing_post%"])
        prepared = [row[0] for row in cursor.fetchall()]
    assert sum(s.startswith("UPDATE") and "RETURNING" in s for s in prepared) == 1, prepared  # the claim
    assert sum(s.startswith("WITH moved AS (UPDATE") for s in prepared) == 1, prepared  # the record


def test_approval_and_dispatch_in_one_statement_write_what_the_orm_writes(db, sandbox, monkeypatch):
    tree = portal_tree_build(languages=("en",))
    for slug, country in (("oslo", "NO"), ("lima", "PE")):
        accounts_make(sandbox, embassy_make(slug, country, slug.title(), "UTC"))
    editor = UserFactory(username="desk")
    stories = {
        path: tree.story_add(slug=f"story-{path}", texts={"en": (f"Story {path}", "Text.")})["en"]
        for path in ("orm", "hot")
    }
    Hold.objects.create(scope=Hold.Scope.EMBASSY, embassy=Embassy.objects.get(slug="lima"), reason="Not now")

    statements = {}
    for path, story in stories.items():
        monkeypatch.setattr(hotpath, "available", lambda path=path: path == "hot")
        posts = Post.objects.filter(distribution__story=story)
        with CaptureQueriesContext(connection) as approving:
            assert approval.posts_approve(posts=posts, user=editor) == 4
        with CaptureQueriesContext(connection) as dispatching:
            queued = delivery.posts_dispatch(chunk=1)
        assert sorted(queued) == sorted(posts.filter(embassy__slug="oslo").values_list("pk", "network"))
        statements[path] = tuple(
            sum(not (q["sql"] or "").startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in captured.captured_queries)
            for captured in (approving, dispatching)
        )

    def rows(story):
        posts = Post.objects.filter(distribution__story=story).order_by("embassy__slug", "network")
        entries = ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Post))
        return [
            (
                post.embassy.slug,
                post.network,
                post.state,
                post.approved_by_id,
                post.due_at == post.approved_at,
                [
                    (e.action, e.data, e.user_id, e.label == str(post.pk))
                    for e in entries.filter(object_id=str(post.pk)).order_by("timestamp", "pk")
                ],
            )
            for post in posts
        ]

    hot = rows(stories["hot"])
    assert hot == rows(stories["orm"])
    assert hot[2] == (
        "oslo",
        "facebook",
        State.QUEUED,
        editor.pk,
        True,
        [
            ("chancery.post.proposed", {"by": "publisher"}, None, True),
            ("chancery.post.scheduled", {"by": "desk"}, editor.pk, True),
            ("chancery.post.queued", {"by": "publisher"}, None, True),
        ],
    )
    assert statements["hot"][0] == 1 and statements["hot"][0] < statements["orm"][0]  # approval: one statement
    assert statements["hot"][1] < statements["orm"][1], statements  # dispatch: one a chunk


@pytest.mark.parametrize("obstacle", ["hold", "account", "page", "not queued"])
def test_anything_unusual_is_left_to_the_checked_claim(queued, obstacle):
    post = queued[0]
    if obstacle == "hold":  # any hold at all, even one that covers another embassy
        Hold.objects.create(scope=Hold.Scope.EMBASSY, embassy=queued[2].embassy, reason="elsewhere")
    elif obstacle == "account":
        SocialAccount.objects.filter(pk=post.account_id).update(status=SocialAccount.Status.NEEDS_RECONNECT)
    elif obstacle == "page":
        post.page.unpublish()
    else:
        Post.objects.filter(pk=post.pk).update(state=State.SCHEDULED)
    assert hotpath.post_claim_queued(post.pk, now=timezone.now()) is None
    post.refresh_from_db()
    assert post.attempts == 0 and post.state in {State.QUEUED, State.SCHEDULED}

    claimed = delivery._post_claim(post.pk)  # the checked path decides
    expected = {"hold": State.SENDING, "account": State.HELD, "page": State.SCHEDULED, "not queued": State.SCHEDULED}
    state = claimed.state if isinstance(claimed, Post) else claimed
    assert state == expected[obstacle]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_a_post_claim_it_once(sandbox):
    tree = portal_tree_build(languages=("en",))
    for index in range(5):
        accounts_make(sandbox, embassy_make(f"e{index}", "SE", f"City {index}", "UTC"))
    story = tree.story_add(slug="race", texts={"en": ("Race", "Two workers, one post.")})["en"]
    # Queued without a queue message: the session's worker must not take them first.
    posts = Post.objects.filter(distribution__story=story)
    assert posts.update(state=State.QUEUED) == 10
    post_ids = list(posts.values_list("pk", flat=True))

    for post_id in post_ids:
        claims, errors = run_together(
            lambda post_id=post_id: hotpath.post_claim_queued(post_id, now=timezone.now()), threads=2
        )
        assert not errors
        assert sum(claimed is not None for claimed in claims) == 1
    assert set(Post.objects.filter(pk__in=post_ids).values_list("state", "attempts")) == {(State.SENDING, 1)}
