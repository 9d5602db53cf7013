"""Deployment checks of our own, run by `manage.py check --deploy`: mail that would never leave."""

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
