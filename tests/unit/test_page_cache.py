"""The page cache: anonymous readers are served without a query; signed-in readers, previews, messages and private
pages never from it; a story's publication, unpublication or move empties it here and at a CDN as it commits."""

from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase

from portal.models import StoryIndexPage, StoryPage
from tests.factories import UserFactory, image_make, portal_tree_build
from tests.fake_cdn import RecordingBackend

STORY = "/en/stories/talks/"
CDN = {"fake": {"BACKEND": "tests.fake_cdn.RecordingBackend"}}


class PageCacheTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        pages = cls.tree.story_add(
            slug="talks", texts={"en": ("Border talks resume", "Both sides meet."), "fr": ("Reprise", "Rencontre.")}
        )
        cls.story, cls.story_fr = pages["en"], pages["fr"]
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def setUp(self):
        RecordingBackend.purged = []

    def test_an_anonymous_second_view_makes_no_query_and_tracking_parameters_share_it(self):
        first = self.client.get(STORY)
        self.assertEqual(first["X-Cache"], "miss")
        with self.assertNumQueries(0):
            again = self.client.get(f"{STORY}?utm_source=facebook&utm_medium=social&utm_content=paris&m=ab12cd34")
        self.assertEqual(again["X-Cache"], "hit")
        self.assertEqual(again.content, first.content)
        self.assertIn("Border talks resume", again.content.decode())

    def test_each_language_is_its_own_entry(self):
        self.client.get(STORY)
        french = self.client.get("/fr/stories/talks/")
        self.assertEqual(french["X-Cache"], "miss")
        self.assertContains(french, "Reprise")

    def test_cache_headers_let_a_cdn_serve_hits_and_readers_revalidate(self):
        response = self.client.get(STORY)
        control = response["Cache-Control"]
        for part in ("public", "max-age=60", "s-maxage=300", "stale-while-revalidate=60"):
            self.assertIn(part, control)
        self.assertTrue(response["ETag"])
        hit = self.client.get(STORY)
        self.assertEqual(hit["ETag"], response["ETag"])
        not_modified = self.client.get(STORY, headers={"if-none-match": response["ETag"]})
        self.assertEqual(not_modified.status_code, 304)

    def test_a_signed_in_reader_is_never_served_or_stored(self):
        self.client.get(STORY)  # an anonymous reader's copy is kept
        self.client.force_login(self.editor)
        response = self.client.get(STORY)
        self.assertNotIn("X-Cache", response)
        self.assertIn("private", response["Cache-Control"])
        self.client.logout()
        self.assertEqual(self.client.get(STORY)["X-Cache"], "hit")  # the signed-in page was not stored

    def test_a_preview_is_never_cached(self):
        self.client.force_login(self.editor)
        url = reverse("wagtailadmin_pages:preview_on_edit", args=(self.story.pk,))
        for _ in range(2):
            response = self.client.get(url)
            self.assertNotIn("X-Cache", response)

    def test_a_reader_with_messages_is_served_fresh(self):
        self.client.get(STORY)
        self.client.cookies["messages"] = "anything"
        self.assertNotIn("X-Cache", self.client.get(STORY))

    def test_a_private_page_is_never_cached(self):
        PageViewRestriction.objects.create(page=self.story, restriction_type="password", password="s3cret")
        for _ in range(2):
            response = self.client.get(STORY)
            self.assertNotEqual(response.get("X-Cache"), "hit")
        self.assertNotContains(response, "Both sides meet.")

    @override_settings(WAGTAILFRONTENDCACHE=CDN)
    def test_publishing_a_new_revision_purges_the_page_and_its_listings_here_and_at_the_cdn(self):
        for url in (STORY, "/en/", "/en/stories/", "/en/feeds/rss/", "/sitemap.xml"):
            self.client.get(url)
        story = StoryPage.objects.get(pk=self.story.pk)
        story.title = "Border talks: a correction"
        with self.captureOnCommitCallbacks(execute=True):
            story.save_revision().publish()
        for url in (STORY, "/en/", "/en/stories/", "/en/feeds/rss/"):
            response = self.client.get(url)
            self.assertEqual(response["X-Cache"], "miss", url)
            self.assertContains(response, "Border talks: a correction", msg_prefix=url)
        purged = set(RecordingBackend.purged)
        for url in ("/en/stories/talks/", "/en/", "/en/stories/", "/en/feeds/rss/", "/en/feeds/atom/", "/sitemap.xml"):
            self.assertIn(f"http://testserver{url}", purged)

    @override_settings(WAGTAILFRONTENDCACHE=CDN)
    def test_unpublishing_purges_the_page_and_its_listings(self):
        for url in (STORY, "/en/", "/en/stories/", "/en/feeds/rss/"):
            self.assertContains(self.client.get(url), "Border talks resume", msg_prefix=url)
        with self.captureOnCommitCallbacks(execute=True):
            StoryPage.objects.get(pk=self.story.pk).unpublish()
        self.assertEqual(self.client.get(STORY).status_code, 404)
        for url in ("/en/", "/en/stories/", "/en/feeds/rss/"):
            self.assertNotContains(self.client.get(url), "Border talks resume", msg_prefix=url)
        for url in ("/en/stories/talks/", "/en/", "/en/stories/", "/en/feeds/rss/", "/sitemap.xml"):
            self.assertIn(f"http://testserver{url}", RecordingBackend.purged)

    @override_settings(WAGTAILFRONTENDCACHE=CDN)
    def test_moving_purges_the_old_and_the_new_address(self):
        other = self.tree.home.add_child(instance=StoryIndexPage(title="Archive", slug="archive"))
        other.save_revision().publish()
        self.client.get(STORY)
        with self.captureOnCommitCallbacks(execute=True):
            StoryPage.objects.get(pk=self.story.pk).move(other, pos="last-child")
        old = self.client.get(STORY)  # not the kept page: Wagtail's redirect to the new address
        self.assertEqual((old.status_code, old["Location"]), (301, "/en/archive/talks/"))
        self.assertContains(self.client.get("/en/archive/talks/"), "Border talks resume")
        self.assertIn("http://testserver/en/stories/talks/", RecordingBackend.purged)
        self.assertIn("http://testserver/en/archive/talks/", RecordingBackend.purged)


class MissPathTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr", "ar"))
        cls.pages = cls.tree.story_add(
            slug="pledge",
            texts={"en": ("Climate pledge", "Support doubles."), "fr": ("Engagement", "Double."), "ar": ("تعهد", "ت.")},
            topics=["climate"],
            countries=["SE", "KE"],
            image=image_make(),
        )

    def test_a_story_page_is_built_with_at_most_ten_queries(self):
        self.client.get("/en/stories/pledge/")  # renditions are made once
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get("/en/stories/pledge/")
        self.assertEqual(response["X-Cache"], "miss")
        self.assertLessEqual(len(captured), 10)
        self.assertContains(response, 'href="/en/stories/?topic=climate"')

    def test_a_translation_in_a_private_section_is_not_linked(self):
        PageViewRestriction.objects.create(page=self.tree.indexes["fr"], restriction_type="password", password="x")
        response = self.client.get("/en/stories/pledge/")
        self.assertContains(response, 'hreflang="ar"')
        self.assertNotContains(response, 'hreflang="fr"')
