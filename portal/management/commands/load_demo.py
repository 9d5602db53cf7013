"""Loads the demo site, stories and users (idempotent), publishing only to the network sandbox on this machine."""

from django.core.management.base import BaseCommand, CommandError

from embassies.demo.load import demo_embassies_load, demo_staff_load
from portal.demo.sandbox import NotASandbox, sandbox_available
from portal.demo.site import DEMO_PASSWORD, demo_site_load
from publishing.demo import demo_distributions_load
from publishing.listening.demo import demo_listening_load


class Command(BaseCommand):
    help = (
        "Load the demo site tree, stories in several languages and one user per role. Safe to run again. "
        "Its posts go to the local network sandbox (started if none runs), whatever FACEBOOK_GRAPH_URL and "
        "X_API_URL say."
    )

    def handle(self, *args, **options):
        try:
            with sandbox_available() as sandbox_url:
                # Embassies first: publishing each story then plans its posts for them.
                created = demo_embassies_load(sandbox_url=sandbox_url)
                logins = demo_site_load()
                logins += demo_staff_load(DEMO_PASSWORD)
                states = demo_distributions_load(sandbox_url)
                listening = demo_listening_load(sandbox_url)
        except NotASandbox as refusal:
            raise CommandError(str(refusal)) from None
        if states:
            self.stdout.write(
                "Demo distributions: " + ", ".join(f"{state} {n}" for state, n in states.items() if n) + "."
            )
        if listening:
            self.stdout.write(
                "Demo conversations: {conversations}, with {comments} comments; {escalated} escalated.".format(
                    **listening
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is in place ({created['embassies']} embassies and {created['accounts']} accounts added)."
            )
        )
        for username, role in logins:
            self.stdout.write(f"  {username:<10} {role:<24} password: {DEMO_PASSWORD}")
