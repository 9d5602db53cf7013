"""Prints a new Fernet key for CREDENTIALS_KEYS."""

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new key. Put it first in CREDENTIALS_KEYS, then run rotate_credentials."

    def handle(self, *args, **options):
        self.stdout.write(Fernet.generate_key().decode())
