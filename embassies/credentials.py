"""Encryption of network credentials at rest: MultiFernet over keys from the environment, newest first."""

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key (a key was removed too early)."""


def _development_key() -> bytes:
    # Development only (DEBUG with no CREDENTIALS_KEYS): a stable key derived from SECRET_KEY.
    return base64.urlsafe_b64encode(hashlib.sha256(f"credentials:{settings.SECRET_KEY}".encode()).digest())


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEYS must be comma-separated Fernet keys (manage.py generate_credentials_key)"
        ) from error


def fernet() -> MultiFernet:
    keys = tuple(settings.CREDENTIALS_KEYS) or (_development_key().decode(),)
    return _fernet(keys)


def credentials_encrypt(data: dict) -> str:
    return fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()


def credentials_decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable("stored credentials cannot be decrypted with the configured keys") from None


def credentials_reencrypt(token: str) -> str:
    """The same credentials under the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable("stored credentials cannot be decrypted with the configured keys") from None
