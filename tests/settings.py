"""Test settings: the project's settings with a test key and no HTTPS redirect."""

import os
from pathlib import Path

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CHANCERY_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
