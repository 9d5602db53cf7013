"""RSS and Atom feeds of the latest stories, one pair per language."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Locale

from .models import StoryPage


class LatestStoriesFeed(Feed):
    limit = 30

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return Locale.get_active()

    def title(self, locale):
        return _("Ministry for Foreign Affairs — latest stories")

    def description(self, locale):
        return _("News from the Ministry for Foreign Affairs and its embassies.")

    def link(self, locale):
        return f"/{get_language()}/"

    def feed_url(self, locale):
        return reverse("feed-rss")

    def items(self, locale):
        return StoryPage.objects.live().public().filter(locale=locale).order_by("-first_published_at")[: self.limit]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description

    def feed_url(self, locale):
        return reverse("feed-atom")
