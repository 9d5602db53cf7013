"""The sitemap: every live page in every language, each with its hreflang alternates."""

from collections import defaultdict

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class TranslatedSitemap(Sitemap):
    def items(self):
        roots = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        in_site = Q()
        for root in roots:
            in_site |= Q(path__startswith=root.path)
        return (
            Page.objects.live().public().filter(in_site).select_related("locale").order_by("path").defer_streamfields()
        )

    def _urls(self, page, protocol, domain):
        by_translation = defaultdict(list)
        entries = []
        for item in self.paginator.page(page).object_list:
            location = item.get_full_url(self.request)
            by_translation[item.translation_key].append({"lang_code": item.locale.language_code, "location": location})
            entries.append((item, location))
        urls = []
        for item, location in entries:
            alternates = by_translation[item.translation_key]
            urls.append(
                {
                    "item": item,
                    "location": location,
                    "lastmod": item.last_published_at or item.latest_revision_created_at,
                    "alternates": alternates if len(alternates) > 1 else [],
                }
            )
        self.latest_lastmod = max((u["lastmod"] for u in urls if u["lastmod"]), default=None)
        return urls
