"""What the ministry's free-text settings must be: translated names, time zones, hashtags, and JSON a form can read."""

import re
import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

HASHTAG = re.compile(r"#?\w{1,100}")
NAME_MAX = 200
JSON_MAX_CHARS = 5000
NOT_PLACES = {"localtime", "Factory", "posixrules"}


@cache
def iana_zones() -> frozenset[str]:
    """The IANA zones that name a place (or UTC): not the system's `localtime`, `Factory`, nor the posix/ and right/
    copies of the database."""
    return frozenset(
        zone
        for zone in zoneinfo.available_timezones()
        if zone not in NOT_PLACES and not zone.startswith(("posix/", "right/"))
    )


def validate_time_zone(value: str) -> None:
    if value not in iana_zones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone (for example Europe/Stockholm)."), params={"value": value}
        )


def validate_translated_names(value) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict):
        raise ValidationError(_('Give the names as language code → name, e.g. {"fr": "Ambassade de Suède"}.'))
    for code, name in value.items():
        if code not in known:
            raise ValidationError(
                _("%(code)s is not a portal language; use one of: %(known)s."),
                params={"code": code, "known": ", ".join(sorted(known))},
            )
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(_("The name in %(code)s must be text."), params={"code": code})
        if len(name) > NAME_MAX:
            raise ValidationError(
                _("The name in %(code)s is longer than %(max)s characters."), params={"code": code, "max": NAME_MAX}
            )


def reason_clean(reason: str, *, limit: int, missing: str) -> str:
    """A person's stated reason (for a hold, a recall, a force-publish): required, trimmed, of bounded length."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(missing)
    if len(reason) > limit:
        raise ValidationError(_("Keep the reason under %(max)s characters.") % {"max": limit})
    return reason


def validate_hashtags(value: str) -> None:
    bad = [tag for tag in value.split() if not HASHTAG.fullmatch(tag)]
    if bad:
        raise ValidationError(
            _("Not a hashtag: %(tags)s. A hashtag is # and letters, digits or _ (at most 100), separated by spaces."),
            params={"tags": " ".join(bad)[:200]},
        )


class BoundedJSONFormField(forms.JSONField):
    """JSON typed into a form, refused when it is too long or nested too deep to read (which broke the page)."""

    def to_python(self, value):
        if isinstance(value, str) and len(value) > JSON_MAX_CHARS:
            raise ValidationError(_("Keep this under %(max)s characters."), params={"max": JSON_MAX_CHARS})
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError(_("Enter valid JSON: this is nested too deep to read."), code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)  # shown back as typed

    def has_changed(self, initial, data):
        try:
            return super().has_changed(initial, data)
        except RecursionError:
            return True


class BoundedJSONField(models.JSONField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": BoundedJSONFormField, **kwargs})


class ObjectChoiceField(forms.ModelChoiceField):
    """A model choice that answers an id past any integer the database holds as an invalid choice, not a crash
    (the database driver refuses such an integer before Django's range checks see it on a related key)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
