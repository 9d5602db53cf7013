"""Re-encrypts every stored credential under the newest key in CREDENTIALS_KEYS."""

from django.core.management.base import BaseCommand

from embassies.services import credentials_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all social account credentials under the first (newest) key of CREDENTIALS_KEYS. "
        "Run after adding a new key in front; remove the old key only after this succeeds."
    )

    def handle(self, *args, **options):
        count = credentials_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the credentials of {count} accounts under the newest key."))
