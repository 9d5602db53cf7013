"""Re-encrypts every stored credential under the newest key in CREDENTIALS_KEYS."""

from django.core.management.base import BaseCommand

from embassies.services import credentials_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all stored secrets (account credentials, second-factor secrets and recovery codes) under the "
        "first (newest) key of CREDENTIALS_KEYS. "
        "Run after adding a new key in front; remove the old key only after this succeeds."
    )

    def handle(self, *args, **options):
        count = credentials_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} stored secrets under the newest key."))
