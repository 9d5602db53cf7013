"""Second-factor services: enrol an authenticator, issue recovery codes, reset a user's devices."""

import base64
import secrets
from datetime import timedelta
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import DIGITS, STEP, AuthenticatorDevice, RecoveryCodes

RECOVERY_CODES = 10
ISSUER = "Chancery"


PENDING_FOR = timedelta(minutes=15)


def authenticator_enrol_begin(*, user) -> AuthenticatorDevice:
    """The unconfirmed authenticator `user` is setting up: the one begun in the last 15 minutes (a reload shows the
    same QR code), else a new one with a fresh secret."""
    pending = AuthenticatorDevice.objects.filter(user=user, confirmed=False)
    if device := pending.filter(created_at__gte=timezone.now() - PENDING_FOR).order_by("-pk").first():
        return device
    pending.delete()
    device = AuthenticatorDevice(user=user, name="Authenticator app", confirmed=False)
    device.secret_set(secrets.token_bytes(20))
    device.save()
    return device


def authenticator_enrol_confirm(*, device: AuthenticatorDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns the new recovery codes, or None for a wrong code."""
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_issue(user=device.user)


def recovery_codes_issue(*, user) -> list[str]:
    """Ten new one-time codes; the earlier ones stop working."""
    codes = [secrets.token_hex(5) for _n in range(RECOVERY_CODES)]
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes(user=user, name="Recovery codes", confirmed=True)
    device.codes_set(codes)
    device.save()
    return codes


def second_factor_reset(*, user) -> int:
    """Remove every device of `user`: the next sign-in enrols a new authenticator. For an operator."""
    removed = AuthenticatorDevice.objects.filter(user=user).delete()[0]
    return removed + RecoveryCodes.objects.filter(user=user).delete()[0]


def authenticator_secret_text(device: AuthenticatorDevice) -> str:
    """The secret as an authenticator app takes it by hand (base32, in groups of four)."""
    text = base64.b32encode(device.secret_get()).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def authenticator_config_url(device: AuthenticatorDevice) -> str:
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    query = urlencode(
        {
            "secret": authenticator_secret_text(device).replace(" ", ""),
            "issuer": getattr(settings, "WAGTAIL_SITE_NAME", ISSUER),
            "digits": DIGITS,
            "period": STEP,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def authenticator_qr_svg(device: AuthenticatorDevice) -> str:
    """The configuration URL as an inline SVG QR code, drawn here (never by a third party)."""
    return segno.make(authenticator_config_url(device), error="m").svg_inline(scale=5, border=2)
