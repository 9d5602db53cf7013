"""Recalls a story from the command line: the same background job as the admin's, followed until it ends."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from publishing.management.stories import story_named
from publishing.models import Recall
from publishing.recall import recall_still_live, story_recall_start


class Command(BaseCommand):
    help = "Recall a story from every account: recall <story id or slug> [--reason …] [--wait]"

    def add_arguments(self, parser):
        parser.add_argument("story", help="the story's page id or slug")
        parser.add_argument("--reason", default="Recalled by an operator from the command line.")
        parser.add_argument("--wait", action="store_true", help="return when every published post is dealt with")
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait at most (with --wait)")

    def handle(self, *args, story, reason, wait, timeout, **options):
        page = story_named(story)
        recall = story_recall_start(story=page, user=None, reason=reason, confirm=True)
        self.stdout.write(
            f"“{recall.story.title}”: deleting {recall.total} published posts; "
            f"{recall.withdrawn} waiting posts withdrawn."
        )
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            recall = Recall.objects.get(pk=recall.pk)
            self.stdout.write(f"\r{recall.deleted + recall.failed}/{recall.total}", ending="")
            self.stdout.flush()
            if recall.finished_at:
                break
            if time.monotonic() > deadline:
                self.stdout.write("")
                raise CommandError(f"Gave up waiting after {timeout:.0f} s; the recall goes on in the workers.")
            time.sleep(1)
        self.stdout.write("")
        still_live = list(recall_still_live(recall))
        for post in still_live:
            self.stdout.write(f"still live: {post.embassy.name} {post.network} {post.external_url} — {post.reason}")
        self.stdout.write(f"recalled {recall.deleted}, still live {len(still_live)}, withdrawn {recall.withdrawn}")
        if still_live:
            sys.exit(1)
