"""An operator's reset of a user's second factor: their next sign-in enrols a new authenticator."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from signin.services import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's authenticator and recovery codes: reset_second_factor <username>"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        removed = second_factor_reset(user=user)
        self.stdout.write(
            self.style.SUCCESS(f"Removed {removed} devices of {username}: their next sign-in sets up a new one.")
        )
