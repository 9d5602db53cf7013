"""Loads the demo embassies, each with a Facebook Page and an X account on the sandbox; idempotent."""

import socket
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

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


def _sandbox_running(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


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


class NotASandbox(ValueError):
    """The demo was asked to publish somewhere other than a sandbox on this machine."""


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _on_this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK_NAMES or host.startswith("127.")


@contextmanager
def _networks_at(sandbox_url: str):
    """Every network client of this process talks to the sandbox for the while, whatever the settings say."""
    from publishing.channels.facebook import graph_base_url_apply

    names = ("FACEBOOK_GRAPH_URL", "FACEBOOK_WWW_URL", "X_API_URL", "X_AUTHORIZE_URL")
    saved = {name: getattr(settings, name) for name in names}
    settings.FACEBOOK_GRAPH_URL = settings.FACEBOOK_WWW_URL = f"{sandbox_url}/"
    settings.X_API_URL = sandbox_url
    settings.X_AUTHORIZE_URL = f"{sandbox_url}/i/oauth2/authorize"
    graph_base_url_apply()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        graph_base_url_apply()


@contextmanager
def sandbox_available(sandbox_url: str | None = None):
    """The sandbox at `sandbox_url` (settings by default), started in this process for the while if none runs; the
    demo's posts, reads and connections go to it alone. A sandbox elsewhere than this machine is refused: the demo
    never publishes to a real network, nor to a server someone else runs."""
    sandbox_url = (sandbox_url or settings.SANDBOX_URL).rstrip("/")
    if not _on_this_machine(sandbox_url):
        raise NotASandbox(
            f"The demo publishes only to the network sandbox on this machine; SANDBOX_URL is {sandbox_url}. "
            "Set SANDBOX_URL to http://127.0.0.1:<port> (the demo starts the sandbox there if none runs)."
        )
    server = None
    if not _sandbox_running(sandbox_url):
        from publishing.sandbox.server import serve_in_thread

        parts = urlsplit(sandbox_url)
        server = serve_in_thread(parts.hostname, parts.port, settings.VAR_DIR / "sandbox.sqlite3")
    try:
        with _networks_at(sandbox_url):
            yield sandbox_url
    finally:
        if server:
            server.shutdown()
            server.server_close()


def demo_embassies_load(*, sandbox_url: str | None = None) -> dict[str, int]:
    """Create the embassies and their accounts; start a sandbox for the occasion if none is running."""
    with sandbox_available(sandbox_url) as url:
        return _load(url)


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
