"""Tiers: unit tests always run; integration needs PostgreSQL and Redis, e2e needs Debian's chromium.

Where a tier's services are missing it is skipped with a one-line reason, or, with REQUIRE_SERVICES=1,
the run fails instead, so CI can never pass on a skipped tier.
"""

import os
import shutil
import socket
from functools import cache
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@cache
def integration_missing() -> str | None:
    database = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        return "integration tier needs DATABASE_URL=postgresql://… (it is not set to PostgreSQL)"
    if not broker.startswith("redis://"):
        return "integration tier needs CELERY_BROKER_URL=redis://… (it is not set to Redis)"
    if not _reachable(database, 5432):
        return f"integration tier: PostgreSQL at {urlsplit(database).hostname} is not reachable"
    if not _reachable(broker, 6379):
        return f"integration tier: Redis at {urlsplit(broker).hostname} is not reachable"
    return None


@cache
def e2e_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"e2e tier needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "e2e tier needs the playwright package (pip install -r requirements-dev.txt)"
    return None


def pytest_collection_modifyitems(config, items):
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    for item in items:
        path = str(item.path)
        for tier, missing in (("integration", integration_missing), ("e2e", e2e_missing)):
            if f"{os.sep}{tier}{os.sep}" not in path:
                continue
            item.add_marker(getattr(pytest.mark, tier))
            reason = missing()
            if reason and required:
                raise pytest.UsageError(f"REQUIRE_SERVICES=1 but {reason}")
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


from tests.sandbox import sandbox  # noqa: E402, F401 - a fixture every tier may use


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no page kept: a test's transaction never commits, so its purges never run."""
    from django.core.cache import caches

    caches["pages"].clear()


@pytest.fixture(autouse=True)
def force_login_signs_in_with_both_factors(monkeypatch):
    """In these tests `Client.force_login` stands for a complete sign-in, second factor included, as every admin
    page asks for it; the tests of signing in itself use `password_only_login`."""
    from django.test import Client

    def force_login(self, user, backend=None):
        password_only_login(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY

        from signin.models import AuthenticatorDevice

        device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = AuthenticatorDevice(user=user, name="Test authenticator", confirmed=True)
            device.secret_set(b"0" * 20)
            device.save()
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def password_only_login(client, user, backend=None):
    """Signs `client` in with the password alone, as the first step of signing in leaves it."""
    from django.test.client import ClientMixin

    # Axes' backend, first in AUTHENTICATION_BACKENDS, only counts failures: the session's backend is Django's.
    ClientMixin.force_login(client, user, backend or "django.contrib.auth.backends.ModelBackend")
