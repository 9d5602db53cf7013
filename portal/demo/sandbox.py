"""The demo's network: the sandbox on this machine, started for the while if none runs, and every network client
of this process pointed at it whatever the settings say. The demo never publishes anywhere else."""

import socket
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings

from publishing.channels.facebook import graph_base_url_apply
from publishing.sandbox.server import serve_in_thread


def _sandbox_running(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


class NotASandbox(ValueError):
    """The demo was asked to publish somewhere other than a sandbox on this machine."""


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _on_this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK_NAMES or host.startswith("127.")


@contextmanager
def _networks_at(sandbox_url: str):
    """Every network client of this process talks to the sandbox for the while, whatever the settings say."""
    names = ("FACEBOOK_GRAPH_URL", "FACEBOOK_WWW_URL", "X_API_URL", "X_AUTHORIZE_URL")
    saved = {name: getattr(settings, name) for name in names}
    settings.FACEBOOK_GRAPH_URL = settings.FACEBOOK_WWW_URL = f"{sandbox_url}/"
    settings.X_API_URL = sandbox_url
    settings.X_AUTHORIZE_URL = f"{sandbox_url}/i/oauth2/authorize"
    graph_base_url_apply()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        graph_base_url_apply()


@contextmanager
def sandbox_available(sandbox_url: str | None = None):
    """The sandbox at `sandbox_url` (settings by default), started in this process for the while if none runs; the
    demo's posts, reads and connections go to it alone. A sandbox elsewhere than this machine is refused: the demo
    never publishes to a real network, nor to a server someone else runs."""
    sandbox_url = (sandbox_url or settings.SANDBOX_URL).rstrip("/")
    if not _on_this_machine(sandbox_url):
        raise NotASandbox(
            f"The demo publishes only to the network sandbox on this machine; SANDBOX_URL is {sandbox_url}. "
            "Set SANDBOX_URL to http://127.0.0.1:<port> (the demo starts the sandbox there if none runs)."
        )
    server = None
    if not _sandbox_running(sandbox_url):
        parts = urlsplit(sandbox_url)
        server = serve_in_thread(parts.hostname, parts.port, settings.VAR_DIR / "sandbox.sqlite3")
    try:
        with _networks_at(sandbox_url):
            yield sandbox_url
    finally:
        if server:
            server.shutdown()
            server.server_close()
