"""The portal's page cache for anonymous readers: whole responses in the `pages` cache, served before sessions, locale
and the page tree are touched; emptied as a story is published, unpublished or moved, here and at a CDN in front.

A response is kept only for a reader who is not signed in and carries no messages (no session or messages cookie),
for GET and HEAD, a 200 that sets no cookie and is not marked private. Each language is its own URL, so its own
entry. Tracking parameters (utm_*, the post marker `m`, fbclid…) do not make entries of their own: every embassy's
post links to the same page with its own, and a news spike is exactly all of them at once.

Purging moves the cache to a new generation rather than deleting keys: a story's change reaches its page, its
translations, the home and index pages (every page of them, whatever their query), the feeds and the sitemap at
once, and it happens as the publishing transaction commits, so no reader caches the old page in between.
"""

import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

ALIAS = "pages"
GENERATION = "pages:generation"
TRACKING = re.compile(r"^(utm_\w+|m|fbclid|gclid|mc_cid|mc_eid|_ga)$")
NOT_PAGES = ("/admin/", "/django-admin/", "/static/", "/media/", "/documents/", "/_sandbox/")
PRIVATE_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "ETag", "Last-Modified", "Link")


def pages_cache():
    return caches[ALIAS]


def generation() -> int:
    cache = pages_cache()
    current = cache.get(GENERATION)
    if current is None:
        cache.add(GENERATION, 1, timeout=None)
        current = cache.get(GENERATION, 1)
    return current


def page_cache_key(request) -> str:
    query = urlencode(sorted((k, v) for k, values in request.GET.lists() if not TRACKING.match(k) for v in values))
    address = f"{request.get_host()}{request.path}?{query}"
    return f"page:{generation()}:{hashlib.sha256(address.encode()).hexdigest()}"


def pages_purge() -> None:
    """Empty the page cache (as the current transaction commits): every later request builds its page anew."""
    transaction.on_commit(_generation_next)


def _generation_next() -> None:
    cache = pages_cache()
    try:
        cache.incr(GENERATION)
    except ValueError:  # no generation yet, or it expired with the cache
        cache.set(GENERATION, generation() + 1, timeout=None)


def cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith(NOT_PAGES)
        and not any(name in request.COOKIES for name in PRIVATE_COOKIES)
    )


def cacheable_response(response) -> bool:
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in control
        and "no-store" not in control
    )


class PageCacheMiddleware:
    """Before the session, locale and page-tree middleware: a hit costs one cache read and no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            response = self.get_response(request)
            if not request.path_info.startswith(NOT_PAGES) and "Cache-Control" not in response:
                patch_cache_control(response, private=True, no_cache=True)  # a signed-in reader's page
            return response
        key = page_cache_key(request)
        if (kept := pages_cache().get(key)) is not None:
            return self.from_cache(kept)
        response = self.get_response(request)
        if cacheable_response(response):
            self.public(response)
            kept = {"content": response.content, "headers": {h: response[h] for h in KEPT_HEADERS if h in response}}
            pages_cache().set(key, kept, timeout=settings.PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    def public(self, response) -> None:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PAGE_BROWSER_SECONDS,
            s_maxage=settings.PAGE_CACHE_SECONDS,
            stale_while_revalidate=settings.PAGE_STALE_SECONDS,
        )

    def from_cache(self, kept: dict) -> HttpResponse:
        response = HttpResponse(kept["content"])
        for header, value in kept["headers"].items():
            response[header] = value
        self.public(response)
        response["X-Cache"] = "hit"
        return response


def story_cached_urls(page, *, old_url: str | None = None) -> list[str]:
    """The public URLs a change of `page` alters: the page (where it was and where it is), its language's home and
    story index, that language's feeds, and the sitemap."""
    from django.urls import reverse
    from django.utils import translation

    from .models import HomePage, StoryIndexPage

    urls = {old_url} if old_url else set()
    if page.live and (url := page.get_full_url()):
        urls.add(url)
    site = page.get_site()
    root = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    for listing in (HomePage, StoryIndexPage):
        urls.update(p.get_full_url() for p in listing.objects.live().filter(locale_id=page.locale_id))
    with translation.override(page.locale.language_code):
        urls.update(f"{root}{reverse(name)}" for name in ("feed-rss", "feed-atom"))
    urls.add(f"{root}{reverse('sitemap')}")
    return sorted(url for url in urls if url)


def page_changed(sender, instance, **kwargs) -> None:
    """A page was published, unpublished, moved or deleted: readers see the change as it commits, here and at a CDN
    (Wagtail's frontend cache backends, when WAGTAILFRONTENDCACHE names any)."""
    pages_purge()
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    page = instance.specific
    old_url = url_before_move(page, kwargs["url_path_before"]) if kwargs.get("url_path_before") else None
    urls = story_cached_urls(page, old_url=old_url)
    transaction.on_commit(lambda: purge_urls_from_cache(urls))


def url_before_move(page, url_path_before: str) -> str | None:
    """The public URL a moved page had: its URL now, with the part that follows its site's root as it was."""
    site = page.get_site()
    url = page.get_full_url()
    if not site or not url:
        return None
    root = site.root_page.url_path
    now, before = page.url_path[len(root) :], url_path_before[len(root) :]
    return url[: -len(now)] + before if now and url.endswith(now) else None
