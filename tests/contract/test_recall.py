"""Recall as a background job against the sandbox: withdrawn, deleted, refused, already gone, and who may ask."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from embassies.models import EmbassyMembership
from publishing import approval, recall
from publishing.models import Post, Recall
from tests.factories import UserFactory

from .test_publishing_flow import publish_story, send_all

State = Post.State


@pytest.fixture
def queued(monkeypatch):
    """The recall's per-post tasks, as the broker would carry them; a test runs them as a worker would."""
    sent: list = []
    monkeypatch.setattr(recall, "tasks_enqueue", lambda task, targets, extra=(): sent.append((targets, extra)))
    return sent


def run(queued) -> None:
    for targets, (recall_id,) in queued:
        for post_id, _network in targets:
            recall.post_recall(post_id=post_id, recall_id=recall_id)
    queued.clear()


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", groups=["Communications leads"])


def published_story(tree):
    story = publish_story(tree)["en"]
    approval.posts_approve(posts=Post.objects.exclude(embassy__slug="tokyo"), user=None)
    send_all()
    assert Post.objects.filter(state=State.PUBLISHED).count() == 4
    return story


def test_a_recall_withdraws_waiting_posts_and_deletes_the_published_ones(
    world, sandbox, queued, lead, django_capture_on_commit_callbacks
):
    tree, _ = world
    story = published_story(tree)
    with django_capture_on_commit_callbacks(execute=True):
        started = recall.story_recall_start(story=story, user=lead, reason="Facts changed overnight", confirm=True)
    assert (started.total, started.withdrawn, started.finished_at) == (4, 2, None)
    withdrawn = Post.objects.filter(embassy__slug="tokyo")
    assert {(p.state, p.reason) for p in withdrawn} == {
        (State.SKIPPED, "Withdrawn by a recall: Facts changed overnight")
    }
    assert Post.objects.filter(state=State.PUBLISHED).count() == 4  # nothing deleted in the request itself
    run(queued)
    started.refresh_from_db()
    assert (started.deleted, started.failed) == (4, 0) and started.finished_at is not None
    for post in Post.objects.exclude(embassy__slug="tokyo").select_related("account"):
        assert post.state == State.RECALLED
        assert [r["deleted"] for r in sandbox.posts(post.account.external_id)] == [True]


def test_a_refused_delete_leaves_the_post_published_and_a_second_recall_finishes_it(
    world, sandbox, queued, lead, django_capture_on_commit_callbacks
):
    tree, _ = world
    story = published_story(tree)
    stuck = Post.objects.filter(state=State.PUBLISHED, network="x").select_related("account").first()
    sandbox.faults(stuck.account.external_id, rates={"reject": 1.0})
    with django_capture_on_commit_callbacks(execute=True):
        first = recall.story_recall_start(story=story, user=lead, reason="Wrong figures", confirm=True)
    run(queued)
    first.refresh_from_db()
    stuck.refresh_from_db()
    assert (first.deleted, first.failed) == (3, 1) and first.finished_at is not None
    assert stuck.state == State.PUBLISHED and stuck.reason.startswith("Recall failed:")
    assert list(recall.recall_still_live(first)) == [stuck]
    sandbox.faults(stuck.account.external_id)
    with django_capture_on_commit_callbacks(execute=True):
        second = recall.story_recall_start(story=story, user=lead, reason="Wrong figures", confirm=True)
    run(queued)
    second.refresh_from_db()
    stuck.refresh_from_db()
    assert (second.total, second.deleted, stuck.state) == (1, 1, State.RECALLED)


def test_a_post_already_gone_from_the_network_is_recorded_as_recalled(
    world, sandbox, queued, lead, django_capture_on_commit_callbacks
):
    tree, _ = world
    story = published_story(tree)
    gone = Post.objects.filter(state=State.PUBLISHED, network="facebook").select_related("account").first()
    from publishing.channels import channel_for_account

    channel_for_account(gone.account).delete(gone.external_id)  # someone deleted it on Facebook itself
    with django_capture_on_commit_callbacks(execute=True):
        started = recall.story_recall_start(story=story, user=lead, reason="Outdated", confirm=True)
    run(queued)
    gone.refresh_from_db()
    started.refresh_from_db()
    assert (gone.state, gone.reason) == (State.RECALLED, "No longer on the network.")
    assert (started.deleted, started.failed) == (4, 0)


def test_only_those_with_the_recall_permission_may_recall(world, sandbox, queued, client, lead):
    tree, embassies = world
    story = published_story(tree)
    distribution = story.distributions.get()
    staff = UserFactory(username="staff")
    staff.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=staff, embassy=embassies["paris"])
    approver = UserFactory(username="approver", groups=["Ministry approvers"])
    url = reverse("publishing_recall", args=(distribution.pk,))
    for user in (staff, approver):
        with pytest.raises(PermissionDenied):
            recall.story_recall_start(story=story, user=user, reason="No", confirm=True)
        client.force_login(user)
        client.post(url, {"confirm": "yes", "reason": "Not mine to recall"})
    assert not Recall.objects.exists() and Post.objects.filter(state=State.PUBLISHED).count() == 4
    client.force_login(lead)
    page = client.get(reverse("publishing_distribution", args=(distribution.pk,)))
    assert b'name="reason"' in page.content
    with pytest.raises(ValidationError):
        recall.story_recall_start(story=story, user=lead, reason="  ", confirm=True)
    response = client.post(url, {"confirm": "yes", "reason": "Embargo broken"})
    assert response.status_code == 302 and Recall.objects.get().total == 4
    progress = client.get(reverse("publishing_distribution_progress", args=(distribution.pk,))).json()
    assert progress["recalls"][0]["reason"] == "Embargo broken" and progress["recalls"][0]["finished"] is False
