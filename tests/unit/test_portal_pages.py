"""The public portal: languages and direction, sharing tags, feeds, sitemap, search and query bounds."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage
from wagtail.test.utils import WagtailPageTestCase

from tests.factories import image_make, portal_tree_build

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


class HeadParser(HTMLParser):
    """Collects <html> attributes, <meta> and <link> tags of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.html_attrs: dict = {}
        self.meta: list[dict] = []
        self.links: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs
        elif tag == "meta":
            self.meta.append(attrs)
        elif tag == "link":
            self.links.append(attrs)

    def property(self, name: str) -> list[str]:
        return [m["content"] for m in self.meta if m.get("property") == name or m.get("name") == name]


class PortalPageTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build()
        cls.climate = cls.tree.story_add(
            slug="climate-pledge",
            texts={
                "en": ("Climate finance pledge", "The ministry doubles adaptation support."),
                "ar": ("تعهد تمويل المناخ", "تضاعف الوزارة دعم التكيف."),
                "fr": ("Engagement climatique", "Le ministère double son soutien à l'adaptation."),
                "de": ("Klimazusage", "Das Ministerium verdoppelt die Unterstützung."),
            },
            topics=["climate"],
            countries=["SE", "KE"],
            image=image_make(),
            featured=True,
            hashtags="ClimateAction",
        )
        cls.trade = cls.tree.story_add(
            slug="trade-deal",
            texts={"en": ("Trade deal signed", "Tariffs fall for small firms.")},
            topics=["trade"],
            countries=["VN"],
        )

    def test_every_language_renders_with_its_lang_and_direction(self):
        for code in self.tree.locales:
            response = self.client.get(f"/{code}/")
            self.assertEqual(response.status_code, 200, code)
            head = HeadParser(response.content.decode())
            self.assertEqual(head.html_attrs["lang"], code)
            self.assertEqual(head.html_attrs["dir"], "rtl" if code == "ar" else "ltr")

    def test_arabic_story_is_right_to_left_with_arabic_dates(self):
        response = self.client.get("/ar/stories/climate-pledge/")
        self.assertContains(response, 'dir="rtl"')
        self.assertContains(response, "تعهد تمويل المناخ")
        # Babel's Arabic long date uses Arabic month names, never the English ones.
        months_ar = [
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ]
        self.assertTrue(any(month in response.content.decode() for month in months_ar))

    def test_country_names_come_from_cldr_in_the_page_language(self):
        self.assertContains(self.client.get("/de/stories/climate-pledge/"), "Kenia und Schweden")
        self.assertContains(self.client.get("/fr/stories/climate-pledge/"), "Suède")
        self.assertContains(self.client.get("/en/stories/climate-pledge/"), "Sweden")

    def test_language_switcher_links_the_story_translations_only(self):
        response = self.client.get("/en/stories/climate-pledge/")
        head = HeadParser(response.content.decode())
        hreflangs = {link["hreflang"]: link["href"] for link in head.links if link.get("hreflang")}
        self.assertEqual(set(hreflangs), {"en", "ar", "fr", "de"})
        self.assertEqual(hreflangs["ar"], "http://testserver/ar/stories/climate-pledge/")
        self.assertContains(response, 'href="/ar/stories/climate-pledge/" hreflang="ar"')
        self.assertNotContains(response, 'hreflang="sv"')

    def test_story_carries_open_graph_and_twitter_card_tags(self):
        response = self.client.get("/fr/stories/climate-pledge/")
        head = HeadParser(response.content.decode())
        self.assertEqual(head.property("og:type"), ["article"])
        self.assertEqual(head.property("og:title"), ["Engagement climatique"])
        self.assertEqual(head.property("og:description"), ["Le ministère double son soutien à l'adaptation."])
        self.assertEqual(head.property("og:url"), ["http://testserver/fr/stories/climate-pledge/"])
        self.assertEqual(head.property("og:locale"), ["fr_FR"])
        self.assertEqual(set(head.property("og:locale:alternate")), {"en_US", "ar_EG", "de_DE"})
        self.assertEqual(head.property("twitter:card"), ["summary_large_image"])
        self.assertEqual(head.property("og:image:type"), ["image/jpeg"])
        [image_url] = head.property("og:image")
        path = image_url.split("/media/", 1)[1]
        with default_storage.open(path) as file, PILImage.open(file) as image:
            self.assertEqual((image.format, image.size), ("JPEG", (1200, 630)))

    def test_feeds_are_announced_on_the_home_page_and_parse(self):
        head = HeadParser(self.client.get("/fr/").content.decode())
        feeds = {
            link["type"]: link["href"] for link in head.links if link.get("rel") == "alternate" and link.get("type")
        }
        self.assertEqual(feeds, {"application/rss+xml": "/fr/feeds/rss/", "application/atom+xml": "/fr/feeds/atom/"})

        rss = ET.fromstring(self.client.get(feeds["application/rss+xml"]).content)
        self.assertEqual([item.findtext("title") for item in rss.iter("item")], ["Engagement climatique"])
        atom = ET.fromstring(self.client.get(feeds["application/atom+xml"]).content)
        titles = [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")]
        self.assertEqual(titles, ["Engagement climatique"])

        english = ET.fromstring(self.client.get("/en/feeds/rss/").content)
        self.assertEqual(
            sorted(item.findtext("title") for item in english.iter("item")),
            ["Climate finance pledge", "Trade deal signed"],
        )

    def test_sitemap_lists_every_language_with_hreflang_alternates(self):
        sitemap = ET.fromstring(self.client.get("/sitemap.xml").content)
        entries = {
            url.findtext(f"{SITEMAP}loc"): {link.get("hreflang") for link in url.findall(f"{XHTML}link")}
            for url in sitemap.findall(f"{SITEMAP}url")
        }
        self.assertEqual(entries["http://testserver/ar/stories/climate-pledge/"], {"en", "ar", "fr", "de"})
        self.assertEqual(entries["http://testserver/en/stories/trade-deal/"], set())
        self.assertIn("http://testserver/sv/", entries)

    def test_robots_txt_points_at_the_sitemap(self):
        response = self.client.get("/robots.txt")
        self.assertContains(response, "Sitemap: http://testserver/sitemap.xml")
        self.assertContains(response, "Disallow: /admin/")

    def test_search_finds_stories_in_the_current_language_only(self):
        self.assertContains(self.client.get("/en/search/", {"q": "climate"}), "Climate finance pledge")
        self.assertNotContains(self.client.get("/en/search/", {"q": "climate"}), "Trade deal signed")
        arabic = self.client.get("/ar/search/", {"q": "المناخ"})
        self.assertContains(arabic, "تعهد تمويل المناخ")
        self.assertNotContains(self.client.get("/fr/search/", {"q": "tariffs"}), "Trade deal")

    def test_story_index_filters_by_topic_and_country(self):
        by_topic = self.client.get("/en/stories/", {"topic": "trade"})
        self.assertContains(by_topic, "Trade deal signed")
        self.assertNotContains(by_topic, "Climate finance pledge")
        by_country = self.client.get("/en/stories/", {"country": "KE"})
        self.assertContains(by_country, "Climate finance pledge")
        self.assertNotContains(by_country, "Trade deal signed")

    def test_home_page_features_the_featured_story(self):
        response = self.client.get("/en/")
        self.assertEqual(response.context["featured"].slug, "climate-pledge")
        self.assertEqual([s.slug for s in response.context["latest"]], ["trade-deal"])

    def test_story_queries_do_not_grow_with_translations_or_stories(self):
        self.client.get("/en/stories/trade-deal/")  # warm renditions and caches
        self.client.get("/en/stories/climate-pledge/")

        def queries(url):
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(captured)

        few = queries("/en/stories/trade-deal/")
        for n in range(8):
            self.tree.story_add(
                slug=f"more-{n}",
                texts={"en": (f"More {n}", "More."), "ar": (f"المزيد {n}", "المزيد."), "fr": (f"Plus {n}", "Plus.")},
                topics=["trade"],
                countries=["VN", "SE"],
            )
        self.tree.story_add(slug="trade-deal-2", texts={"en": ("Another", "x"), "sv": ("En till", "x")})
        many_stories = queries("/en/stories/trade-deal/")
        many_translations = queries("/en/stories/climate-pledge/")
        self.assertEqual(few, many_stories)
        self.assertLessEqual(
            many_translations, few + 3
        )  # hero image rendition and countries: constant, not per translation
        self.assertLessEqual(many_translations, 25)


class InterfaceTranslationTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "ar", "ru", "zh-hans", "sv", "fr", "es", "de", "pt"))

    def test_interface_strings_are_translated_in_every_language(self):
        expected_search_label = {
            "en": "Search",
            "sv": "Sök",
            "fr": "Rechercher",
            "es": "Buscar",
            "ar": "بحث",
            "ru": "Поиск",
            "zh-hans": "搜索",
            "de": "Suchen",
            "pt": "Pesquisar",
        }
        for code, label in expected_search_label.items():
            response = self.client.get(f"/{code}/")
            self.assertContains(response, f'<button type="submit">{label}</button>', msg_prefix=code)

    def test_search_result_counts_use_each_language_plural_rules(self):
        self.assertContains(self.client.get("/ru/search/", {"q": "zzz"}), "0 результатов по запросу")
        self.assertContains(self.client.get("/fr/search/", {"q": "zzz"}), "0 résultat pour")
