"""Runs one collection pass now, as beat does every minute."""

from django.core.management.base import BaseCommand

from publishing.management.stories import story_named
from publishing.reach.collect import metrics_collect
from publishing.targets import story_source


class Command(BaseCommand):
    help = "Collect reach figures now: collect_metrics [--all] [--story ID or slug]. The last line sums the pass up."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every published post, whatever its schedule says")
        parser.add_argument("--story", help="only this story's posts (its page id or slug)")

    def handle(self, *args, all, story, **options):
        page = story_source(story_named(story)) if story else None
        report = metrics_collect(every=all, story=page)
        self.stdout.write(report.line())
