"""The approver's view of a fan-out: the story links to its distribution; posts filter, sort and page."""

from datetime import UTC, datetime

from django.urls import reverse
from wagtail.test.utils import WagtailPageTestCase

from embassies.models import SocialAccount
from publishing.models import Distribution, Post
from publishing.views import POSTS_PER_PAGE
from tests.factories import UserFactory, embassy_make, portal_tree_build


class DistributionPageTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        tree = portal_tree_build(languages=("en",))
        for n in range(POSTS_PER_PAGE // 2 + 3):  # two networks each: more than a page of posts
            embassy = embassy_make(f"e{n:02d}", "FR", f"City {n:02d}", "Asia/Tokyo" if n == 0 else "Europe/Paris")
            if n % 2:
                embassy.region = "africa"
                embassy.save()
            for network in ("facebook", "x"):
                account = SocialAccount(embassy=embassy, network=network, external_id=f"{network}-{n}")
                account.credentials_set({"access_token": "t"})
                account.save()
        cls.story = tree.story_add(slug="s", texts={"en": ("Summit", "Talks.")})["en"]
        cls.distribution = Distribution.objects.get(story=cls.story)
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])

    def setUp(self):
        self.client.force_login(self.approver)

    def progress(self, **query):
        return self.client.get(reverse("publishing_distribution_progress", args=(self.distribution.pk,)), query)

    def test_the_storys_edit_page_links_to_its_distribution(self):
        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.story.pk,)))
        self.assertContains(edit, reverse("publishing_distribution", args=(self.distribution.pk,)))

    def test_posts_filter_by_state_network_region_and_language_and_come_in_pages(self):
        everything = self.progress().json()
        self.assertEqual((everything["matching"], everything["pages"]), (2 * (POSTS_PER_PAGE // 2 + 3), 2))
        self.assertEqual(len(everything["posts"]), POSTS_PER_PAGE)
        self.assertEqual(len(self.progress(page=2).json()["posts"]), 6)
        x_in_africa = self.progress(network="x", region="africa").json()
        self.assertEqual(x_in_africa["matching"], (POSTS_PER_PAGE // 2 + 3) // 2)
        self.assertTrue(all(post["network"] == "x" for post in x_in_africa["posts"]))
        self.assertEqual(self.progress(state="published").json()["matching"], 0)
        self.assertEqual(self.progress(language="en").json()["matching"], everything["matching"])
        self.assertEqual(self.progress(state="exploded").status_code, 400)

    def test_each_post_shows_its_text_and_its_local_due_time_and_sorts_by_it(self):
        first = Post.objects.get(embassy__slug="e00", network="x")
        Post.objects.filter(pk=first.pk).update(due_at=datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
        Post.objects.exclude(pk=first.pk).update(due_at=datetime(2027, 1, 2, tzinfo=UTC))
        rows = self.progress(sort="due").json()["posts"]
        self.assertEqual(rows[0]["due_local"], "2027-01-01 09:30 Asia/Tokyo")
        self.assertIn("Summit", rows[0]["text"])
