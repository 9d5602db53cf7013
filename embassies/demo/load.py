"""Loads the demo embassies, each with a Facebook Page and an X account on the sandbox; idempotent."""

from datetime import timedelta

import requests
from babel.languages import get_official_languages
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from embassies.models import Embassy, EmbassyMembership, SocialAccount
from portal.l10n import babel_locale
from portal.models import Country

from .missions import MISSIONS, STAFF

PORTAL_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def posting_languages(country: str) -> list[str]:
    """The country's official languages that the portal publishes in, then English."""
    official = ["zh-hans" if code == "zh" else code for code in get_official_languages(country, de_facto=True)]
    chosen = [code for code in official if code in PORTAL_LANGUAGES]
    return list(dict.fromkeys([*chosen, "en"]))


def embassy_names(country: str) -> dict[str, str]:
    names = {}
    for code in PORTAL_LANGUAGES:
        with translation.override(code):
            names[code] = _("Embassy in %(country)s") % {
                "country": babel_locale(code).territories.get(country, country)
            }
    return names


def _sandbox_account(url: str, *, network: str, name: str, username: str, followers: int, offset: int) -> dict:
    response = requests.post(
        f"{url}/_sandbox/accounts",
        json={
            "network": network,
            "name": name,
            "username": username,
            "followers": followers,
            "utc_offset_hours": offset,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def demo_embassies_load(*, sandbox_url: str) -> dict[str, int]:
    """Create the embassies and their accounts on the sandbox at `sandbox_url` (portal.demo.sandbox starts it)."""
    return _load(sandbox_url)


def _load(sandbox_url: str) -> dict[str, int]:
    created = {"embassies": 0, "accounts": 0}
    countries = {c.code: c for c in Country.objects.filter(code__in=[m[0] for m in MISSIONS])}
    for index, (code, city, zone, region) in enumerate(MISSIONS):
        names = embassy_names(code)
        embassy, new = Embassy.objects.get_or_create(
            slug=slugify(f"{city}-{code}"),
            defaults={
                "name": names["en"],
                "names": names,
                "country": countries[code],
                "city": city,
                "region": region,
                "time_zone": zone,
                "posting_languages": posting_languages(code),
                "hashtags": f"#{slugify(city).replace('-', '').capitalize()}",
                "auto_approve": index % 10 == 0,
            },
        )
        created["embassies"] += new
        offset = int(timezone.now().astimezone(embassy.zone).utcoffset().total_seconds() // 3600)
        followers = 2000 + (index * 7919) % 48000
        for network in SocialAccount.Network.values:
            if SocialAccount.objects.filter(embassy=embassy, network=network).exists():
                continue
            username = slugify(f"emb {city}").replace("-", "")[:15]
            remote = _sandbox_account(
                sandbox_url, network=network, name=embassy.name, username=username, followers=followers, offset=offset
            )
            account = SocialAccount(
                embassy=embassy,
                network=network,
                external_id=remote["id"],
                display_name=remote["name"],
                handle=f"@{remote['username']}" if network == "x" else remote["name"],
                token_expires_at=timezone.now() + timedelta(seconds=remote["expires_in"]) if network == "x" else None,
                connected_at=timezone.now(),
            )
            account.credentials_set(
                {
                    "access_token": remote["access_token"],
                    **({"refresh_token": remote["refresh_token"]} if network == "x" else {}),
                }
            )
            account.save()
            created["accounts"] += 1
    return created


@transaction.atomic
def demo_staff_load(password: str) -> list[tuple[str, str]]:
    logins = []
    for username, country, role in STAFF:
        embassy = Embassy.objects.filter(country_id=country).first()
        user, new = User.objects.get_or_create(username=username, defaults={"email": f"{username}@ministry.example"})
        if new:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name="Embassy staff"))
        if role == EmbassyMembership.Role.HEAD_OF_MISSION:
            user.groups.add(Group.objects.get(name="Heads of mission"))
        EmbassyMembership.objects.get_or_create(user=user, embassy=embassy, defaults={"role": role})
        logins.append((username, f"{embassy.name} ({role})"))
    return logins
