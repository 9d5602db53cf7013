"""URLs: the admin, feeds, sitemap and robots.txt, then the pages under /<lang>/."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from .feeds import LatestStoriesAtomFeed, LatestStoriesFeed
from .sitemaps import TranslatedSitemap
from .views import robots_txt, search

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": TranslatedSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("embassies.urls")),
    path("", include("publishing.urls")),
    path("", include("publishing.listening.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    from django.views.static import serve

    # Renditions and uploads; a real deployment puts a web server or object storage in front.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

urlpatterns += i18n_patterns(
    path("search/", search, name="search"),
    path("feeds/rss/", LatestStoriesFeed(), name="feed-rss"),
    path("feeds/atom/", LatestStoriesAtomFeed(), name="feed-atom"),
    path("", include(wagtail_urls)),
)
