"""Runs one collection pass now, as beat does every minute."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from portal.models import StoryPage
from publishing.reach.collect import metrics_collect
from publishing.services import story_source


class Command(BaseCommand):
    help = "Collect reach figures now: collect_metrics [--all] [--story ID or slug]. The last line sums the pass up."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every published post, whatever its schedule says")
        parser.add_argument("--story", help="only this story's posts (its page id or slug)")

    def handle(self, *args, all, story, **options):
        page = None
        if story:
            match = Q(slug=story) | (Q(pk=int(story)) if story.isdigit() else Q(pk=None))
            page = StoryPage.objects.filter(match).order_by("pk").first()
            if page is None:
                raise CommandError(f"No story with id or slug “{story}”.")
            page = story_source(page)
        report = metrics_collect(every=all, story=page)
        self.stdout.write(report.line())
