"""Loads the demo site, stories and users (idempotent)."""

from django.core.management.base import BaseCommand

from embassies.demo.load import demo_embassies_load, demo_staff_load
from portal.demo.site import DEMO_PASSWORD, demo_site_load


class Command(BaseCommand):
    help = "Load the demo site tree, stories in several languages and one user per role. Safe to run again."

    def handle(self, *args, **options):
        logins = demo_site_load()
        created = demo_embassies_load()
        logins += demo_staff_load(DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is in place ({created['embassies']} embassies and {created['accounts']} accounts added)."
            )
        )
        for username, role in logins:
            self.stdout.write(f"  {username:<10} {role:<24} password: {DEMO_PASSWORD}")
