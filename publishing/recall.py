"""Recall: a story's published posts deleted from every account as a background job, one task a post, with its
progress kept; the story's posts that had not gone yet are withdrawn with the recall's reason."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from embassies.credentials import CredentialsUnreadable
from portal.models import StoryPage
from portal.validators import reason_clean

from .audit import audit, posts_move, transition
from .channels import channel_for_account
from .channels.base import ChannelError, Transient
from .models import Post, Recall
from .queueing import POST_RECALL_TASK, tasks_enqueue
from .targets import story_source

logger = logging.getLogger(__name__)
State = Post.State
RECALL = "publishing.recall_post"
REASON_MAX = 500
# Posts that have not reached a network: a recall withdraws them. A post being sent, or whose answer was lost, may
# be live in a moment: it stays, and shows as still live if it is, for the recall to be run again.
NOT_GONE = [State.PROPOSED, State.SCHEDULED, State.HELD, State.QUEUED]


def story_recall_start(*, story: StoryPage, user, reason: str, confirm: bool) -> Recall:
    """Withdraw what has not gone, and queue the deletion of every published post; returns at once."""
    if user is not None and not user.has_perm(RECALL):
        raise PermissionDenied(_("Recalling a story needs the recall permission."))
    if not confirm:
        raise ValidationError(_("Recalling a story deletes its posts from every account; confirm to go ahead."))
    missing = _("Say why the story is recalled: the embassies read it on every withdrawn post.")
    reason = reason_clean(reason, limit=REASON_MAX, missing=missing)
    source = story_source(story)
    now = timezone.now()
    with transaction.atomic():
        waiting = Post.objects.select_for_update(of=("self",)).filter(distribution__story=source, state__in=NOT_GONE)
        changes = {
            "state": State.SKIPPED,
            "reason": _("Withdrawn by a recall: %(reason)s") % {"reason": reason},
            "held_for": "",
            "updated_at": now,
        }
        withdrawn = posts_move(waiting, changes, f"chancery.post.{State.SKIPPED}", user=user)
        targets = list(
            Post.objects.filter(distribution__story=source, state=State.PUBLISHED).values_list("pk", "network")
        )
        recall = Recall.objects.create(
            story=source,
            reason=reason,
            requested_by=user,
            total=len(targets),
            withdrawn=len(withdrawn),
            finished_at=None if targets else now,
        )
        transaction.on_commit(lambda: tasks_enqueue(POST_RECALL_TASK, targets, extra=(recall.pk,)))
    return recall


def post_recall(*, post_id: int, recall_id: int) -> str:
    """Delete one published post; a post the network no longer holds is recalled too, a refusal is counted as failed
    with its reason (the post stays published, as it is on the network)."""
    post = Post.objects.select_related("account").get(pk=post_id)
    if post.state != State.PUBLISHED:
        _recall_count(recall_id, deleted=post.state == State.RECALLED)
        return post.state
    try:
        channel = channel_for_account(post.account)
        _delete(channel, post.external_id)
    except (ChannelError, CredentialsUnreadable) as error:
        if _gone_from_network(post):
            return _recalled(post, recall_id, detail=_("No longer on the network."))
        reason = _("Recall failed: %(error)s") % {"error": error}
        Post.objects.filter(pk=post.pk, state=State.PUBLISHED).update(reason=reason[:2000], updated_at=timezone.now())
        audit([post], "chancery.post.recall_failed", reason=str(error))
        _recall_count(recall_id, deleted=False)
        return post.state
    return _recalled(post, recall_id)


def _delete(channel, external_id: str) -> None:
    """A passing fault is tried once more at once; anything else (a wait the network asks for) is the next run's."""
    try:
        channel.delete(external_id)
    except Transient:
        channel.delete(external_id)


def _gone_from_network(post: Post) -> bool:
    """Whether the network no longer shows the post (a refused delete of a post already gone)."""
    try:
        return channel_for_account(post.account).find_by_marker(post.marker) is None
    except (ChannelError, CredentialsUnreadable):
        return False


def _recalled(post: Post, recall_id: int, *, detail: str = "") -> str:
    with transaction.atomic():
        transition(post, State.RECALLED, from_states=[State.PUBLISHED], reason=detail, metrics_due_at=None)
        _recall_count(recall_id, deleted=True)
    return post.state


def _recall_count(recall_id: int, *, deleted: bool) -> None:
    field = "deleted" if deleted else "failed"
    Recall.objects.filter(pk=recall_id).update(**{field: F(field) + 1})
    Recall.objects.filter(pk=recall_id, finished_at__isnull=True, total__lte=F("deleted") + F("failed")).update(
        finished_at=timezone.now()
    )


def recall_still_live(recall: Recall):
    """The story's posts still on a network: what a recall that could not delete everything says."""
    return Post.objects.filter(distribution__story=recall.story, state=State.PUBLISHED).select_related("embassy")
