"""Listening against the sandbox: collection from both networks (new only, paging, edits, deletions), X's billed
reads, signed webhooks, replies through second eyes exactly once, hiding, escalation, retention and isolation."""

import csv
import hashlib
import hmac
import io
import json
from datetime import timedelta

import pytest
import requests
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from embassies.models import EmbassyMembership
from embassies.services import account_refresh_x_token
from publishing import approval, delivery
from publishing.listening import inbox
from publishing.listening.collect import conversations_listen
from publishing.listening.models import Comment, Conversation, Counterpart, Event, WatchTerm
from publishing.listening.retention import comments_erase
from publishing.models import Hold, Post
from tests.factories import UserFactory

State = Post.State


def publish(tree, slug: str = "talks") -> list[Post]:
    story = tree.story_add(slug=slug, texts={"en": (f"Talks {slug}", "The talks went well and will go on.")})["en"]
    posts = Post.objects.filter(distribution__story=story)
    approval.posts_approve(posts=posts, user=None)
    for post_id, _network in delivery.posts_dispatch():
        delivery.post_publish(post_id=post_id)
    assert set(posts.values_list("state", flat=True)) == {State.PUBLISHED}
    return list(posts.select_related("account", "embassy"))


def network_comments(sandbox, post: Post) -> dict[str, dict]:
    """What the network holds under the post (the sandbox's own record), deleted ones left out."""
    found = requests.get(f"{sandbox.url}/_sandbox/posts/{post.external_id}/comments", timeout=10).json()["data"]
    return {c["id"]: c for c in found if not c["deleted"]}


def staff(embassy, name: str, *, head: bool = False):
    user = UserFactory(username=name)
    user.groups.add(Group.objects.get(name="Heads of mission" if head else "Embassy staff"))
    role = EmbassyMembership.Role.HEAD_OF_MISSION if head else EmbassyMembership.Role.STAFF
    EmbassyMembership.objects.create(user=user, embassy=embassy, role=role)
    return user


def test_a_pass_stores_every_comment_once_and_then_only_what_is_new(world, sandbox):
    tree, _ = world
    posts = publish(tree)
    sandbox.advance(4 * 3600)  # the audience has had four hours, and the X tokens have expired
    for post in posts:
        if post.network == "x":
            account_refresh_x_token(account_id=post.account_id, force=True)
    sandbox.calls_reset()
    report = conversations_listen(every=True)
    assert report.failed == 0 and report.posts == 6
    # Three Pages' threads in one batch (more only for further pages); one search per X post.
    assert report.calls["facebook"] >= 1 and report.calls["x"] == 3
    assert report.minimum_calls == 1 + 3
    held = {}
    for post in posts:
        stored = {c.external_id: c for c in Comment.objects.filter(conversation__post=post)}
        expected = network_comments(sandbox, post)
        assert expected, "the audience wrote nothing"
        assert set(stored) == set(expected)
        for external_id, comment in stored.items():
            assert comment.text == expected[external_id]["text"]
            assert comment.parent_external_id in {"", expected[external_id]["parent_id"]}
            assert comment.author_name == expected[external_id]["author_name"]
        held[post.pk] = len(stored)
    x_total = sum(held[p.pk] for p in posts if p.network == "x")
    assert report.x_reads == x_total  # X billed each reply once
    assert sandbox_reads(sandbox) == x_total

    # An hour on: only the new ones are read, and X bills only those.
    sandbox.advance(3600)
    again = conversations_listen(every=True)
    for post in posts:
        assert Comment.objects.filter(conversation__post=post).count() == len(network_comments(sandbox, post))
    new_x = sum(len(network_comments(sandbox, p)) - held[p.pk] for p in posts if p.network == "x")
    assert again.x_reads == new_x
    assert Comment.objects.count() == len({(c.network, c.external_id) for c in Comment.objects.all()})


def sandbox_reads(sandbox) -> int:
    return requests.get(f"{sandbox.url}/_sandbox/usage", timeout=10).json()["x_post_reads"]


def test_edits_and_deletions_on_the_network_are_reflected(world, sandbox):
    tree, _ = world
    post = next(p for p in publish(tree) if p.network == "facebook")
    sandbox.advance(8 * 3600)
    conversations_listen(every=True)
    edited, deleted = list(Comment.objects.filter(conversation__post=post))[:2]
    assert edited.external_id in network_comments(sandbox, post)
    requests.post(f"{sandbox.url}/_sandbox/comments/{edited.external_id}", json={"text": "Edited."}, timeout=10)
    requests.post(f"{sandbox.url}/_sandbox/comments/{deleted.external_id}", json={"deleted": True}, timeout=10)
    Conversation.objects.filter(post=post).update(full_read_at=timezone.now() - timedelta(days=2))
    conversations_listen(every=True)
    edited.refresh_from_db()
    deleted.refresh_from_db()
    assert edited.text == "Edited." and edited.edited_at is not None
    assert deleted.deleted_at is not None

    out = io.StringIO()
    call_command("conversations", story=post.distribution.story_id, format="csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "embassy",
        "network",
        "post_external_id",
        "comment_id",
        "parent_id",
        "author_handle",
        "created_at",
        "language",
        "hidden",
        "escalated",
        "text",
    ]
    ids = {row["comment_id"] for row in rows}
    assert deleted.external_id not in ids and edited.external_id in ids
    assert ids == set(Comment.objects.filter(deleted_at__isnull=True).values_list("external_id", flat=True))


def test_webhook_handshake_signature_and_replay(world, sandbox, client, settings):
    settings.LISTENING_WEBHOOK_VERIFY_TOKEN = "verify-me"
    url = reverse("listening_webhook_facebook")
    challenge = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"})
    assert challenge.status_code == 200 and challenge.content == b"42"
    assert (
        client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "42"}).status_code == 403
    )

    tree, _ = world
    post = next(p for p in publish(tree) if p.network == "facebook")
    conversations_listen(every=True)
    conversation = Conversation.objects.get(post=post)
    later = timezone.now() + timedelta(hours=1)
    Conversation.objects.filter(pk=conversation.pk).update(listen_due_at=later)
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": post.account.external_id,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "post_id": post.external_id,
                                "comment_id": "1_2",
                                "message": "Forged text is never stored",
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    signed = "sha256=" + hmac.new(settings.FACEBOOK_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    bad = client.post(url, body, content_type="application/json", headers={"X-Hub-Signature-256": "sha256=00"})
    assert bad.status_code == 403
    assert Conversation.objects.get(pk=conversation.pk).listen_due_at == later

    good = client.post(url, body, content_type="application/json", headers={"X-Hub-Signature-256": signed})
    assert good.status_code == 200 and good.content == b"ok 1"
    assert Conversation.objects.get(pk=conversation.pk).listen_due_at <= timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(listen_due_at=later)
    replayed = client.post(url, body, content_type="application/json", headers={"X-Hub-Signature-256": signed})
    assert replayed.status_code == 200 and replayed.content == b"already received"
    assert Conversation.objects.get(pk=conversation.pk).listen_due_at == later
    conversations_listen(every=True)
    assert not Comment.objects.filter(text="Forged text is never stored").exists()


@pytest.mark.parametrize("network", ["facebook", "x"])
def test_a_reply_needs_a_second_person_and_leaves_once_under_a_lost_answer(world, sandbox, network):
    tree, embassies = world
    post = next(p for p in publish(tree) if p.network == network and p.embassy.slug == "paris")
    sandbox.advance(8 * 3600)
    conversations_listen(every=True)
    conversation = Conversation.objects.get(post=post)
    comment = conversation.comments.filter(ours=False).first()
    writer, second = staff(embassies["paris"], "writer"), staff(embassies["paris"], "second")

    reply = inbox.reply_draft(
        conversation=conversation, user=writer, text="Thank you, we will share more soon.", comment=comment
    )
    assert reply.post.state == State.PROPOSED and reply.post.reply_to == comment.external_id
    with pytest.raises(ValidationError, match="second person"):
        inbox.reply_approve(reply=reply, user=writer)
    assert approval.posts_approve(posts=Post.objects.filter(pk=reply.post.pk), user=writer) == 0  # any route
    assert approval.posts_approve(posts=Post.objects.filter(pk=reply.post.pk), user=None) == 0  # nor the system

    sandbox.faults(post.account.external_id, commit_then_drop=1.0)  # the network does it; the answer is lost
    inbox.reply_approve(reply=reply, user=second)
    queued = delivery.posts_dispatch()
    assert [pk for pk, _ in queued] == [reply.post.pk]
    sandbox.faults(post.account.external_id)
    state = delivery.post_publish(post_id=reply.post.pk)
    reply.post.refresh_from_db()
    assert state == State.PUBLISHED and reply.post.state == State.PUBLISHED
    on_network = [c for c in network_comments(sandbox, post).values() if c["text"] == reply.post.text]
    assert len(on_network) == 1 and on_network[0]["id"] == reply.post.external_id
    assert on_network[0]["parent_id"] == comment.external_id
    assert reply.post.metrics_due_at is None  # a reply is no post for reach

    conversations_listen(every=True)
    assert conversation.comments.filter(external_id=reply.post.external_id, ours=True).exists()


def test_a_crisis_hold_stops_replies_too(world, sandbox):
    tree, embassies = world
    post = next(p for p in publish(tree) if p.embassy.slug == "paris")
    conversation = Conversation.objects.get_or_create(post=post, embassy=post.embassy, network=post.network)[0]
    writer, second = staff(embassies["paris"], "w2"), staff(embassies["paris"], "s2")
    reply = inbox.reply_draft(conversation=conversation, user=writer, text="We hear you.")
    lead = UserFactory(username="lead", groups=["Communications leads"])
    inbox.story_hold(conversation=conversation, user=lead)
    assert Hold.objects.active().filter(scope=Hold.Scope.STORY).count() == 1
    inbox.reply_approve(reply=reply, user=second)
    delivery.posts_dispatch()
    reply.post.refresh_from_db()
    assert reply.post.state == State.HELD
    assert Event.objects.filter(conversation=conversation, kind=Event.Kind.STORY_HELD).exists()


@pytest.mark.parametrize("network", ["facebook", "x"])
def test_hiding_a_comment_hides_it_on_the_network(world, sandbox, network):
    tree, _ = world
    post = next(p for p in publish(tree) if p.network == network)
    sandbox.advance(8 * 3600)
    conversations_listen(every=True)
    comment = Comment.objects.filter(conversation__post=post, ours=False).first()
    person = staff(post.embassy, "hider")
    inbox.comment_hide(comment=comment, user=person, hidden=True)
    assert network_comments(sandbox, post)[comment.external_id]["hidden"] is True
    inbox.comment_hide(comment=comment, user=person, hidden=False)
    assert network_comments(sandbox, post)[comment.external_id]["hidden"] is False
    assert Comment.objects.get(pk=comment.pk).hidden is False


def test_an_escalation_tells_the_head_of_mission_and_needs_them_for_replies(world, sandbox):
    tree, embassies = world
    paris = embassies["paris"]
    post = next(p for p in publish(tree) if p.embassy.slug == "paris" and p.network == "x")
    head = staff(paris, "ambassador", head=True)
    writer, second = staff(paris, "w3"), staff(paris, "s3")
    Counterpart.objects.create(embassy=paris, name="Host Ministry", kind="ministry", x_handle="hostmfa", phone="+33 1")
    WatchTerm.objects.create(term="disgrace", language="")
    conversations_listen(every=True)
    conversation = Conversation.objects.get(post=post)
    draft = inbox.reply_draft(conversation=conversation, user=writer, text="We are listening.")
    for text, handle in (("This is a disgrace.", "angry1"), ("We protest.", "hostmfa")):
        requests.post(
            f"{sandbox.url}/_sandbox/posts/{post.external_id}/comments",
            json={"text": text, "author_name": handle, "author_handle": handle},
            timeout=10,
        ).raise_for_status()
    mail.outbox.clear()
    with django_capture_on_commit():
        conversations_listen(every=True)
    conversation.refresh_from_db()
    assert conversation.escalated_at is not None and conversation.score >= 50
    assert any("Host Ministry" in reason for reason in conversation.reasons)
    assert any("disgrace" in reason for reason in conversation.reasons)
    assert [m for m in mail.outbox if head.email in m.to]
    draft.post.refresh_from_db()
    assert draft.post.sensitive
    with pytest.raises(ValidationError):
        inbox.reply_approve(reply=draft, user=second)
    inbox.reply_approve(reply=draft, user=head)
    inbox.outcome_record(conversation=conversation, user=head, kind=Event.Kind.CALLED, note="Spoke to the director.")
    assert list(conversation.events.values_list("kind", flat=True)).count(Event.Kind.ESCALATED) == 1


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_retention_erases_text_and_author_and_keeps_counts(world, sandbox):
    tree, _ = world
    publish(tree)
    sandbox.advance(8 * 3600)
    conversations_listen(every=True)
    count = Comment.objects.count()
    assert count > 0
    assert comments_erase(now=timezone.now() + timedelta(days=91)) == count
    assert set(Comment.objects.values_list("text", "author_name", "author_handle")) == {("", "", "")}
    assert Conversation.objects.filter(comments_count__gt=0).exists()


def test_staff_of_one_embassy_never_see_another_embassys_conversations(world, sandbox, client):
    tree, embassies = world
    publish(tree)
    sandbox.advance(8 * 3600)
    conversations_listen(every=True)
    person = staff(embassies["paris"], "parisian")
    cairo = Conversation.objects.filter(embassy=embassies["cairo"]).first()
    paris = Conversation.objects.filter(embassy=embassies["paris"]).first()
    with pytest.raises(PermissionDenied):
        inbox.conversation_for(person, cairo.pk)
    client.force_login(person)
    listing = client.get(reverse("listening_inbox"))
    assert listing.status_code == 200
    assert f'data-conversation="{paris.pk}"' in listing.text and f'data-conversation="{cairo.pk}"' not in listing.text
    refused = {reverse("wagtailadmin_home")}  # Wagtail's answer to PermissionDenied: back home, with a message
    assert client.get(reverse("listening_conversation", args=[cairo.pk])).url in refused
    for name in (
        "listening_state",
        "listening_assign",
        "listening_note",
        "listening_hide",
        "listening_reply",
        "listening_outcome",
        "listening_story_hold",
    ):
        answer = client.post(reverse(name, args=[cairo.pk]), {"text": "x", "state": "done", "kind": "called"})
        assert answer.status_code == 302 and answer.url in refused, name
    assert not Event.objects.filter(conversation=cairo).exists()
    page = client.get(reverse("listening_conversation", args=[paris.pk]))
    assert page.status_code == 200
