"""A story's conversations as CSV: one row a comment or reply on its posts, for operators and tests."""

import csv

from django.core.management.base import BaseCommand, CommandError

from portal.models import StoryPage
from publishing.listening.models import Conversation
from publishing.listening.selectors import CSV_HEADER, story_rows


class Command(BaseCommand):
    help = "Write every comment and reply on a story's posts (all embassies, all languages) as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--story", type=int, required=True, help="the story's page id (any translation)")
        parser.add_argument("--format", choices=["csv"], default="csv")

    def handle(self, *args, **options):
        story = StoryPage.objects.filter(pk=options["story"]).first()
        if story is None:
            raise CommandError(f"No story with id {options['story']}.")
        writer = csv.writer(self.stdout)
        writer.writerow(CSV_HEADER)
        for row in story_rows(story, Conversation.objects.all()):
            writer.writerow(row)
