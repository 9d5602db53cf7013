"""Loads the demo site, stories and users (idempotent)."""

from django.core.management.base import BaseCommand

from portal.demo.site import DEMO_PASSWORD, demo_site_load


class Command(BaseCommand):
    help = "Load the demo site tree, stories in several languages and one user per role. Safe to run again."

    def handle(self, *args, **options):
        logins = demo_site_load()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        for username, role in logins:
            self.stdout.write(f"  {username:<10} {role:<24} password: {DEMO_PASSWORD}")
