"""Loads the demo site, stories and users (idempotent)."""

from django.core.management.base import BaseCommand

from embassies.demo.load import demo_embassies_load, demo_staff_load, sandbox_available
from portal.demo.site import DEMO_PASSWORD, demo_site_load
from publishing.demo import demo_distributions_load


class Command(BaseCommand):
    help = "Load the demo site tree, stories in several languages and one user per role. Safe to run again."

    def handle(self, *args, **options):
        # Embassies first: publishing each story then plans its posts for them.
        created = demo_embassies_load()
        logins = demo_site_load()
        logins += demo_staff_load(DEMO_PASSWORD)
        with sandbox_available() as sandbox_url:
            states = demo_distributions_load(sandbox_url)
        if states:
            self.stdout.write(
                "Demo distributions: " + ", ".join(f"{state} {n}" for state, n in states.items() if n) + "."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is in place ({created['embassies']} embassies and {created['accounts']} accounts added)."
            )
        )
        for username, role in logins:
            self.stdout.write(f"  {username:<10} {role:<24} password: {DEMO_PASSWORD}")
