"""Embassies, who works for which, and the social accounts each embassy posts from."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.validators import BoundedJSONField, validate_hashtags, validate_time_zone, validate_translated_names

from .credentials import credentials_decrypt, credentials_encrypt


def validate_languages(value) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, list) or not value:
        raise ValidationError(_('Give the posting languages as a list of codes, e.g. ["fr", "en"].'))
    unknown = [code for code in value if not isinstance(code, str) or code not in known]
    if unknown:
        raise ValidationError(
            _("Unknown languages: %(codes)s. Use the portal's: %(known)s."),
            params={"codes": ", ".join(str(code)[:20] for code in unknown), "known": ", ".join(sorted(known))},
        )


# The one permission that lets a ministry user see every embassy's queue, accounts and reach.
EVERY_EMBASSY = "embassies.view_every_embassy"


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA_PACIFIC = "asia-pacific", _("Asia and the Pacific")
    EUROPE = "europe", _("Europe")
    MIDDLE_EAST = "middle-east", _("Middle East and North Africa")


class EmbassyQuerySet(models.QuerySet):
    def for_user(self, user) -> "EmbassyQuerySet":
        """The embassies a user may see: all for ministry users, their own for embassy staff."""
        if not user.is_authenticated:
            return self.none()
        if user.has_perm(EVERY_EMBASSY):
            return self
        return self.filter(memberships__user=user).distinct()


class Embassy(models.Model):
    name = models.CharField(_("name"), max_length=200, help_text=_("In English; translations below."))
    names = BoundedJSONField(
        _("translated names"),
        default=dict,
        blank=True,
        validators=[validate_translated_names],
        help_text=_('Language code → name, e.g. {"fr": "Ambassade de Suède"}.'),
    )
    slug = models.SlugField(unique=True)
    country = models.ForeignKey("portal.Country", on_delete=models.PROTECT, related_name="embassies")
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=20, choices=Region.choices)
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text=_("IANA name, e.g. Africa/Nairobi")
    )
    posting_languages = BoundedJSONField(
        default=list,
        validators=[validate_languages],
        help_text=_('Portal language codes in order of preference, e.g. ["fr", "en"].'),
    )
    hashtags = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_hashtags],
        help_text=_("Added to every post, separated by spaces."),
    )
    active = models.BooleanField(default=True)
    auto_approve = models.BooleanField(
        default=False, help_text=_("Posts skip the review queue and go after the delay.")
    )
    auto_approve_delay = models.DurationField(default=timedelta(minutes=30))
    opted_out_topics = models.ManyToManyField(
        "taggit.Tag", blank=True, related_name="+", help_text=_("Stories with these topics are not proposed.")
    )

    objects = EmbassyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("embassies")
        permissions = [("view_every_embassy", _("Can see every embassy's posts, accounts and reach"))]

    def __str__(self) -> str:
        return self.name_in(get_language())

    def name_in(self, language_code: str | None) -> str:
        name = self.names.get(language_code or "") if isinstance(self.names, dict) else None
        return name if isinstance(name, str) and name else self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class EmbassyMembership(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        HEAD_OF_MISSION = "head", _("Head of mission")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="embassy_memberships")
    embassy = models.ForeignKey(Embassy, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "embassy"], name="one_membership_per_embassy")]

    def __str__(self) -> str:
        return f"{self.user} — {self.embassy} ({self.get_role_display()})"


class SocialAccountQuerySet(models.QuerySet):
    def for_user(self, user) -> "SocialAccountQuerySet":
        return self.filter(embassy__in=Embassy.objects.for_user(user))


class SocialAccount(models.Model):
    class Network(models.TextChoices):
        FACEBOOK = "facebook", _("Facebook Page")
        X = "x", _("X account")

    class Status(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        DISABLED = "disabled", _("Disabled")

    embassy = models.ForeignKey(Embassy, on_delete=models.CASCADE, related_name="accounts")
    network = models.CharField(max_length=10, choices=Network.choices)
    external_id = models.CharField(max_length=64, help_text=_("The Page id or X user id."))
    handle = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    # Fernet ciphertext of a JSON object; read and written only through credentials_get/credentials_set.
    credentials_ciphertext = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    last_error = models.TextField(blank=True)
    rate_limit = models.JSONField(default=dict, blank=True, editable=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    objects = SocialAccountQuerySet.as_manager()

    class Meta:
        ordering = ["embassy__name", "network"]
        constraints = [
            models.UniqueConstraint(fields=["embassy", "network"], name="one_account_per_network_per_embassy"),
            models.UniqueConstraint(fields=["network", "external_id"], name="external_account_once"),
        ]

    def __str__(self) -> str:
        return f"{self.embassy.name} — {self.get_network_display()} {self.handle or self.display_name}"

    def credentials_get(self) -> dict:
        return credentials_decrypt(self.credentials_ciphertext)

    def credentials_set(self, data: dict) -> None:
        self.credentials_ciphertext = credentials_encrypt(data)

    @property
    def expires_soon(self) -> bool:
        return bool(self.token_expires_at and self.token_expires_at <= timezone.now() + timedelta(days=7))

    @property
    def healthy(self) -> bool:
        return self.status == self.Status.CONNECTED and not (
            self.network == self.Network.FACEBOOK and self.expires_soon
        )
