"""Plans (if needed) and follows a story's distribution from the command line."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from publishing import services
from publishing.management.stories import story_named
from publishing.models import Distribution, Post
from publishing.xbill import distribution_estimate

State = Post.State
SETTLED = {State.PUBLISHED, State.FAILED, State.SKIPPED, State.RECALLED, State.HELD}


class Command(BaseCommand):
    help = "Distribute a story to its embassies' accounts: distribute <story id or slug> [--approve-all] [--wait]"

    def add_arguments(self, parser):
        parser.add_argument("story", help="the story's page id or slug")
        parser.add_argument(
            "--approve-all",
            action="store_true",
            help="approve every proposed post, and bring auto-approved ones forward, to go now",
        )
        parser.add_argument(
            "--wait", action="store_true", help="return when every post is published, failed, held or skipped"
        )
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait at most (with --wait)")
        parser.add_argument(
            "--estimate",
            action="store_true",
            help="print what publishing would plan and what X would bill; change nothing",
        )

    def handle(self, *args, story, approve_all, wait, timeout, estimate, **options):
        page = story_named(story)
        if estimate:
            plan = distribution_estimate(story=page)
            self.stdout.write(plan.summary())
            self.stdout.write(
                f"posts: facebook {plan.posts['facebook']}, x {plan.posts['x']}; X cost ${plan.x_cost:.2f}"
            )
            return
        source = services.story_source(page)
        distribution = services.distribution_plan(story=source) or (
            Distribution.objects.filter(story=source).order_by("-sequence").first()
        )
        if distribution is None:
            raise CommandError(f"“{page.title}” is not live, or has no target accounts: nothing to distribute.")
        if approve_all:
            approved = services.posts_approve(posts=distribution.posts.filter(state=State.PROPOSED), user=None)
            now = timezone.now()
            brought_forward = distribution.posts.filter(state=State.SCHEDULED, due_at__gt=now).update(due_at=now)
            if brought_forward:
                services.dispatch_soon()
            self.stdout.write(f"Approved {approved} posts to go now; {brought_forward} scheduled ones brought forward.")
        total = distribution.posts.count()
        if total == 0:
            would = len(services.target_accounts(source))
            raise CommandError(
                f"“{source.title}” was planned with no posts: when it was published no active embassy account matched "
                f"its target ({source.get_target_display()}) and topic opt-outs (now {would} would). Nothing to send."
            )
        self.stdout.write(f"“{source.title}”: {total} posts.")
        if wait:
            self.follow(distribution, total, timeout)
        counts = services.distribution_progress(distribution)
        self.stdout.write(
            f"published {counts[State.PUBLISHED]}, failed {counts[State.FAILED]}, "
            f"held {counts[State.HELD]}, skipped {counts[State.SKIPPED]}"
        )
        if counts[State.FAILED]:
            sys.exit(1)

    def follow(self, distribution: Distribution, total: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            counts = services.distribution_progress(distribution)
            done = sum(counts[state] for state in SETTLED)
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()
            if done >= total:
                self.stdout.write("")
                return
            if time.monotonic() > deadline:
                self.stdout.write("")
                raise CommandError(
                    f"Gave up waiting after {timeout:.0f} s with {total - done} posts still on their way."
                )
            time.sleep(1)
