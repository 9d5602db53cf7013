"""Retention: erase the text and author of comments older than LISTENING_RETENTION_DAYS (counts are kept)."""

from django.core.management.base import BaseCommand

from publishing.listening.retention import comments_erase


class Command(BaseCommand):
    help = "Erase the text and author of comments collected longer ago than the retention period."

    def handle(self, *args, **options):
        self.stdout.write(f"Erased {comments_erase()} comments.")
