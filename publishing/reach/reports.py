"""What the reach reports read: each post's latest snapshot (kept on the post), its history for the charts, and the
baselines the collector stored with each snapshot. Never the networks live. Every query starts from the posts the
user may see."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from embassies.models import EVERY_EMBASSY, Embassy, Region
from portal.models import StoryPage

from ..models import MetricSnapshot, Post, ReplyAlert
from .collect import BASELINE_POSTS, account_last_posts, schedule, step_at

FIGURES = MetricSnapshot.FIGURES
# Sums of the posts' latest figures, how many posts gave each figure (a sum over none is unavailable, not 0),
# and when the newest of them was collected.
SUMS = {
    "posts": Count("pk"),
    "collected_at": Max("latest_collected_at"),
    **{name: Sum(f"latest_{name}") for name in FIGURES},
    **{f"{name}_given": Count(f"latest_{name}") for name in FIGURES},
}
AMPLIFY, LOOK = 3.0, 0.3
NETWORK_NAMES = Post.NETWORK_NAMES
State = Post.State


def reach_posts(user) -> QuerySet[Post]:
    """The posts whose reach `user` may read: their embassies' (all for ministry users), of stories that went
    live (embassy users never see an unpublished story)."""
    posts = Post.objects.filter(published_at__isnull=False, state__in=[State.PUBLISHED, State.RECALLED], reply_to="")
    if user.is_active and user.has_perm(EVERY_EMBASSY):
        return posts
    return posts.filter(embassy__in=Embassy.objects.for_user(user), distribution__story__live=True)


def figures_of(posts: QuerySet[Post]) -> dict:
    """Sums of the latest figures, how many posts gave each figure, and when the newest of them was collected."""
    return posts.aggregate(**SUMS)


def grouped(posts: QuerySet[Post], *fields: str, order: str = "-views", limit: int | None = None) -> list[dict]:
    rows = posts.values(*fields).annotate(**SUMS)
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
    """The period's totals, top stories, networks and regions from one grouped read of the posts, and the previous
    period's totals from a second."""
    posts = reach_posts(user)
    groups = grouped(period.filter(posts), "distribution__story_id", "network", "embassy__region")
    totals, before = _rollup(groups, ()), figures_of(period.previous.filter(posts))
    stories = sorted(_rollup(groups, ("distribution__story_id",)), key=lambda row: -(row["views"] or 0))[:10]
    titles = dict(
        StoryPage.objects.filter(pk__in=[r["distribution__story_id"] for r in stories]).values_list("pk", "title")
    )
    for row in stories:
        row["distribution__story__title"] = titles.get(row["distribution__story_id"], "")
    return {
        "totals": totals[0] if totals else figures_of(posts.none()),
        "previous": before,
        "changes": {name: change(totals[0][name] if totals else None, before[name]) for name in FIGURES},
        "top_stories": stories,
        "networks": _rollup(groups, ("network",)),
        "regions": [
            {**row, "embassy__region": Region(row["embassy__region"]).label if row["embassy__region"] else "—"}
            for row in _rollup(groups, ("embassy__region",))
        ],
        "alerts": list(
            ReplyAlert.objects.filter(post__in=posts, raised_at__gte=period.start, raised_at__lt=period.end)
            .select_related("post__embassy", "snapshot", "post__distribution__story")
            .order_by("-raised_at")[:20]
        ),
    }


def _rollup(groups: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Fine groups summed up to `keys` (none: one row for everything), a figure staying None where no post gave
    it."""
    merged: dict[tuple, dict] = {}
    for row in groups:
        key = tuple(row[k] for k in keys)
        into = merged.setdefault(key, {**{k: row[k] for k in keys}, "posts": 0, "collected_at": None})
        into["posts"] += row["posts"]
        if row["collected_at"] and (into["collected_at"] is None or row["collected_at"] > into["collected_at"]):
            into["collected_at"] = row["collected_at"]
        for name in FIGURES:
            into[f"{name}_given"] = into.get(f"{name}_given", 0) + row[f"{name}_given"]
            if row[name] is not None:
                into[name] = (into.get(name) or 0) + row[name]
            else:
                into.setdefault(name, None)
    return sorted(merged.values(), key=lambda row: tuple(str(row[k]) for k in keys))


ROWS_PER_PAGE = 100


def sorted_posts(posts: QuerySet[Post], sort: str) -> QuerySet[Post]:
    sortable = {"embassy": "embassy__name", "network": "network", "language": "language", "published": "published_at"}
    sortable |= {name: f"latest_{name}" for name in FIGURES}
    key = sortable.get(sort.lstrip("-"), "latest_views")
    ordering = F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(nulls_last=True)
    return (
        posts.select_related("embassy", "latest_snapshot")
        .defer("latest_snapshot__raw", "text", "reason")
        .annotate(story_title=F("distribution__story__title"))
        .order_by(ordering, "pk")
    )


def post_rows(found) -> list[dict]:
    """One row per post (as `sorted_posts` reads them) with its latest figures, its multiple of the baseline and
    its flag."""
    rows = []
    for post in found:
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
                "story": post.story_title,
                "network_label": NETWORK_NAMES.get(post.network, post.network),
                **{name: getattr(post, f"latest_{name}") for name in FIGURES},
            }
        )
        rows[-1]["cells"] = [(rows[-1][name], rows[-1]["unavailable"].get(name, "")) for name in FIGURES]
    return rows


def flag(multiple: float | None) -> str:
    if multiple is None:
        return ""
    if multiple >= AMPLIFY:
        return "amplify"
    if multiple <= LOOK:
        return "look"
    return ""


def paged_rows(posts: QuerySet[Post], *, sort: str, page: int | str | None) -> tuple[list[dict], object]:
    """A page of rows (ROWS_PER_PAGE) in the chosen order, and the page for the links."""
    found = Paginator(sorted_posts(posts, sort), ROWS_PER_PAGE).get_page(page)
    return post_rows(found), found


def outliers(posts: QuerySet[Post]) -> tuple[list[dict], list[dict]]:
    """The posts far above their baseline (≥ 3×) and far below (≤ 0.3×), from the database."""
    multiple = ExpressionWrapper(
        F("latest_views") * 1.0 / F("latest_snapshot__baseline_views"), output_field=FloatField()
    )
    measured = posts.filter(latest_views__isnull=False, latest_snapshot__baseline_views__gt=0).annotate(m=multiple)
    above = post_rows(sorted_posts(measured.filter(m__gte=AMPLIFY), "-views")[:50])
    below = post_rows(sorted_posts(measured.filter(m__lte=LOOK), "views")[:50])
    return above, below


def story_report(user, story, *, sort: str = "-views", page=None) -> dict:
    posts = reach_posts(user).filter(distribution__story=story)
    rows, found = paged_rows(posts, sort=sort, page=page)
    above, below = outliers(posts)
    return {
        "totals": figures_of(posts),
        "networks": grouped(posts, "network", order="network"),
        "languages": grouped(posts, "language", order="language"),
        "rows": rows,
        "page": found,
        "above": above,
        "below": below,
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


def embassy_report(user, embassy: Embassy, period: Period, *, sort: str = "-published", page=None) -> dict:
    posts = reach_posts(user).filter(embassy=embassy)
    current = period.filter(posts)
    rows, found = paged_rows(current, sort=sort, page=page)
    weeks = (
        current.annotate(week=TruncWeek("published_at"))
        .values("week", "network")
        .annotate(views=Sum("latest_views"), posts=Count("pk"))
        .order_by("week", "network")
    )
    return {
        "totals": figures_of(current),
        "previous": figures_of(period.previous.filter(posts)),
        "rows": rows,
        "page": found,
        "baselines": embassy_baselines(embassy),
        "trend": list(weeks),
    }


def embassy_baselines(embassy: Embassy, *, age: timedelta = timedelta(hours=24)) -> list[dict]:
    """Per network: the median views of the embassy's last 20 posts at `age` (one day by default)."""
    found = []
    for account in embassy.accounts.all():
        rows = account_last_posts(account.pk, step_at(account.network, age), before=timezone.now())
        views = [views for _, views, _ in rows if views is not None][:BASELINE_POSTS]
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
        .annotate(posts=Count("pk"), views=Sum("latest_views"), first_published=Max("published_at"))
        .order_by("-first_published")
    )


def scoped_embassies(user) -> QuerySet[Embassy]:
    return Embassy.objects.for_user(user).order_by("name")
