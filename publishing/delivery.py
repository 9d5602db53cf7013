"""Delivery, the one path a post takes to a network: dispatch (claim due posts under row locks), publish (claim,
call with no transaction open, record), reconcile an unknown outcome by the post's marker before any second
attempt, sweep what was lost, and send an account's held posts back when it reconnects."""

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F
from django.utils import timezone
from django.utils.translation import gettext as _

from embassies.credentials import CredentialsUnreadable
from embassies.models import SocialAccount
from embassies.services import account_mark_needs_reconnect, account_refresh_x_token

from . import hotpath, limits
from .audit import audit, change_entries, posts_move, sending_entries, transition
from .channels import channel_for_account
from .channels.base import AuthExpired, ChannelError, Duplicate, RateLimited, Rejected, Transient
from .holds import hold_covering, posts_hold_apply
from .models import Hold, Post, PostAttempt
from .queueing import POST_PUBLISH_TASK, POST_RECONCILE_TASK, dispatch_soon, tasks_enqueue
from .reach.collect import first_due
from .xbill import posts_budget_apply

logger = logging.getLogger(__name__)
State = Post.State
MAX_TRANSIENT_ATTEMPTS = 8
USAGE_WORTH_KEEPING = 50  # percent of the network's allowance
LINK_WAIT = timedelta(minutes=5)
CHECK_LEASE = timedelta(seconds=60)  # an unconfirmed post's lookup in flight; past it, the lookup is queued again


def posts_dispatch(*, now: datetime | None = None, batch: int = 500, chunk: int = 50) -> list[tuple[int, str]]:
    """Claim due scheduled posts (skipping rows other dispatchers hold) and queue one task per post.

    Claimed `chunk` posts to a transaction, whose messages go out as it commits: the workers start on the first
    posts of a large fan-out while the dispatcher claims the rest."""

    posts_hold_apply()
    now = now or timezone.now()
    posts_budget_apply(now=now)
    posts_unconfirmed_check(now=now)
    queued: list[tuple[int, str]] = []
    while len(queued) < batch:
        size = min(chunk, batch - len(queued))
        with transaction.atomic():
            due = (
                Post.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(state=State.SCHEDULED, due_at__lte=now)
                .exclude(hold_covering())
                .order_by("due_at", "pk")
            )
            these = posts_move(due[:size], {"state": State.QUEUED, "updated_at": now}, "chancery.post.queued")
            transaction.on_commit(lambda these=these: tasks_enqueue(POST_PUBLISH_TASK, these))
        queued += these
        if len(these) < size:
            break
    return queued


def _backoff(attempt: int) -> timedelta:
    base = min(15 * 60, settings.PUBLISHING_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return timedelta(seconds=base * random.uniform(0.75, 1.25))


def post_publish(*, post_id: int) -> str:
    """Claim → call the network (no transaction open) → record the answer (one commit). On PostgreSQL the
    common claim and record are one statement each (see `hotpath`).

    The claim's own audit entry is written with the answer, at the claim's time, in the same commit: one
    statement less per post. A worker that dies mid-call leaves the post `sending`, and the sweeper writes
    that entry and the attempt when it takes the post over."""
    claimed = _post_claim(post_id)
    if isinstance(claimed, str):
        return claimed
    post = claimed
    claimed_at = post.updated_at
    account = post.account
    if (
        account.network == SocialAccount.Network.X
        and account.token_expires_at
        and (account.token_expires_at <= timezone.now() + timedelta(minutes=5))
    ):
        account = account_refresh_x_token(account_id=account.pk)
    try:
        channel = channel_for_account(account)
    except CredentialsUnreadable as error:
        with transaction.atomic():
            state = _record_failure(post, AuthExpired(str(error)), claimed_at=claimed_at)
        return state
    try:
        published = channel.publish(
            text=post.text, link=post.link if post.network == "facebook" else None, reply_to=post.reply_to
        )
    except ChannelError as error:
        with transaction.atomic():
            _usage_keep(account, channel)
            state = _record_failure(post, error, claimed_at=claimed_at)
        if state == State.UNCONFIRMED:
            return post_reconcile(post_id=post.pk, duplicate=isinstance(error, Duplicate))
        return state
    _usage_keep(account, channel)
    _record(
        post,
        State.PUBLISHED,
        PostAttempt.Outcome.PUBLISHED,
        published.external_id,
        claimed_at=claimed_at,
        late_from=[State.UNCONFIRMED],
        external_id=published.external_id,
        external_url=published.url,
        published_at=(published_at := timezone.now()),
        metrics_due_at=None if post.reply_to else first_due(post.network, published_at),
        reason="",
    )
    return post.state


def _post_claim(post_id: int) -> Post | str:
    """Move a queued post to `sending` and return it, or return what became of it instead (its state)."""
    if hotpath.available() and (post := hotpath.post_claim_queued(post_id, now=timezone.now())):
        if wait := _pacing_wait(post):
            # Let it go again: no call was made, so it was no attempt.
            transition(
                post,
                State.SCHEDULED,
                from_states=[State.SENDING],
                logged_before=sending_entries(post, claimed_at=post.updated_at),
                attempts=post.attempts - 1,
                due_at=timezone.now() + wait,
            )
            return post.state
        return post
    with transaction.atomic():
        try:
            post = (
                Post.objects.select_for_update(of=("self",))
                .select_related("account")
                .annotate(any_hold=Exists(Hold.objects.active()), page_live=F("page__live"))
                .get(pk=post_id)
            )
        except Post.DoesNotExist:
            return "missing"
        if post.state != State.QUEUED:
            return post.state
        if blocked := _claim_blocker(post):
            to, fields = blocked
            transition(post, to, from_states=[State.QUEUED], **fields)
            return post.state
        # The row is locked: this update cannot miss. Its audit entry is written with the answer.
        post.state, post.attempts, post.updated_at = State.SENDING, post.attempts + 1, timezone.now()
        Post.objects.filter(pk=post.pk).update(state=post.state, attempts=post.attempts, updated_at=post.updated_at)
    return post


def _record(
    post: Post,
    to: str,
    outcome: str,
    detail: str,
    *,
    claimed_at: datetime,
    late_from: Iterable[str] = (),
    **fields,
) -> None:
    """After the call, in one commit: the post's new state, its attempt and the audit entries of the claim and
    of this change. Should the sweeper have taken the post for lost meanwhile, it has written the claim's
    entry and the attempt: the network's answer replaces its guess at the attempt, and moves the post only
    from `late_from`."""
    attempt = PostAttempt(
        post=post,
        number=post.attempts,
        started_at=claimed_at,
        finished_at=timezone.now(),
        outcome=outcome,
        detail=detail[:2000],
    )
    claim = sending_entries(post, claimed_at=claimed_at)
    if hotpath.available():
        changes = {**fields, "state": to, "updated_at": timezone.now()}
        rows = [attempt, *claim, *change_entries(post, to, fields)]
        if hotpath.post_move_and_record(post, from_state=State.SENDING, changes=changes, rows=rows):
            for name, value in changes.items():
                setattr(post, name, value)
            return
    with transaction.atomic():
        if transition(post, to, from_states=[State.SENDING], logged_before=claim, **fields):
            PostAttempt.objects.bulk_create([attempt])
            return
        PostAttempt.objects.bulk_create(
            [attempt],
            update_conflicts=True,
            unique_fields=["post", "number"],
            update_fields=["outcome", "detail", "finished_at"],
        )
        if late_from:
            transition(post, to, from_states=late_from, **fields)


def _claim_blocker(post: Post) -> tuple[str, dict] | None:
    """Why a queued post (as `_post_claim` reads it) may not be sent now — the state it moves to instead and
    why — or None. The pacing slot is taken last, so a post that waits for another reason does not spend one."""
    if post.any_hold and Post.objects.filter(hold_covering(), pk=post.pk).exists():
        return State.HELD, {"held_for": "hold", "reason": _("Held: a crisis hold is in force.")}
    if post.account.status != SocialAccount.Status.CONNECTED:
        return State.HELD, {"held_for": "account", "reason": _("Held: the account needs reconnecting.")}
    if not post.page_live and not post.reply_to:  # unpublished, or deleted (a reply links to no page)
        reason = _("Waiting: the story is not live in %(language)s.") % {"language": post.language}
        return State.SCHEDULED, {"due_at": timezone.now() + LINK_WAIT, "reason": reason}
    if wait := _pacing_wait(post):
        return State.SCHEDULED, {"due_at": timezone.now() + wait}
    return None


def _pacing_wait(post: Post) -> timedelta | None:
    """How long the post's account must wait: the network's own usage report, then the shared pacing, whose slot
    is taken (and counted) only when the answer is None."""
    return limits.usage_wait(post.account) or limits.account_slot(post.account_id, post.network)


def _usage_dict(channel) -> dict:
    usage = channel.usage
    return {
        "remaining": usage.remaining,
        "limit": usage.limit,
        "percent_used": usage.percent_used,
        "reset_at": usage.reset_at.isoformat() if usage.reset_at else None,
    }


def _usage_keep(account: SocialAccount, channel) -> None:
    """Keep the network's usage report on the account once it matters for pacing (from half the allowance),
    and the report that clears it; below that `limits.usage_wait` would do nothing with it."""
    usage = _usage_dict(channel)
    if max(usage["percent_used"] or 0, (account.rate_limit or {}).get("percent_used") or 0) >= USAGE_WORTH_KEEPING:
        SocialAccount.objects.filter(pk=account.pk).update(rate_limit=usage)


# What each kind of error is called in the attempt log; the first that matches (UnknownOutcome is the rest).
FAILURE_OUTCOMES = (
    (RateLimited, PostAttempt.Outcome.RATE_LIMITED),
    (AuthExpired, PostAttempt.Outcome.AUTH_EXPIRED),
    (Rejected, PostAttempt.Outcome.REJECTED),
    (Transient, PostAttempt.Outcome.TRANSIENT),
    (Duplicate, PostAttempt.Outcome.DUPLICATE),
    (ChannelError, PostAttempt.Outcome.UNKNOWN),
)


def _record_failure(post: Post, error: ChannelError, *, claimed_at: datetime) -> str:
    """Record the attempt with what went wrong, and move the post where that kind of error sends it."""
    detail = str(error)
    outcome = next(outcome for kind, outcome in FAILURE_OUTCOMES if isinstance(error, kind))
    if isinstance(error, RateLimited):
        limits.account_pause(post.account_id, until=error.until)
        to, fields = State.SCHEDULED, {"due_at": error.until + timedelta(seconds=random.uniform(0, 5))}
    elif isinstance(error, AuthExpired):
        account_mark_needs_reconnect(account=post.account, reason=detail)
        to, fields = State.HELD, {"held_for": "account", "reason": _("Held: the account needs reconnecting.")}
    elif isinstance(error, Rejected):
        to, fields = State.FAILED, {}
    elif isinstance(error, Transient) and post.attempts >= MAX_TRANSIENT_ATTEMPTS:
        reason = _("Gave up after %(n)s attempts: %(error)s") % {"n": post.attempts, "error": detail}
        to, fields = State.FAILED, {"reason": reason}
    elif isinstance(error, Transient):
        to, fields = State.SCHEDULED, {"due_at": timezone.now() + _backoff(post.attempts)}
    else:  # Duplicate or UnknownOutcome: the post may be on the network already; it is looked up at once, and
        # should that lookup fail, again within seconds (see posts_unconfirmed_check)
        to, fields = State.UNCONFIRMED, {"due_at": timezone.now() + CHECK_LEASE, "checks": 0}
    _record(post, to, outcome, detail, claimed_at=claimed_at, **{"reason": detail, **fields})
    return post.state


def post_reconcile(*, post_id: int, duplicate: bool = False) -> str:
    """Search the account's recent posts for the marker (a reply: the answered thread for its text) before any
    second attempt."""
    post = Post.objects.select_related("account").get(pk=post_id)
    if post.state != State.UNCONFIRMED:
        return post.state
    try:
        channel = channel_for_account(post.account)
        found = (
            channel.find_reply(reply_to=post.reply_to, text=post.text)
            if post.reply_to
            else channel.find_by_marker(post.marker)
        )
    except (ChannelError, CredentialsUnreadable) as error:
        checks = post.checks + 1
        Post.objects.filter(pk=post.pk, state=State.UNCONFIRMED).update(
            checks=checks,
            due_at=timezone.now() + _check_backoff(checks),
            reason=_("Could not look the post up on the network yet (%(error)s): trying again shortly.")
            % {"error": error},
            updated_at=timezone.now(),
        )
        logger.info("reconciliation of post %s postponed (try %s): %s", post.pk, checks, error)
        return post.state
    if found:
        transition(
            post,
            State.PUBLISHED,
            from_states=[State.UNCONFIRMED],
            external_id=found.external_id,
            external_url=found.url,
            published_at=(published_at := found.created_at or timezone.now()),
            metrics_due_at=None if post.reply_to else first_due(post.network, published_at),
            reason="",
        )
    elif duplicate:
        transition(
            post,
            State.FAILED,
            from_states=[State.UNCONFIRMED],
            reason=_("The network says this text is already posted, but no post of ours carries it."),
        )
    else:
        transition(
            post,
            State.SCHEDULED,
            from_states=[State.UNCONFIRMED],
            due_at=timezone.now(),
            reason=_("Not found on the network after a lost answer: sending again."),
        )
    return post.state


def _check_backoff(checks: int) -> timedelta:
    """2, 4, 8, 16, then 30 seconds (with jitter) between lookups that could not reach the network."""
    return timedelta(seconds=min(30, 2**checks) * random.uniform(0.75, 1.25))


def posts_unconfirmed_check(*, now: datetime | None = None, batch: int = 500) -> list[tuple[int, str]]:
    """Queue a lookup for each unconfirmed post whose next lookup is due; its next one is pushed past a lease, so a
    lookup lost with its worker is tried again (and the sweeper remains behind this)."""

    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Post.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(state=State.UNCONFIRMED, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", "network")[:batch]
        )
        if due:
            Post.objects.filter(pk__in=[pk for pk, _network in due]).update(due_at=now + CHECK_LEASE)
            transaction.on_commit(lambda: tasks_enqueue(POST_RECONCILE_TASK, due))
    return due


def posts_sweep(*, sending_after: timedelta | None = None, queued_after: timedelta | None = None) -> dict[str, int]:
    """Posts stuck in `sending` (a worker died mid-call) are reconciled; lost queue messages are re-dispatched."""
    now = timezone.now()
    sending_after = sending_after or timedelta(seconds=settings.PUBLISHING_SWEEP_SENDING_AFTER)
    queued_after = queued_after or timedelta(seconds=settings.PUBLISHING_SWEEP_QUEUED_AFTER)
    stuck = Post.objects.filter(state=State.SENDING, updated_at__lt=now - sending_after)
    reconciled = 0
    for post in stuck.only("pk", "state", "attempts", "updated_at"):
        claimed_at = post.updated_at
        if transition(
            post,
            State.UNCONFIRMED,
            from_states=[State.SENDING],
            reason=_("The worker stopped while sending: checking the network."),
            logged_before=sending_entries(post, claimed_at=claimed_at),
        ):
            # The attempt the dead worker never recorded (should it answer after all, its answer wins).
            lost = PostAttempt(
                post=post,
                number=post.attempts,
                started_at=claimed_at,
                finished_at=now,
                outcome=PostAttempt.Outcome.UNKNOWN,
                detail="worker lost mid-call",
            )
            PostAttempt.objects.bulk_create([lost], ignore_conflicts=True)
            post_reconcile(post_id=post.pk)
            reconciled += 1
    for post in Post.objects.filter(state=State.UNCONFIRMED, updated_at__lt=now - sending_after).only("pk"):
        post_reconcile(post_id=post.pk)
    lost = list(Post.objects.filter(state=State.QUEUED, updated_at__lt=now - queued_after).only("pk", "state"))
    requeued = sum(transition(post, State.SCHEDULED, from_states=[State.QUEUED]) for post in lost)
    return {"reconciled": reconciled, "requeued": requeued}


def account_posts_release(*, account: SocialAccount, user=None) -> int:
    """After reconnecting, the account's held posts go back to the schedule; those already due leave at once."""
    with transaction.atomic():
        posts = list(
            Post.objects.select_for_update(of=("self",))
            .filter(account=account, state=State.HELD, held_for="account")
            .only("pk")
        )
        Post.objects.filter(pk__in=[p.pk for p in posts], state=State.HELD).update(
            state=State.SCHEDULED, held_for="", reason="", updated_at=timezone.now()
        )
        audit(posts, "chancery.post.scheduled", user=user, reason="account reconnected")
        if posts:
            dispatch_soon()
    return len(posts)
