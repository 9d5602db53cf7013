"""Prints a story's reach: one row per post from its latest snapshot."""

import csv
import json
import sys

from django.core.management.base import BaseCommand

from portal.models import StoryPage
from publishing.management.stories import story_named
from publishing.models import Post
from publishing.targets import story_source

COLUMNS = [
    "embassy",
    "network",
    "language",
    "external_id",
    "published_at",
    "collected_at",
    "views",
    "reach",
    "reactions",
    "comments",
    "shares",
    "clicks",
]


def report_rows(story: StoryPage) -> list[dict]:
    posts = (
        Post.objects.filter(distribution__story=story, published_at__isnull=False)
        .select_related("embassy", "latest_snapshot")
        .order_by("embassy__name", "network")
    )
    rows = []
    for post in posts:
        snapshot = post.latest_snapshot
        rows.append(
            {
                "embassy": post.embassy.slug,
                "network": post.network,
                "language": post.language,
                "external_id": post.external_id,
                "published_at": post.published_at.isoformat(),
                "collected_at": snapshot.collected_at.isoformat() if snapshot else None,
                **{name: getattr(snapshot, name) if snapshot else None for name in COLUMNS[6:]},
            }
        )
    return rows


class Command(BaseCommand):
    help = "A story's reach, one row per post from its latest snapshot: reach_report --story <id or slug>"

    def add_arguments(self, parser):
        parser.add_argument("--story", required=True, help="the story's page id or slug")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, story, format, **options):
        rows = report_rows(story_source(story_named(story)))
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        # An empty cell is a figure the network did not give (or not collected yet), never 0.
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.flush()
