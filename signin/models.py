"""Second-factor devices on django-otp: an authenticator app (TOTP) and one-time recovery codes, each secret
stored only as MultiFernet ciphertext, like the networks' tokens."""

import hmac
import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from embassies.credentials import credentials_decrypt, credentials_encrypt

STEP, DIGITS, TOLERANCE = 30, 6, 1


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app's shared secret; a code is accepted once, within one step either side of now."""

    secret_ciphertext = models.TextField(editable=False)
    last_t = models.BigIntegerField(default=-1, help_text=_("The time step of the last code accepted."))
    drift = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator app")

    def secret_set(self, key: bytes) -> None:
        self.secret_ciphertext = credentials_encrypt({"key": key.hex()})

    def secret_get(self) -> bytes:
        return bytes.fromhex(credentials_decrypt(self.secret_ciphertext)["key"])

    def totp(self) -> TOTP:
        totp = TOTP(self.secret_get(), STEP, 0, DIGITS, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip().replace(" ", "")
        verified = False
        if token.isdigit() and len(token) == DIGITS:
            totp = self.totp()
            verified = totp.verify(int(token), TOLERANCE, self.last_t + 1)
            if verified:
                self.last_t, self.drift = totp.t(), totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)


class RecoveryCodes(ThrottlingMixin, Device):
    """One-time codes for when the authenticator is lost; each works once."""

    codes_ciphertext = models.TextField(editable=False)

    class Meta:
        verbose_name = _("recovery codes")

    def codes_set(self, codes: list[str]) -> None:
        self.codes_ciphertext = credentials_encrypt({"codes": codes})

    def codes_get(self) -> list[str]:
        return credentials_decrypt(self.codes_ciphertext).get("codes", [])

    def verify_token(self, token) -> bool:
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        given = str(token).strip().replace(" ", "").replace("-", "").lower()
        remaining = self.codes_get()
        match = next((code for code in remaining if hmac.compare_digest(code, given)), None)
        if match is None:
            self.throttle_increment(commit=True)
            return False
        remaining.remove(match)
        self.codes_set(remaining)
        self.throttle_reset(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)
