"""Every change of a post's state, and the audit-log entry each writes: one conditional UPDATE (`filter(pk=…,
state=…)`), so two workers can never both move a post, and who or what moved it is always written."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.models import ModelLogEntry

from . import hotpath
from .models import Post

State = Post.State
PUBLISHER = "publisher"


def _log_entries(
    posts: Iterable[Post], action: str, *, user=None, data: dict | None = None, at: datetime | None = None
) -> list[ModelLogEntry]:
    content_type = ContentType.objects.get_for_model(Post)
    at = at or timezone.now()
    return [
        ModelLogEntry(
            content_type=content_type,
            label=str(post.pk),
            action=action,
            object_id=str(post.pk),
            timestamp=at,
            user=user,
            data={"by": user.get_username() if user else PUBLISHER, **(data or {})},
        )
        for post in posts
    ]


def audit(posts: Iterable[Post], action: str, *, user=None, **data) -> None:
    ModelLogEntry.objects.bulk_create(_log_entries(posts, action, user=user, data=data))


def transition(
    post: Post, to: str, *, from_states: Iterable[str], user=None, logged_before: Iterable[ModelLogEntry] = (), **fields
) -> bool:
    """Move a post if, and only if, it is still in one of `from_states`. `logged_before`: the entries of
    earlier changes whose record waited for this one (a claim's, written with the answer; see post_publish)."""
    updated = Post.objects.filter(pk=post.pk, state__in=list(from_states)).update(
        state=to, updated_at=timezone.now(), **fields
    )
    if updated:
        for name, value in fields.items():
            setattr(post, name, value)
        post.state = to
        ModelLogEntry.objects.bulk_create([*logged_before, *change_entries(post, to, fields, user=user)])
    return bool(updated)


def change_entries(post: Post, to: str, fields: dict, *, user=None) -> list[ModelLogEntry]:
    """The audit entry of a post's move to `to`, with the reason among the changed fields."""
    return _log_entries([post], f"chancery.post.{to}", user=user, data={"reason": fields.get("reason", "")})


def sending_entries(post: Post, *, claimed_at: datetime) -> list[ModelLogEntry]:
    return _log_entries([post], f"chancery.post.{State.SENDING}", data={"reason": ""}, at=claimed_at)


def posts_move(picked: QuerySet, changes: dict, action: str, *, user=None) -> list[tuple[int, str]]:
    """Set `changes` on the posts `picked` locks and write each its audit entry; their (id, network) in due
    order. One statement on PostgreSQL (see `hotpath`); inside a transaction."""
    if hotpath.available():
        entry = _log_entries([Post(pk=0)], action, user=user)[0]  # the statement gives it each post's id
        return hotpath.posts_move_logged(picked, changes=changes, entry=entry)
    moved = list(picked.only("pk", "network"))
    Post.objects.filter(pk__in=[p.pk for p in moved]).update(**changes)
    audit(moved, action, user=user)
    return [(p.pk, p.network) for p in moved]
