"""The collector: reads published posts' figures back from the networks on a schedule kept in the database, in as
few calls as the networks allow, and appends one MetricSnapshot a post and collection."""

import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from embassies.credentials import CredentialsUnreadable
from embassies.models import SocialAccount

from .. import limits
from ..channels import channel_for_account, metric_names
from ..channels.base import AuthExpired, ChannelError, Gone, Metrics, MetricsRead, RateLimited
from ..channels.facebook import pages_metrics
from ..models import MetricSnapshot, Post, RetiredMetric
from .alerts import reply_alerts_raise

logger = logging.getLogger(__name__)
State = Post.State

LEASE = timedelta(minutes=15)  # a claimed post is not claimed again for this long, should the pass die
RETRY_AFTER = timedelta(minutes=10)  # a post whose read failed is read again after this
BASELINE_POSTS = 20
BASELINE_MINIMUM = 3
NAMES_VERSION = {"facebook": metric_names.FACEBOOK_VERSION, "x": metric_names.X_VERSION}


# The schedule --------------------------------------------------------------------------------------------------


def schedule(network: str) -> list[timedelta]:
    return [timedelta(hours=h) for h in sorted(settings.REACH_SCHEDULE_HOURS.get(network) or [])]


def first_due(network: str, published_at: datetime) -> datetime | None:
    ages = schedule(network)
    return published_at + ages[0] if ages else None


def step_at(network: str, age: timedelta) -> int | None:
    """The scheduled collection a read at `age` stands for: the last one due by then (None before the first)."""
    steps = [index for index, due in enumerate(schedule(network)) if due <= age]
    return steps[-1] if steps else None


def next_due(network: str, published_at: datetime, now: datetime) -> datetime | None:
    """When the post is next read after a read at `now`: the first scheduled age still ahead, else never."""
    return next((published_at + due for due in schedule(network) if published_at + due > now), None)


def reads_in_life(network: str) -> int:
    return len(schedule(network))


# A pass ---------------------------------------------------------------------------------------------------------


@dataclass
class PassReport:
    posts: int = 0
    calls: Counter = field(default_factory=Counter)
    minimum_calls: Counter = field(default_factory=Counter)
    unavailable: dict[str, list[str]] = field(default_factory=dict)
    gone: int = 0
    postponed: int = 0
    failed: int = 0
    alerts: int = 0

    def line(self) -> str:
        calls = ", ".join(f"{network} {self.calls[network]}" for network in ("facebook", "x"))
        retired = "; ".join(f"{network}: {', '.join(names)}" for network, names in self.unavailable.items() if names)
        return (
            f"Collected {self.posts} posts; calls: {calls}; "
            f"metrics unavailable: {retired or 'none'}; "
            f"gone {self.gone}, postponed {self.postponed}, failed {self.failed}, reply alerts {self.alerts}."
        )


def _claim(*, now: datetime, every: bool, story=None, limit: int) -> list[Post]:
    """The posts this pass reads, leased so a second pass running at once does not read them too."""
    posts = Post.objects.filter(state=State.PUBLISHED, missing_since__isnull=True, reply_to="").exclude(external_id="")
    if story is not None:
        posts = posts.filter(distribution__story__translation_key=story.translation_key)
    if not every:
        posts = posts.filter(metrics_due_at__lte=now)
    with transaction.atomic():
        ids = list(
            posts.order_by("metrics_due_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        Post.objects.filter(pk__in=ids).update(metrics_due_at=now + LEASE)
    return list(Post.objects.filter(pk__in=ids).select_related("account", "embassy"))


def metrics_collect(
    *, now: datetime | None = None, every: bool = False, story=None, limit: int | None = None
) -> PassReport:
    """One collection pass: every post due (or, with `every`, every published post), read and recorded. One
    post's error never stops the pass: the post is read again later."""
    now = now or timezone.now()
    report = PassReport()
    posts = _claim(now=now, every=every, story=story, limit=limit or settings.REACH_PASS_LIMIT)
    by_network: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_network[post.network].append(post)
    results: dict[int, Metrics | ChannelError] = {}
    if by_network.get("facebook"):
        results.update(_facebook(by_network["facebook"], now=now, report=report))
    if by_network.get("x"):
        results.update(_x(by_network["x"], now=now, report=report))
    _record(posts, results, now=now, report=report)
    logger.info(report.line())
    return report


def _usable(post: Post, report: PassReport, results: dict) -> str | None:
    """The post's token when its account may be read now; otherwise the post is postponed."""
    account = post.account
    if account.status != SocialAccount.Status.CONNECTED:
        results[post.pk] = AuthExpired("the account needs reconnecting")
        return None
    if wait := limits.usage_wait(account):
        results[post.pk] = RateLimited("the network asked to slow down", until=timezone.now() + wait)
        return None
    try:
        return account.credentials_get().get("access_token", "")
    except CredentialsUnreadable:
        results[post.pk] = AuthExpired("the account's credentials cannot be read")
        return None


def _facebook(posts: list[Post], *, now: datetime, report: PassReport) -> dict[int, Metrics | ChannelError]:
    results: dict[int, Metrics | ChannelError] = {}
    reads, by_external = [], {}
    for post in posts:
        if token := _usable(post, report, results):
            reads.append((post.external_id, token))
            by_external[post.external_id] = post
    retired = list(RetiredMetric.objects.filter(network="facebook").values_list("name", flat=True))
    read = pages_metrics(reads, retired=retired)
    report.calls["facebook"] += read.calls
    report.minimum_calls["facebook"] += -(-len(reads) // 50)
    if read.retired:
        _retired_record("facebook", read.retired)
    report.unavailable["facebook"] = sorted(set(retired) | set(read.retired))
    for external_id, found in read.results.items():
        if post := by_external.get(external_id):
            results[post.pk] = found
    for post in by_external.values():
        results.setdefault(post.pk, ChannelError("Facebook gave no answer for the post"))
    return results


def _x(posts: list[Post], *, now: datetime, report: PassReport) -> dict[int, Metrics | ChannelError]:
    """Per account, with its own token: posts younger than 30 days with the owner's metrics, older ones with
    the public metrics only (X refuses the others)."""
    results: dict[int, Metrics | ChannelError] = {}
    by_account: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        if _usable(post, report, results):
            by_account[post.account_id].append(post)
    young_for = timedelta(days=metric_names.X_NON_PUBLIC_DAYS)
    for account_posts in by_account.values():
        account = account_posts[0].account
        young = [p for p in account_posts if now - p.published_at < young_for]
        old = [p for p in account_posts if now - p.published_at >= young_for]
        read = MetricsRead()
        for group, non_public in ((young, True), (old, False)):
            if group:
                read.merge(_x_read(account, [p.external_id for p in group], non_public=non_public))
                report.minimum_calls["x"] += -(-len(group) // 100)
        report.calls["x"] += read.calls
        for post in account_posts:
            results[post.pk] = read.results.get(post.external_id) or ChannelError("X gave no answer for the post")
    return results


def _x_read(account: SocialAccount, ids: list[str], *, non_public: bool) -> MetricsRead:
    """One account's lookups; an access token that expired since the last refresh is refreshed once."""
    from embassies.services import account_refresh_x_token

    read = channel_for_account(account).metrics_read(ids, non_public=non_public)
    if any(isinstance(found, AuthExpired) for found in read.results.values()):
        try:
            account = account_refresh_x_token(account_id=account.pk, force=True)
        except ChannelError:
            return read
        if account.status == SocialAccount.Status.CONNECTED:
            again = channel_for_account(account).metrics_read(ids, non_public=non_public)
            again.calls += read.calls
            return again
    return read


def _retired_record(network: str, names: list[str]) -> None:
    for name in names:
        RetiredMetric.objects.update_or_create(
            network=network, name=name, defaults={"names_version": NAMES_VERSION[network]}
        )
    logger.warning(
        "%s refused the metric(s) %s as no longer valid: they are unavailable from now on; the other metrics are "
        "still collected. Update publishing/channels/metric_names.py.",
        network,
        ", ".join(names),
    )


def _record(posts: list[Post], results: dict, *, now: datetime, report: PassReport) -> None:
    snapshots: list[MetricSnapshot] = []
    later: dict[datetime | None, list[int]] = defaultdict(list)
    for post in posts:
        found = results.get(post.pk)
        if isinstance(found, Metrics):
            age = max(timedelta(0), now - post.published_at)
            snapshots.append(
                MetricSnapshot(
                    post=post,
                    account_id=post.account_id,
                    collected_at=now,
                    age_seconds=int(age.total_seconds()),
                    step=step_at(post.network, age),
                    names_version=NAMES_VERSION.get(post.network, ""),
                    unavailable=found.unavailable,
                    raw=found.raw,
                    **{name: getattr(found, name) for name in MetricSnapshot.FIGURES},
                )
            )
        elif isinstance(found, Gone):
            report.gone += 1
            Post.objects.filter(pk=post.pk).update(missing_since=now, metrics_due_at=None, reason=str(found)[:2000])
        elif isinstance(found, RateLimited):
            report.postponed += 1
            if post.network == "facebook":
                limits.account_pause(post.account_id, until=found.until)
            later[max(found.until, now + timedelta(minutes=1))].append(post.pk)
        else:
            report.failed += 1
            if found is not None:
                logger.info("metrics of post %s not read: %s", post.pk, found)
            later[now + (timedelta(hours=1) if isinstance(found, AuthExpired) else RETRY_AFTER)].append(post.pk)
    for due, ids in later.items():
        Post.objects.filter(pk__in=ids).update(metrics_due_at=due)
    if not snapshots:
        return
    baselines_apply(snapshots, now=now)
    with transaction.atomic():
        MetricSnapshot.objects.bulk_create(snapshots, batch_size=1000)
        _latest_store([s.pk for s in snapshots])
        due: dict[datetime | None, list[int]] = defaultdict(list)
        for snapshot in snapshots:
            snapshot.post.latest_apply(snapshot)
            due[next_due(snapshot.post.network, snapshot.post.published_at, now)].append(snapshot.post_id)
        for when, ids in due.items():
            Post.objects.filter(pk__in=ids).update(metrics_due_at=when)
        report.alerts += reply_alerts_raise(snapshots)
    report.posts += len(snapshots)


def _latest_store(snapshot_ids: list[int], *, chunk: int = 1000) -> None:
    """Copy the new snapshots' figures onto their posts: one UPDATE … FROM per thousand (the ORM's bulk update
    would build a CASE of every post for every field)."""
    post, snapshot = Post._meta.db_table, MetricSnapshot._meta.db_table
    figures = ", ".join(f"latest_{name} = s.{name}" for name in MetricSnapshot.FIGURES)
    for start in range(0, len(snapshot_ids), chunk):
        ids = snapshot_ids[start : start + chunk]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {post} SET latest_snapshot_id = s.id, latest_collected_at = s.collected_at, {figures} "  # noqa: S608 - names from the models
                f"FROM {snapshot} s WHERE s.post_id = {post}.id AND s.id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )


def account_last_posts(account_id: int, step: int, *, before: datetime) -> list[tuple[int, int | None, int | None]]:
    """(post, views, comments) of the account's posts at scheduled age `step` collected before `before`, newest
    first, each post once (its latest reading): one index range scan of at most three times BASELINE_POSTS rows."""
    rows = (
        MetricSnapshot.objects.filter(account_id=account_id, step=step, collected_at__lt=before)
        .order_by("-collected_at")
        .values_list("post_id", "views", "comments")[: BASELINE_POSTS * 3]
    )
    latest: dict[int, tuple[int, int | None, int | None]] = {}
    for row in rows:
        latest.setdefault(row[0], row)
    return list(latest.values())


def baselines_apply(snapshots: list[MetricSnapshot], *, now: datetime) -> None:
    """Each snapshot's baseline: the median views, and median replies per view, of its account's last 20 other
    posts at the same scheduled age (none with fewer than 3). One query per account and age in the pass."""
    groups = {(s.account_id, s.step) for s in snapshots if s.step is not None}
    earlier = {group: account_last_posts(*group, before=now) for group in groups}
    for snapshot in snapshots:
        rows = [r for r in earlier.get((snapshot.account_id, snapshot.step), []) if r[0] != snapshot.post_id]
        rows = [r for r in rows if r[1] is not None][:BASELINE_POSTS]
        if len(rows) < BASELINE_MINIMUM:
            continue
        snapshot.baseline_views = float(statistics.median(views for _, views, _ in rows))
        rates = [comments / views for _, views, comments in rows if views and comments is not None]
        snapshot.baseline_replies = float(statistics.median(rates)) if len(rates) >= BASELINE_MINIMUM else None


def snapshots_thin(*, now: datetime | None = None, batch: int = 10_000) -> int:
    """Retention: every snapshot for REACH_KEEP_ALL_DAYS, then the last of each post's day. A post's latest
    snapshot and an alert's snapshot are always kept. Deletes in batches; returns how many went."""
    from django.db.models import Max
    from django.db.models.functions import TruncDate

    from ..models import ReplyAlert

    cutoff = (now or timezone.now()) - timedelta(days=settings.REACH_KEEP_ALL_DAYS)
    old = MetricSnapshot.objects.filter(collected_at__lt=cutoff)
    last_of_day = (
        old.annotate(day=TruncDate("collected_at")).values("post_id", "day").annotate(last=Max("pk")).values("last")
    )
    deleted = 0
    while True:
        ids = list(
            old.exclude(pk__in=last_of_day)
            .exclude(pk__in=Post.objects.filter(latest_snapshot__isnull=False).values("latest_snapshot"))
            .exclude(pk__in=ReplyAlert.objects.values("snapshot"))
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += MetricSnapshot.objects.filter(pk__in=ids).delete()[0]
