"""Runs the local Graph API and X API sandbox in the foreground."""

from django.conf import settings
from django.core.management.base import BaseCommand

from publishing.sandbox.server import serve


class Command(BaseCommand):
    help = "Serve the network sandbox (the local Facebook and X) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--state", default=str(settings.VAR_DIR / "sandbox.sqlite3"))

    def handle(self, *args, host, port, state, **options):
        self.stdout.write(f"Sandbox on http://{host}:{port}/_sandbox/ (state: {state})")
        serve(host, port, state)
