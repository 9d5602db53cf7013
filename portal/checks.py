"""Deployment checks of our own, run by `manage.py check --deploy`: mail that would never leave, proxies uncounted."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

NOWHERE = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def mail_leaves(app_configs, **kwargs):
    """Reconnect notices and alerts are mail: in production it must reach a real SMTP server."""
    if settings.EMAIL_BACKEND in NOWHERE:
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no mail leaves this server.",
                hint="Unset EMAIL_BACKEND (SMTP is the production default) and set EMAIL_HOST and its credentials.",
                id="chancery.W001",
            )
        ]
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and settings.EMAIL_HOST in {"", "localhost", "127.0.0.1"}:
        return [
            Warning(
                "EMAIL_HOST is not set: mail would go to an SMTP server on this machine, which is rarely there.",
                hint="Set EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER and EMAIL_HOST_PASSWORD from the environment.",
                id="chancery.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def proxies_counted(app_configs, **kwargs):
    """Behind a reverse proxy every request comes from the proxy's address: lockout would lock everyone out at once."""
    if settings.TRUSTED_PROXIES is None:
        return [
            Warning(
                "TRUSTED_PROXIES is not set: client addresses are taken from REMOTE_ADDR.",
                hint="Set TRUSTED_PROXIES to the number of reverse proxies in front of Chancery (0 if none); "
                "behind a proxy left uncounted, sign-in lockout and throttles see one address for everyone.",
                id="chancery.W003",
            )
        ]
    return []
