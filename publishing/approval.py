"""Embassy review of proposed posts: adapt, approve (now or at a local time), approve many, skip."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit, posts_move, transition
from .models import Post
from .queueing import dispatch_soon
from .sensitivity import approvable_by, approval_refusal, post_approvable_by
from .text import post_text_problems

State = Post.State


def post_text_validate(*, network: str, text: str, link: str = "") -> None:
    if problems := post_text_problems(network=network, text=text, link=link):
        raise ValidationError(problems)


def post_approve(*, post: Post, user, due_at: datetime | None = None, text: str | None = None) -> Post:
    if not post_approvable_by(post=post, user=user):
        raise ValidationError(approval_refusal(post=post, user=user))
    if text is not None and text != post.text:
        post_text_validate(network=post.network, text=text, link=post.link)
        Post.objects.filter(pk=post.pk, state__in=[State.PROPOSED, State.SCHEDULED]).update(text=text)
        post.text = text
    due = due_at or timezone.now()
    if timezone.is_naive(due):
        raise ValidationError(_("Give the time with its time zone."))
    if not transition(
        post,
        State.SCHEDULED,
        from_states=[State.PROPOSED, State.SCHEDULED],
        user=user,
        due_at=due,
        approved_by=user,
        approved_at=timezone.now(),
        reason="",
    ):
        raise ValidationError(_("This post can no longer be approved: it is %(state)s.") % {"state": post.state})
    if due <= timezone.now():
        dispatch_soon()
    return post


def post_adapt(*, post: Post, user, text: str) -> Post:
    """Change a proposed post's text without approving it (for a head of mission to approve, say)."""
    post_text_validate(network=post.network, text=text, link=post.link)
    if not Post.objects.filter(pk=post.pk, state=State.PROPOSED).update(text=text, updated_at=timezone.now()):
        raise ValidationError(_("This post can no longer be changed: it is %(state)s.") % {"state": post.state})
    post.text = text
    audit([post], "chancery.post.proposed", user=user, reason="adapted")
    return post


def posts_approve(*, posts: Iterable[Post], user, due_at: datetime | None = None) -> int:
    """Schedule the proposed posts among `posts` (a queryset, or posts), each with its audit entry."""
    ids = posts.values("pk") if isinstance(posts, QuerySet) else [p.pk for p in posts]
    now = timezone.now()
    changes = {
        "state": State.SCHEDULED,
        "reason": "",
        "due_at": due_at or now,
        "approved_by_id": user.pk if user else None,
        "approved_at": now,
        "updated_at": now,
    }
    with transaction.atomic():
        # Sensitive posts the user may not approve are left for their heads of mission.
        picked = (
            Post.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, state=State.PROPOSED)
            .filter(approvable_by(user))
        )
        approved = len(posts_move(picked, changes, "chancery.post.scheduled", user=user))
        if approved and changes["due_at"] <= now:
            dispatch_soon()
    return approved


def post_skip(*, post: Post, user) -> bool:
    return transition(post, State.SKIPPED, from_states=[State.PROPOSED, State.SCHEDULED, State.HELD], user=user)
