"""The listener: reads the comments and replies of every post still in its listening window, on a decaying
schedule kept in the database, in as few calls as the networks allow, and stores each comment once.

Facebook: Graph batches of 50 posts, each with its Page's token, only what is newer than the last comment held
(and the whole thread once a day, so edits and deletions show). X: a conversation search per post with `since_id`
(X bills every post it returns, and nothing for an empty answer), skipped when the post's reply count from the
reach collector has not moved, and stopped at the month's read budget."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from embassies.credentials import CredentialsUnreadable
from embassies.models import SocialAccount
from embassies.services import account_refresh_x_token

from ..channels import channel_for_account
from ..channels.base import AuthExpired, ChannelError, RateLimited, Rejected, RemoteComment
from ..channels.facebook import pages_comments
from ..models import Post
from .escalation import conversations_escalate
from .hours import office_deadline
from .models import Comment, Conversation, Counterpart, EmbassyListening, ListeningPass

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
FULL_READ_EVERY = timedelta(hours=24)
NOT_ALLOWED = "reconnect to listen"


def schedule() -> list[timedelta]:
    return [timedelta(minutes=m) for m in sorted(settings.LISTENING_SCHEDULE_MINUTES)]


def window() -> timedelta:
    steps = schedule()
    return min(steps[-1] if steps else timedelta(0), timedelta(days=7))  # X's recent search sees seven days


def next_due(published_at: datetime, now: datetime) -> datetime | None:
    """The first scheduled read after `now`, or None once the post has left its listening window."""
    return next((published_at + s for s in schedule() if published_at + s > now and s <= window()), None)


def reads_a_day(network: str = "x") -> float:
    """Scheduled reads of one post in its first day (what a post costs at most under the default schedule)."""
    return sum(1 for s in schedule() if s <= timedelta(days=1))


@dataclass
class ListenReport:
    posts: int = 0
    skipped: int = 0
    calls: dict = field(default_factory=lambda: {"facebook": 0, "x": 0})
    minimum_calls: int = 0
    x_reads: int = 0
    new_comments: int = 0
    budget_stopped: int = 0
    failed: int = 0
    escalated: int = 0
    read_ids: list = field(default_factory=list)

    def line(self) -> str:
        return (
            f"Listened to {self.posts} posts ({self.skipped} unchanged, skipped); calls: facebook "
            f"{self.calls['facebook']}, x {self.calls['x']} (the networks' minimum {self.minimum_calls}); new "
            f"comments {self.new_comments}; X reads spent {self.x_reads}; stopped by the X budget "
            f"{self.budget_stopped}; failed {self.failed}; escalated {self.escalated}."
        )


def x_reads_this_month(now: datetime | None = None) -> int:
    now = now or timezone.now()
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return ListeningPass.objects.filter(at__gte=start).aggregate(n=Sum("x_reads"))["n"] or 0


def conversations_open(*, now: datetime) -> int:
    """A conversation for every published post still in its listening window that has none yet."""
    posts = (
        Post.objects.filter(
            state=Post.State.PUBLISHED, reply_to="", published_at__gte=now - window(), conversation__isnull=True
        )
        .exclude(external_id="")
        .values_list("pk", "embassy_id", "network", "published_at")
    )
    made = [
        Conversation(
            post_id=pk, embassy_id=embassy_id, network=network, listen_due_at=next_due(published_at, published_at)
        )
        for pk, embassy_id, network, published_at in posts
    ]
    Conversation.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def _claim(*, now: datetime, every: bool, story=None, limit: int) -> list[Conversation]:
    due = Conversation.objects.filter(listen_due_at__isnull=False)
    if story is not None:
        due = due.filter(post__distribution__story__translation_key=story.translation_key)
    if not every:
        due = due.filter(listen_due_at__lte=now)
    with transaction.atomic():
        ids = list(
            due.order_by("listen_due_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        Conversation.objects.filter(pk__in=ids).update(listen_due_at=now + LEASE)
    return list(Conversation.objects.filter(pk__in=ids).select_related("post__account", "embassy"))


def _token(account: SocialAccount) -> str | None:
    if account.status != SocialAccount.Status.CONNECTED:
        return None
    try:
        return account.credentials_get().get("access_token") or None
    except CredentialsUnreadable:
        return None


def conversations_listen(
    *, now: datetime | None = None, every: bool = False, story=None, limit: int | None = None
) -> ListenReport:
    """One pass: every conversation due (with `every`, every one still in its window), read and stored. One
    post's error never stops the pass."""
    now = now or timezone.now()
    report = ListenReport()
    conversations_open(now=now)
    claimed = _claim(now=now, every=every, story=story, limit=limit or settings.LISTENING_PASS_LIMIT)
    read: list[Conversation] = []
    for conversation in claimed:
        post = conversation.post
        moved = post.latest_comments is None or post.latest_comments != conversation.replies_seen
        full = _full_read_due(conversation, now)
        if not (every or moved or full or conversation.listened_at is None):
            report.skipped += 1
            _done(conversation, now=now, found=None)
            continue
        read.append(conversation)
    by_network = defaultdict(list)
    for conversation in read:
        by_network[conversation.network].append(conversation)
    if by_network["facebook"]:
        _facebook(by_network["facebook"], now=now, report=report)
    if by_network["x"]:
        _x(by_network["x"], now=now, report=report)
    report.escalated += conversations_escalate(report.read_ids, now=now)  # scored once, after the pass
    ListeningPass.objects.create(
        posts=report.posts,
        calls_facebook=report.calls["facebook"],
        calls_x=report.calls["x"],
        minimum_calls=report.minimum_calls,
        x_reads=report.x_reads,
        new_comments=report.new_comments,
    )
    logger.info(report.line())
    return report


def _full_read_due(conversation: Conversation, now: datetime) -> bool:
    return conversation.listened_at is not None and (
        conversation.full_read_at is None or now - conversation.full_read_at >= FULL_READ_EVERY
    )


def _facebook(conversations: list[Conversation], *, now: datetime, report: ListenReport) -> None:
    reads, by_external = [], {}
    for conversation in conversations:
        token = _token(conversation.post.account)
        if token is None:
            report.failed += 1
            _done(conversation, now=now, found=AuthExpired("the account needs reconnecting"))
            continue
        full = _full_read_due(conversation, now)
        since = None if full or not conversation.since else int(conversation.since)
        reads.append((conversation.post.external_id, token, since))
        by_external[conversation.post.external_id] = (conversation, full)
    if not reads:
        return
    answer = pages_comments(reads)
    report.calls["facebook"] += answer.calls
    report.minimum_calls += -(-len(reads) // 50)
    for external_id, (conversation, full) in by_external.items():
        found = answer.results.get(external_id, ChannelError("Facebook gave no answer for the post"))
        _store(conversation, found, now=now, report=report, full=full)


def _x(conversations: list[Conversation], *, now: datetime, report: ListenReport) -> None:
    spent = x_reads_this_month(now)
    by_account: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_account[conversation.post.account_id].append(conversation)
    for account_conversations in by_account.values():
        account = account_conversations[0].post.account
        if spent + report.x_reads >= settings.LISTENING_X_MONTHLY_READS:
            report.budget_stopped += len(account_conversations)
            for conversation in account_conversations:
                _done(conversation, now=now, found=None, retry=True)
            continue
        if _token(account) is None:
            report.failed += len(account_conversations)
            for conversation in account_conversations:
                _done(conversation, now=now, found=AuthExpired("the account needs reconnecting"))
            continue
        try:
            channel = channel_for_account(account)
        except CredentialsUnreadable as error:
            for conversation in account_conversations:
                _done(conversation, now=now, found=AuthExpired(str(error)))
            continue
        asked = {c.post.external_id: c.since for c in account_conversations}
        answer = channel.replies_read(asked)
        if any(isinstance(found, AuthExpired) for found in answer.results.values()):
            # An access token lives two hours: refreshed once, then read again.
            try:
                account = account_refresh_x_token(account_id=account.pk, force=True)
                again = channel_for_account(account).replies_read(asked)
                again.calls += answer.calls
                answer = again
            except (ChannelError, CredentialsUnreadable) as error:
                logger.info("X account %s could not be refreshed for listening: %s", account.pk, error)
        report.calls["x"] += answer.calls
        report.minimum_calls += len(account_conversations)
        report.x_reads += answer.billed_reads
        for conversation in account_conversations:
            found = answer.results.get(conversation.post.external_id, ChannelError("X gave no answer"))
            newest = answer.newest.get(conversation.post.external_id)
            _store(conversation, found, now=now, report=report, full=False, newest=newest)


def _done(conversation: Conversation, *, now: datetime, found, retry: bool = False) -> None:
    """Set the conversation's next read: the schedule's next step, sooner after a passing failure, later after a
    refusal, and never once the window is over."""
    due = next_due(conversation.post.published_at, now)
    if isinstance(found, RateLimited):
        due = max(found.until, now + timedelta(minutes=1)) if due else None
    elif isinstance(found, ChannelError) or retry:
        due = min(due, now + timedelta(minutes=15)) if due else None
    Conversation.objects.filter(pk=conversation.pk).update(listen_due_at=due)


def _refused(error: ChannelError) -> bool:
    """The network refused for want of a permission the account was not connected with."""
    return (isinstance(error, Rejected) and error.code in {"10", "200", "403"}) or "permitted" in str(error)


def _store(
    conversation: Conversation, found, *, now: datetime, report: ListenReport, full: bool, newest: str | None = None
) -> None:
    if isinstance(found, ChannelError):
        report.failed += 1
        logger.info("conversation %s not read: %s", conversation.pk, found)
        if _refused(found):
            SocialAccount.objects.filter(pk=conversation.post.account_id).update(last_error=NOT_ALLOWED)
        _done(conversation, now=now, found=found)
        return
    report.posts += 1
    with transaction.atomic():
        report.new_comments += comments_store(conversation, found, now=now, full=full)
        fields = {
            "listened_at": now,
            "replies_seen": conversation.post.latest_comments,
            "listen_due_at": next_due(conversation.post.published_at, now),
        }
        if full:
            fields["full_read_at"] = now
        if conversation.network == "facebook":
            newest_at = conversation.comments.aggregate(t=Max("created_at"))["t"]
            fields["since"] = str(int(newest_at.timestamp())) if newest_at else ""
        elif newest:
            fields["since"] = newest
        Conversation.objects.filter(pk=conversation.pk).update(**fields)
    report.read_ids.append(conversation.pk)


def comments_store(conversation: Conversation, found: list[RemoteComment], *, now: datetime, full: bool) -> int:
    """Store what the network gave: new comments once, changed text and hidden state, and (after a read of the
    whole thread) the disappearance of those it no longer shows. Returns how many were new."""
    network = conversation.network
    known = {c.external_id: c for c in Comment.objects.filter(network=network, conversation=conversation)}
    own_id = conversation.post.account.external_id
    counterparts = _counterparts(conversation.embassy_id)
    new, changed = [], []
    for remote in {r.external_id: r for r in found}.values():
        existing = known.get(remote.external_id)
        if existing is None:
            new.append(
                Comment(
                    conversation=conversation,
                    network=network,
                    external_id=remote.external_id,
                    parent_external_id=remote.parent_id,
                    author_id=remote.author_id,
                    author_name=remote.author_name[:200],
                    author_handle=remote.author_handle[:100],
                    text=remote.text,
                    language=remote.language[:10] or conversation.post.language,
                    created_at=remote.created_at or now,
                    hidden=bool(remote.hidden),
                    ours=remote.author_id == own_id,
                    counterpart_id=counterparts.get(("x", remote.author_handle.lower()))
                    or counterparts.get(("facebook", remote.author_id)),
                )
            )
            continue
        if existing.erased_at is not None:
            continue
        if remote.text != existing.text:
            existing.text, existing.edited_at = remote.text, now
            changed.append(existing)
        elif remote.hidden is not None and remote.hidden != existing.hidden:
            existing.hidden = remote.hidden
            changed.append(existing)
        elif existing.deleted_at is not None:
            existing.deleted_at = None
            changed.append(existing)
    Comment.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Comment.objects.bulk_update(changed, ["text", "edited_at", "hidden", "deleted_at"])
    if full and conversation.network == "facebook":
        seen = {r.external_id for r in found}
        gone = [
            pk for external_id, c in known.items() if external_id not in seen and c.deleted_at is None for pk in [c.pk]
        ]
        Comment.objects.filter(pk__in=gone).update(deleted_at=now)
    others = [c for c in new if not c.ours]
    if new or changed or full:
        conversation_counts_update(conversation, now=now, reopen=bool(others))
    return len(new)


def _counterparts(embassy_id: int) -> dict[tuple[str, str], int]:
    found = {}
    for pk, facebook_id, handle in Counterpart.objects.filter(embassy_id=embassy_id).values_list(
        "pk", "facebook_id", "x_handle"
    ):
        if facebook_id:
            found[("facebook", facebook_id)] = pk
        if handle:
            found[("x", handle.lstrip("@").lower())] = pk
    return found


def conversation_counts_update(conversation: Conversation, *, now: datetime, reopen: bool) -> None:
    """The conversation's counts and times after new comments; new words from others open it again, and start
    the response-time clocks (in the embassy's office hours)."""
    figures = conversation.comments.filter(deleted_at__isnull=True, ours=False).aggregate(
        n=Count("pk"), last=Max("created_at"), first=Min("created_at")
    )
    fields = {
        "comments_count": figures["n"],
        "last_activity_at": figures["last"],
        "first_comment_at": figures["first"],
    }
    if reopen:
        settings_of = EmbassyListening.objects.filter(embassy_id=conversation.embassy_id).first() or EmbassyListening(
            embassy_id=conversation.embassy_id
        )
        zone = conversation.embassy.zone
        fields["state"] = Conversation.State.NEW
        if conversation.state != Conversation.State.NEW or conversation.look_due_at is None:
            fields["look_due_at"] = office_deadline(now, settings_of.first_look, settings_of, zone)
        if conversation.replied_at is None and conversation.reply_due_at is None and figures["first"]:
            fields["reply_due_at"] = office_deadline(figures["first"], settings_of.first_reply, settings_of, zone)
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    for name, value in fields.items():
        setattr(conversation, name, value)


def hint_received(*, network: str, post_external_id: str, now: datetime | None = None) -> int:
    """A webhook said something changed under this post: read it at the next pass, whatever its schedule says (the
    read, not the hint, decides what is stored)."""
    now = now or timezone.now()
    return Conversation.objects.filter(
        Q(listen_due_at__gt=now) | Q(listen_due_at__isnull=True),
        network=network,
        post__external_id=post_external_id,
        post__published_at__gte=now - window(),
    ).update(listen_due_at=now, replies_seen=None)
