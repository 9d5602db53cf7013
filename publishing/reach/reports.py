"""What the reach reports read: each post's latest snapshot (kept on the post), its history for the charts, and the
baselines the collector stored with each snapshot. Never the networks live. Every query starts from the posts the
user may see."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, QuerySet, Sum
from django.db.models.functions import TruncWeek

from embassies.models import EVERY_EMBASSY, Embassy

from ..models import MetricSnapshot, Post, ReplyAlert
from .collect import BASELINE_POSTS, schedule, step_at

FIGURES = MetricSnapshot.FIGURES
AMPLIFY, LOOK = 3.0, 0.3
State = Post.State


def reach_posts(user) -> QuerySet[Post]:
    """The posts whose reach `user` may read: their embassies' (all for ministry users), of stories that went
    live (embassy users never see an unpublished story)."""
    posts = Post.objects.filter(
        embassy__in=Embassy.objects.for_user(user),
        published_at__isnull=False,
        state__in=[State.PUBLISHED, State.RECALLED],
    )
    if not user.has_perm(EVERY_EMBASSY):
        posts = posts.filter(distribution__story__live=True)
    return posts


def figures_of(posts: QuerySet[Post]) -> dict:
    """Sums of the latest figures, how many posts gave each figure, and when the newest of them was collected."""
    aggregates = {name: Sum(f"latest_snapshot__{name}") for name in FIGURES}
    aggregates |= {f"{name}_given": Count(f"latest_snapshot__{name}") for name in FIGURES}
    return posts.aggregate(posts=Count("pk"), collected_at=Max("latest_snapshot__collected_at"), **aggregates)


def grouped(posts: QuerySet[Post], *fields: str, order: str = "-views", limit: int | None = None) -> list[dict]:
    rows = posts.values(*fields).annotate(
        posts=Count("pk"),
        collected_at=Max("latest_snapshot__collected_at"),
        **{name: Sum(f"latest_snapshot__{name}") for name in FIGURES},
        **{f"{name}_given": Count(f"latest_snapshot__{name}") for name in FIGURES},
    )
    rows = rows.order_by(F(order[1:]).desc(nulls_last=True) if order.startswith("-") else F(order).asc())
    return list(rows[:limit] if limit else rows)


def change(now: int | None, before: int | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before * 100


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def previous(self) -> "Period":
        return Period(self.start - (self.end - self.start), self.start)

    def filter(self, posts: QuerySet[Post]) -> QuerySet[Post]:
        return posts.filter(published_at__gte=self.start, published_at__lt=self.end)


def dashboard(user, period: Period) -> dict:
    posts = reach_posts(user)
    current, previous = period.filter(posts), period.previous.filter(posts)
    totals, before = figures_of(current), figures_of(previous)
    return {
        "totals": totals,
        "previous": before,
        "changes": {name: change(totals[name], before[name]) for name in FIGURES},
        "top_stories": grouped(current, "distribution__story_id", "distribution__story__title", limit=10),
        "networks": grouped(current, "network", order="network"),
        "regions": grouped(current, "embassy__region", order="embassy__region"),
        "alerts": list(
            ReplyAlert.objects.filter(post__in=posts, raised_at__gte=period.start, raised_at__lt=period.end)
            .select_related("post__embassy", "snapshot", "post__distribution__story")
            .order_by("-raised_at")[:20]
        ),
    }


def post_rows(posts: QuerySet[Post], *, sort: str = "-views") -> list[dict]:
    """One row per post with its latest figures, its multiple of the baseline and its flag."""
    sortable = {"embassy": "embassy__name", "network": "network", "language": "language", "published": "published_at"}
    sortable |= {name: f"latest_snapshot__{name}" for name in FIGURES}
    key = sortable.get(sort.lstrip("-"), "latest_snapshot__views")
    ordering = F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(nulls_last=True)
    rows = []
    for post in posts.select_related("embassy", "latest_snapshot", "distribution__story").order_by(ordering, "pk"):
        snapshot = post.latest_snapshot
        multiple = snapshot.multiple if snapshot else None
        rows.append(
            {
                "post": post,
                "embassy": post.embassy.name,
                "embassy_id": post.embassy_id,
                "region": post.embassy.region,
                "network": post.network,
                "language": post.language,
                "external_id": post.external_id,
                "published_at": post.published_at,
                "collected_at": snapshot.collected_at if snapshot else None,
                "unavailable": (snapshot.unavailable if snapshot else {}) or {},
                "multiple": multiple,
                "baseline_views": snapshot.baseline_views if snapshot else None,
                "flag": flag(multiple),
                "story": post.distribution.story.title,
                **{name: getattr(snapshot, name) if snapshot else None for name in FIGURES},
            }
        )
    return rows


def flag(multiple: float | None) -> str:
    if multiple is None:
        return ""
    if multiple >= AMPLIFY:
        return "amplify"
    if multiple <= LOOK:
        return "look"
    return ""


def story_report(user, story, *, sort: str = "-views") -> dict:
    posts = reach_posts(user).filter(distribution__story=story)
    rows = post_rows(posts, sort=sort)
    return {
        "totals": figures_of(posts),
        "networks": grouped(posts, "network", order="network"),
        "languages": grouped(posts, "language", order="language"),
        "rows": rows,
        "above": [r for r in rows if r["flag"] == "amplify"],
        "below": [r for r in rows if r["flag"] == "look"],
        "chart": story_chart(posts),
    }


def story_chart(posts: QuerySet[Post]) -> dict:
    """Views summed over the story's posts at each scheduled age, per network: how the story travelled."""
    ages = sorted({hours for network in ("facebook", "x") for hours in _hours(network)})
    rows = (
        MetricSnapshot.objects.filter(post__in=posts, step__isnull=False)
        .values("post__network", "step")
        .annotate(views=Sum("views"), posts=Count("post", distinct=True))
    )
    series: dict[str, dict[float, dict]] = {}
    for row in rows:
        hours = _hours(row["post__network"])
        if row["step"] < len(hours):
            series.setdefault(row["post__network"], {})[hours[row["step"]]] = row
    datasets = [
        {
            "network": network,
            "views": [by_age.get(age, {}).get("views") for age in ages],
            "posts": [by_age.get(age, {}).get("posts", 0) for age in ages],
        }
        for network, by_age in sorted(series.items())
    ]
    rows = [
        {"hours": age, "cells": [{"views": d["views"][i], "posts": d["posts"][i]} for d in datasets]}
        for i, age in enumerate(ages)
    ]
    return {"labels": ages, "datasets": datasets, "rows": rows}


def _hours(network: str) -> list[float]:
    return [due.total_seconds() / 3600 for due in schedule(network)]


def embassy_report(user, embassy: Embassy, period: Period, *, sort: str = "-published") -> dict:
    posts = reach_posts(user).filter(embassy=embassy)
    current = period.filter(posts)
    weeks = (
        current.annotate(week=TruncWeek("published_at"))
        .values("week", "network")
        .annotate(views=Sum("latest_snapshot__views"), posts=Count("pk"))
        .order_by("week", "network")
    )
    return {
        "totals": figures_of(current),
        "previous": figures_of(period.previous.filter(posts)),
        "rows": post_rows(current, sort=sort),
        "baselines": embassy_baselines(embassy),
        "trend": list(weeks),
    }


def embassy_baselines(embassy: Embassy, *, age: timedelta = timedelta(hours=24)) -> list[dict]:
    """Per network: the median views of the embassy's last 20 posts at `age` (one day by default)."""
    found = []
    for account in embassy.accounts.all():
        step = step_at(account.network, age)
        rows = (
            MetricSnapshot.objects.filter(account=account, step=step, views__isnull=False)
            .order_by("-collected_at")
            .values_list("post_id", "views")[: BASELINE_POSTS * 3]
        )
        latest: dict[int, int] = {}
        for post_id, value in rows:
            latest.setdefault(post_id, value)
        views = list(latest.values())[:BASELINE_POSTS]
        found.append(
            {
                "network": account.network,
                "age_hours": age.total_seconds() / 3600,
                "posts": len(views),
                "median_views": statistics.median(views) if views else None,
            }
        )
    return found


def stories_with_reach(user) -> QuerySet:
    """The stories whose posts the user may read, newest first, with their totals."""
    return (
        reach_posts(user)
        .values("distribution__story_id", "distribution__story__title")
        .annotate(posts=Count("pk"), views=Sum("latest_snapshot__views"), first_published=Max("published_at"))
        .order_by("-first_published")
    )


def scoped_embassies(user) -> QuerySet[Embassy]:
    return Embassy.objects.for_user(user).order_by("name")
