"""One collection pass of the conversations: `--all` reads every post still in its listening window, whatever
its schedule says."""

from django.core.management.base import BaseCommand

from publishing.listening.collect import conversations_listen


class Command(BaseCommand):
    help = "Collect comments and replies: the posts due, or with --all every post in its listening window."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every post still in its listening window")

    def handle(self, *args, **options):
        report = conversations_listen(every=options["all"])
        self.stdout.write(report.line())
