"""The publisher's services: plan, approve, dispatch, publish, reconcile, sweep, hold and recall.

Every change of a post's state is one conditional UPDATE (`filter(pk=…, state=…)`), so two workers can
never both move a post, and every change is written to the audit log with who or what made it.
"""

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from wagtail.models import ModelLogEntry, Page

from embassies.credentials import CredentialsUnreadable
from embassies.models import Embassy, Region, SocialAccount
from embassies.services import account_mark_needs_reconnect, account_refresh_x_token
from portal.models import StoryPage
from portal.validators import reason_clean

from . import hotpath, limits
from .channels import channel_for_account
from .channels.base import AuthExpired, ChannelError, Duplicate, RateLimited, Rejected, Transient
from .localize import compose, story_for_languages
from .models import Distribution, Hold, Post, PostAttempt
from .reach.collect import first_due
from .sensitivity import approvable_by, heads_notify, post_approvable_by, post_is_sensitive, sensitive_reason
from .targets import story_source, target_accounts
from .text import post_text_problems
from .xbill import posts_budget_apply

logger = logging.getLogger(__name__)
State = Post.State

# The tasks (publishing.tasks) sit above the services and call them; the services enqueue them by name.
POSTS_DISPATCH_TASK = "publishing.tasks.posts_dispatch_task"
POST_PUBLISH_TASK = "publishing.tasks.post_publish_task"
POST_RECONCILE_TASK = "publishing.tasks.post_reconcile_task"
POST_RECALL_TASK = "publishing.tasks.post_recall_task"
PUBLISHER = "publisher"
MAX_TRANSIENT_ATTEMPTS = 8
USAGE_WORTH_KEEPING = 50  # percent of the network's allowance
LINK_WAIT = timedelta(minutes=5)
CHECK_LEASE = timedelta(seconds=60)  # an unconfirmed post's lookup in flight; past it, the lookup is queued again


# Audit ------------------------------------------------------------------------------------------


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
        ModelLogEntry.objects.bulk_create([*logged_before, *_change_entries(post, to, fields, user=user)])
    return bool(updated)


def _change_entries(post: Post, to: str, fields: dict, *, user=None) -> list[ModelLogEntry]:
    """The audit entry of a post's move to `to`, with the reason among the changed fields."""
    return _log_entries([post], f"chancery.post.{to}", user=user, data={"reason": fields.get("reason", "")})


def _sending_entries(post: Post, *, claimed_at: datetime) -> list[ModelLogEntry]:
    return _log_entries([post], f"chancery.post.{State.SENDING}", data={"reason": ""}, at=claimed_at)


# Holds ------------------------------------------------------------------------------------------


def hold_covering() -> Exists:
    """True for a post that an active hold covers: the one statement of what each scope holds, used both for
    sets of posts (dispatch, holding, releasing) and for the single post a worker claims."""
    return Exists(
        Hold.objects.active().filter(
            Q(scope=Hold.Scope.ALL)
            | Q(scope=Hold.Scope.REGION, region=OuterRef("embassy__region"))
            | Q(scope=Hold.Scope.EMBASSY, embassy_id=OuterRef("embassy_id"))
            | Q(scope=Hold.Scope.STORY, story__translation_key=OuterRef("distribution__story__translation_key"))
        )
    )


HOLD_REASON_MAX = 500


def hold_set(
    *,
    scope: str,
    reason: str,
    user=None,
    region: str = "",
    embassy: Embassy | None = None,
    story: StoryPage | None = None,
) -> Hold:
    """Hold every post the scope covers from now on. A hold must name something that exists, and one equal to a
    hold already in force is refused (with that hold, for the caller to point at)."""
    reason = reason_clean(reason, limit=HOLD_REASON_MAX, missing=_("A hold needs a reason."))
    if scope not in Hold.Scope.values:
        raise ValidationError(_("Choose what to hold: everything, a region, an embassy or a story."))
    target = {
        Hold.Scope.ALL: {},
        Hold.Scope.REGION: {"region": region},
        Hold.Scope.EMBASSY: {"embassy": embassy},
        Hold.Scope.STORY: {"story": story},
    }[scope]
    if scope == Hold.Scope.REGION and region not in Region.values:
        raise ValidationError(
            _("Choose a region from the list: %(regions)s.") % {"regions": ", ".join(str(r.label) for r in Region)}
        )
    if any(value is None for value in target.values()):
        raise ValidationError(_("Choose what to hold: a region, an embassy or a story to go with the scope."))
    if scope == Hold.Scope.STORY:
        # A story is held in every language: a hold on any of its translations is the same hold.
        same = Hold.objects.active().filter(scope=scope, story__translation_key=story.translation_key)
    else:
        same = Hold.objects.active().filter(scope=scope, **target)
    if existing := same.first():
        raise ValidationError(
            _("An equal hold is already in force (set %(when)s UTC): release it or change it instead."),
            code="duplicate",
            params={"when": existing.set_at.strftime("%Y-%m-%d %H:%M"), "hold": existing},
        )
    hold = Hold.objects.create(scope=scope, reason=reason, set_by=user, **target)
    posts_hold_apply()
    return hold


def posts_hold_apply() -> int:
    """Hold every waiting post an active hold covers; a queued post is held here or, at the latest, at claim."""
    if not Hold.objects.active().exists():
        return 0
    with transaction.atomic():
        posts = list(
            Post.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(hold_covering(), state__in=[State.SCHEDULED, State.QUEUED])
            .only("pk")
        )
        Post.objects.filter(pk__in=[p.pk for p in posts]).update(
            state=State.HELD, held_for="hold", reason=_("Held: a crisis hold is in force."), updated_at=timezone.now()
        )
        audit(posts, "chancery.post.held")
    return len(posts)


def hold_release(*, hold: Hold, user=None) -> int:
    """Release a hold, noting how many posts it was holding; they go back to the schedule unless another hold
    still covers them."""
    with transaction.atomic():
        holding = Post.objects.filter(hold.posts_covered(), state=State.HELD, held_for="hold").count()
        if not Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=user, posts_held=holding
        ):
            return 0
        waiting = (
            Post.objects.select_for_update(of=("self",))
            .filter(state=State.HELD, held_for="hold")
            .exclude(hold_covering())
        )
        posts = list(waiting.only("pk"))
        Post.objects.filter(pk__in=[p.pk for p in posts]).update(
            state=State.SCHEDULED, held_for="", reason="", updated_at=timezone.now()
        )
        audit(posts, "chancery.post.scheduled", user=user, reason="hold released")
        if posts:
            dispatch_soon()
    return len(posts)


# Planning ---------------------------------------------------------------------------------------


def distribution_plan(*, story: StoryPage, user=None, update: bool = False, request=None) -> Distribution | None:
    """One post per target account, created in one insert; planning twice creates nothing twice."""
    source = story_source(story)
    if not source.live:
        return None
    with transaction.atomic():
        if update:
            last = Distribution.objects.filter(story=source).order_by("-sequence").first()
            distribution = Distribution.objects.create(
                story=source, sequence=(last.sequence + 1) if last else 0, created_by=user
            )
        else:
            distribution, created = Distribution.objects.get_or_create(
                story=source, sequence=0, defaults={"created_by": user}
            )
            if not created:
                return None
        translations = {
            page.locale.language_code: page
            for page in StoryPage.objects.live()
            .public()
            .filter(translation_key=source.translation_key)
            .select_related("locale", "hero_image")
        }
        now = timezone.now()
        concerned = set(source.countries.values_list("code", flat=True))
        posts = []
        for account in target_accounts(source):
            embassy = account.embassy
            post = Post(distribution=distribution, account=account, embassy=embassy, network=account.network)
            post_compose(post, translations=translations, source=source, request=request)
            post.sensitive = post_is_sensitive(story=source, embassy=embassy, country_codes=concerned)
            if post.sensitive:
                post.reason = sensitive_reason(embassy)  # never auto-approved: the head of mission decides
            elif embassy.auto_approve:
                post.state, post.due_at, post.approved_at = State.SCHEDULED, now + embassy.auto_approve_delay, now
            posts.append(post)
        Post.objects.bulk_create(posts)
        audit(posts, "chancery.post.proposed", user=user)
        heads_notify(story=source, embassy_ids={post.embassy_id for post in posts if post.sensitive})
    return distribution


def post_compose(post: Post, *, translations: dict, source: StoryPage, request=None) -> bool:
    """Write the post's text and link in its embassy's best live language; True when the language changed."""
    page, language, fallback = story_for_languages(translations, post.embassy.posting_languages, source)
    if language == post.language:
        return False
    composed = compose(
        story=page, language=language, network=post.network, embassy=post.embassy, marker=post.marker, request=request
    )
    post.text, post.link, post.language, post.fallback = composed.text, composed.link, language, fallback
    post.page = page
    return True


def story_published(*, page: Page, revision) -> Distribution | None:
    """Called on `page_published`: plan only for a live story whose live revision is this one; a translation
    published later re-composes the posts still waiting for review in that language."""
    story = page.specific
    if not isinstance(story, StoryPage) or not story.live or story.live_revision_id != getattr(revision, "pk", None):
        return None
    source = story_source(story)
    if story.pk != source.pk:
        posts_relocalize(story=source)
        return None
    return distribution_plan(story=story, user=getattr(revision, "user", None))


def posts_relocalize(*, story: StoryPage) -> int:
    """Proposed posts move to a better language once its translation is live."""
    translations = {
        page.locale.language_code: page
        for page in StoryPage.objects.live()
        .public()
        .filter(translation_key=story.translation_key)
        .select_related("locale")
    }
    changed = []
    proposed = Post.objects.filter(distribution__story=story, state=State.PROPOSED).select_related("embassy")
    for post in proposed:
        if post_compose(post, translations=translations, source=story):
            changed.append(post)
    Post.objects.bulk_update(changed, ["text", "link", "language", "fallback", "page"])
    audit(changed, "chancery.post.proposed", reason="translation published")
    return len(changed)


# Review -----------------------------------------------------------------------------------------


def post_text_validate(*, network: str, text: str, link: str = "") -> None:
    if problems := post_text_problems(network=network, text=text, link=link):
        raise ValidationError(problems)


def post_approve(*, post: Post, user, due_at: datetime | None = None, text: str | None = None) -> Post:
    if not post_approvable_by(post=post, user=user):
        raise ValidationError(sensitive_reason(post.embassy))
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


def post_skip(*, post: Post, user) -> bool:
    return transition(post, State.SKIPPED, from_states=[State.PROPOSED, State.SCHEDULED, State.HELD], user=user)


# Dispatch and delivery --------------------------------------------------------------------------


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


def dispatch_soon() -> None:
    """Posts that are due now need not wait for beat's next tick: a worker is asked to dispatch as soon as the
    current transaction commits. Beat's tick stays the guarantee: with the broker out of reach the posts go at
    that tick, and whoever approved them sees no error."""
    transaction.on_commit(_dispatch_request)


def _dispatch_request() -> None:
    try:
        task_named(POSTS_DISPATCH_TASK).apply_async(retry=False)
    except OperationalError as error:
        logger.warning("Could not ask for a dispatch now (%s); beat's next tick will dispatch.", error)


def task_named(name: str):
    """A task of the layer above, by its registered name: services enqueue tasks without importing them."""
    return current_app.tasks[name]


def tasks_enqueue(task, queued: list[tuple[int, str]], *, extra: tuple = ()) -> None:
    """One message per post on its network's queue, sent as one batch where the broker takes batches (Redis: one
    pipelined round trip instead of one per post). Each queue is declared once here rather than with each
    message. A batch lost to a broker failure leaves its posts `queued` without a message, and the sweeper
    queues them again."""
    if not queued:
        return
    task = task_named(task) if isinstance(task, str) else task
    queues = {network: task.app.amqp.queues[f"publish.{network}"] for network in {n for _pk, n in queued}}
    with task.app.producer_or_acquire() as producer, producer.batch():
        for queue in queues.values():
            producer.maybe_declare(queue)
        for pk, network in queued:
            args = [pk, *extra]
            task.apply_async(
                args=args, queue=queues[network], producer=producer, declare=[], argsrepr=repr(args), kwargsrepr="{}"
            )


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
        published = channel.publish(text=post.text, link=post.link if post.network == "facebook" else None)
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
        metrics_due_at=first_due(post.network, published_at),
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
                logged_before=_sending_entries(post, claimed_at=post.updated_at),
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
    claim = _sending_entries(post, claimed_at=claimed_at)
    if hotpath.available():
        changes = {**fields, "state": to, "updated_at": timezone.now()}
        rows = [attempt, *claim, *_change_entries(post, to, fields)]
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
    if not post.page_live:  # unpublished, or deleted
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
    """Search the account's recent posts for the marker before any second attempt."""
    post = Post.objects.select_related("account").get(pk=post_id)
    if post.state != State.UNCONFIRMED:
        return post.state
    try:
        found = channel_for_account(post.account).find_by_marker(post.marker)
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
            metrics_due_at=first_due(post.network, published_at),
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
            logged_before=_sending_entries(post, claimed_at=claimed_at),
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


# Progress ---------------------------------------------------------------------------------------


def distribution_progress(distribution: Distribution) -> dict[str, int]:
    counts = dict(distribution.posts.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in State.values}


def distribution_waiting_for_people(distribution: Distribution) -> list[str]:
    """What of the distribution cannot move without a person, and whom it waits for, one line each."""
    waiting = []
    sensitive = (
        distribution.posts.filter(state=State.PROPOSED, sensitive=True)
        .values_list("embassy__name")
        .annotate(n=Count("pk"))
        .order_by("embassy__name")
    )
    for embassy, n in sensitive:
        waiting.append(f"{n} wait for the head of mission: {embassy}")
    review = distribution.posts.filter(state=State.PROPOSED, sensitive=False)
    if n := review.count():
        embassies = review.values("embassy").distinct().count()
        waiting.append(f"{n} wait for embassy staff to review them ({embassies} embassies)")
    if n := distribution.posts.filter(state=State.HELD).count():
        waiting.append(f"{n} are held until a lead releases the hold")
    return waiting
