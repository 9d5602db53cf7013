"""Plans (if needed) and follows a story's distribution from the command line."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from publishing import approval, planning, queueing
from publishing.management.stories import story_named
from publishing.models import Distribution, Post
from publishing.targets import story_source, target_accounts
from publishing.xbill import distribution_estimate

State = Post.State
SETTLED = {State.PUBLISHED, State.FAILED, State.SKIPPED, State.RECALLED, State.HELD}
WAITING_FOR_PEOPLE = SETTLED | {State.PROPOSED}  # proposed posts move only when a person approves them

# Exit codes of --wait, for scripts: everything settled, some posts wait for people, some failed, time ran out.
EXIT_SETTLED, EXIT_FAILED, EXIT_WAITING, EXIT_TIMEOUT = 0, 1, 3, 4


class Command(BaseCommand):
    help = (
        "Distribute a story to its embassies' accounts: distribute <story id or slug> [--approve-all] [--wait]. "
        "With --wait the exit code says how it ended: 0 every post settled, 1 some failed, 3 some wait for people "
        "(a head of mission, staff review, a hold), 4 --timeout ran out."
    )

    def add_arguments(self, parser):
        parser.add_argument("story", help="the story's page id or slug")
        parser.add_argument(
            "--approve-all",
            action="store_true",
            help="approve every proposed post, and bring auto-approved ones forward, to go now",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="return once nothing more can move without a person (published, failed, skipped, held or proposed)",
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
        source = story_source(page)
        distribution = planning.distribution_plan(story=source) or (
            Distribution.objects.filter(story=source).order_by("-sequence").first()
        )
        if distribution is None:
            raise CommandError(f"“{page.title}” is not live, or has no target accounts: nothing to distribute.")
        if approve_all:
            approved = approval.posts_approve(posts=distribution.posts.filter(state=State.PROPOSED), user=None)
            now = timezone.now()
            brought_forward = distribution.posts.filter(state=State.SCHEDULED, due_at__gt=now).update(due_at=now)
            if brought_forward:
                queueing.dispatch_soon()
            self.stdout.write(f"Approved {approved} posts to go now; {brought_forward} scheduled ones brought forward.")
        total = distribution.posts.count()
        if total == 0:
            would = len(target_accounts(source))
            raise CommandError(
                f"“{source.title}” was planned with no posts: when it was published no active embassy account matched "
                f"its target ({source.get_target_display()}) and topic opt-outs (now {would} would). Nothing to send."
            )
        self.stdout.write(f"“{source.title}”: {total} posts.")
        timed_out = wait and not self.follow(distribution, total, timeout)
        waiting = planning.distribution_waiting_for_people(distribution)
        for line in waiting:
            self.stdout.write(f"  {line}")
        counts = planning.distribution_progress(distribution)
        self.stdout.write(
            f"published {counts[State.PUBLISHED]}, failed {counts[State.FAILED]}, "
            f"held {counts[State.HELD]}, skipped {counts[State.SKIPPED]}"
        )
        if timed_out:
            self.stderr.write(f"Gave up waiting after {timeout:.0f} s with posts still on their way.")
            sys.exit(EXIT_TIMEOUT)
        if counts[State.FAILED]:
            sys.exit(EXIT_FAILED)
        if wait and waiting:
            sys.exit(EXIT_WAITING)

    def follow(self, distribution: Distribution, total: int, timeout: float) -> bool:
        """Show progress until nothing more can move without a person (True), or the timeout (False)."""
        deadline = time.monotonic() + timeout
        while True:
            counts = planning.distribution_progress(distribution)
            done = sum(counts[state] for state in WAITING_FOR_PEOPLE)
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()
            if done >= total:
                self.stdout.write("")
                return True
            if time.monotonic() > deadline:
                self.stdout.write("")
                return False
            time.sleep(1)
