"""The Reach reports: what each role sees on every report, chart data URL and export; unavailable figures as "—";
baselines and flags; the command-line report."""

import csv
import io
from datetime import timedelta

import openpyxl
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from embassies.models import EmbassyMembership
from portal.models import StoryPage
from publishing.models import MetricSnapshot, Post
from publishing.reach.collect import baselines_apply
from tests.factories import UserFactory, embassy_make, portal_tree_build
from tests.unit.test_embassy_scoping import account_make

State = Post.State


def published(post: Post, when) -> Post:
    Post.objects.filter(pk=post.pk).update(
        state=State.PUBLISHED, published_at=when, external_id=f"ext-{post.pk}", external_url=f"https://x.test/{post.pk}"
    )
    post.refresh_from_db()
    return post


def snapshot(post: Post, *, hours: float, step: int | None, **figures) -> MetricSnapshot:
    found = MetricSnapshot.objects.create(
        post=post,
        account_id=post.account_id,
        collected_at=post.published_at + timedelta(hours=hours),
        age_seconds=int(hours * 3600),
        step=step,
        names_version="test",
        unavailable={"reach": "X gives impressions, not reach"} if post.network == "x" else {},
        **figures,
    )
    post.latest_apply(found)
    post.save(update_fields=Post.LATEST_FIELDS)
    return found


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


class ReachReportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        cls.cairo = embassy_make("cairo", "EG", "Cairo", "Africa/Cairo")
        cls.cairo.name = '=HYPERLINK("http://evil.test")'  # an embassy name a spreadsheet would run
        cls.cairo.region = "middle-east"
        cls.cairo.save()
        for embassy in (cls.paris, cls.cairo):
            account_make(embassy, "facebook", f"fb-{embassy.slug}")
            account_make(embassy, "x", f"x-{embassy.slug}")
        cls.story = cls.tree.story_add(slug="ocean", texts={"en": ("Ocean pledge", "Funding for marine areas.")})["en"]
        now = timezone.now()
        for post in Post.objects.filter(distribution__story=cls.story).select_related("embassy"):
            post = published(post, now - timedelta(days=2))
            base = 1000 if post.embassy_id == cls.paris.pk else 300
            snapshot(
                post,
                hours=24,
                step=4,
                views=base,
                reach=None if post.network == "x" else base // 2,
                reactions=base // 10,
                comments=5,
                shares=2,
                clicks=7,
            )
        staff = Group.objects.get(name="Embassy staff")
        cls.anna = UserFactory(username="anna-paris")
        cls.anna.groups.add(staff)
        EmbassyMembership.objects.create(user=cls.anna, embassy=cls.paris)
        cls.lead = UserFactory(username="lead", groups=["Communications leads"])
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def get(self, user, name, *args, **query):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), query)

    def urls(self):
        """Every report, its chart data and its exports."""
        found = []
        for name, args in (
            ("reach_dashboard", ()),
            ("reach_stories", ()),
            ("reach_story", (self.story.pk,)),
            ("reach_embassies", ()),
            ("reach_embassy", (self.paris.pk,)),
        ):
            found.append((name, args, {}))
            if name in {"reach_dashboard", "reach_story", "reach_embassy"}:
                found += [(name, args, {"chart": "json"}), (name, args, {"export": "csv"})]
        return found

    def test_staff_see_their_embassy_only_on_every_report_chart_and_export(self):
        for name, args, query in self.urls():
            response = self.get(self.anna, name, *args, **query)
            self.assertEqual(response.status_code, 200, (name, query))
            body = body_of(response)
            self.assertNotIn("HYPERLINK", body, (name, query))
            self.assertNotIn("cairo", body.lower(), (name, query))
            self.assertNotIn("x-cairo", body, (name, query))
        # Paris's figures only: 1,000 views a post, never Cairo's 300
        chart = self.get(self.anna, "reach_story", self.story.pk, chart="json").json()
        self.assertEqual(sum(d["data"][4] for d in chart["datasets"]), 2000)
        self.assertEqual(self.get(self.anna, "reach_embassy", self.cairo.pk).status_code, 404)
        self.assertEqual(self.get(self.anna, "reach_embassy", self.cairo.pk, export="csv").status_code, 404)
        self.assertEqual(self.get(self.anna, "reach_embassy", self.cairo.pk, chart="json").status_code, 404)

    def test_leads_see_every_embassy_and_people_without_reach_see_nothing(self):
        story = self.get(self.lead, "reach_story", self.story.pk)
        self.assertContains(story, "Embassy in Paris")
        self.assertContains(story, "HYPERLINK")
        chart = self.get(self.lead, "reach_story", self.story.pk, chart="json").json()
        self.assertEqual(sum(d["data"][4] for d in chart["datasets"]), 2600)
        self.assertEqual(self.get(self.lead, "reach_embassy", self.cairo.pk).status_code, 200)
        for name, args, query in self.urls():
            self.assertEqual(self.get(self.editor, name, *args, **query).status_code, 302, name)  # refused

    def test_an_unavailable_figure_is_a_dash_with_its_reason_never_zero(self):
        page = self.get(self.lead, "reach_story", self.story.pk).content.decode()
        self.assertIn('title="X gives impressions, not reach"', page)
        rows = list(
            csv.DictReader(io.StringIO(body_of(self.get(self.lead, "reach_story", self.story.pk, export="csv"))))
        )
        x_rows = [r for r in rows if r["network"] == "x"]
        self.assertEqual({r["reach"] for r in x_rows}, {""})
        self.assertTrue(all("X gives impressions" in r["unavailable"] for r in x_rows))
        self.assertTrue(all(r["collected_at"] for r in rows))

    def test_exports_neutralise_spreadsheet_formulas(self):
        rows = list(
            csv.DictReader(io.StringIO(body_of(self.get(self.lead, "reach_story", self.story.pk, export="csv"))))
        )
        self.assertIn('\'=HYPERLINK("http://evil.test")', {r["embassy"] for r in rows})
        xlsx = self.get(self.lead, "reach_story", self.story.pk, export="xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(body_of_bytes(xlsx))).active
        cells = [cell.value for row in sheet.iter_rows() for cell in row]
        self.assertIn('\'=HYPERLINK("http://evil.test")', cells)
        self.assertNotIn(None, cells[:12])  # the heading row is whole

    def test_staff_see_nothing_of_a_story_that_is_not_live(self):
        StoryPage.objects.filter(pk=self.story.pk).update(live=False)  # taken down after its posts went out
        self.assertEqual(self.get(self.anna, "reach_story", self.story.pk).status_code, 404)
        self.assertNotContains(self.get(self.anna, "reach_stories"), "Ocean pledge")
        self.assertEqual(self.get(self.lead, "reach_story", self.story.pk).status_code, 200)

    def test_dashboard_totals_change_and_period(self):
        default = self.get(self.lead, "reach_dashboard").content.decode()
        self.assertRegex(default, r'<option value="30" selected>')  # the period shown is the one picked
        page = self.get(self.lead, "reach_dashboard", days=7)
        self.assertContains(page, "Ocean pledge")
        self.assertContains(page, "2,600")  # views: Paris 2 × 1,000 and Cairo 2 × 300
        empty = self.get(self.lead, "reach_dashboard", start="2020-01-01", end="2020-01-31")
        self.assertNotContains(empty, "Ocean pledge")
        wrong = self.get(self.lead, "reach_dashboard", start="2020-02-01", end="2020-01-01")
        self.assertContains(wrong, "must be on or before")
        for bad in ({"days": "abc"}, {"start": "2020-13-45"}, {"page": "x", "sort": "__evil"}):
            answer = self.get(self.lead, "reach_dashboard", **bad)
            self.assertEqual(answer.status_code, 200, bad)  # the default period, and what was wrong
        self.assertContains(self.get(self.lead, "reach_dashboard", days="abc"), "Select a valid choice")
        self.assertContains(self.get(self.lead, "reach_dashboard", start="2020-13-45"), "Enter a valid date")
        self.assertEqual(self.get(self.lead, "reach_story", 999999).status_code, 404)

    def test_sorting_an_embassy_report_keeps_its_period_and_orders_the_rows(self):
        page = self.get(self.lead, "reach_embassy", self.paris.pk, days=7).content.decode()
        self.assertIn('href="?days=7&amp;sort=-views"', page)

        def rows(sort):
            page = self.get(self.lead, "reach_story", self.story.pk, sort=sort).content.decode()
            return page[page.index('class="listing reach-posts"') :]

        self.assertLess(rows("views").index("HYPERLINK"), rows("views").index("Embassy in Paris"))  # 300 before 1,000
        self.assertLess(rows("-views").index("Embassy in Paris"), rows("-views").index("HYPERLINK"))

    def test_reach_report_command_prints_one_row_per_post(self):
        out = io.StringIO()
        call_command("reach_report", "--story", "ocean", stdout=out)
        lines = out.getvalue().splitlines()
        self.assertEqual(
            lines[0],
            "embassy,network,language,external_id,published_at,collected_at,views,reach,reactions,comments,shares,clicks",
        )
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        self.assertEqual(len(rows), 4)
        x_paris = next(r for r in rows if r["embassy"] == "paris" and r["network"] == "x")
        self.assertEqual((x_paris["views"], x_paris["reach"]), ("1000", ""))


def body_of_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class BaselineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        account_make(cls.paris, "facebook", "fb-paris")

    def test_the_baseline_is_the_median_of_the_last_20_posts_at_the_same_age_and_flags_follow(self):
        start = timezone.now() - timedelta(days=60)
        posts = []
        for n in range(23):
            story = self.tree.story_add(slug=f"s{n}", texts={"en": (f"Story {n}", "Standfirst.")})["en"]
            posts.append(published(Post.objects.get(distribution__story=story), start + timedelta(days=n)))
        # 22 earlier posts at 24 h: the oldest two (10,000 views) fall outside the last 20
        for n, post in enumerate(posts[:22]):
            snapshot(post, hours=24, step=4, views=10_000 if n < 2 else 100 + n, comments=1)
            snapshot(post, hours=1, step=0, views=5, comments=0)  # another age: not compared
        last = posts[22]
        fresh = MetricSnapshot(
            post=last,
            account_id=last.account_id,
            collected_at=timezone.now(),
            age_seconds=86400,
            step=4,
            views=400,
            comments=40,
            names_version="test",
        )
        baselines_apply([fresh], now=timezone.now())
        expected = sorted(100 + n for n in range(2, 22))
        self.assertEqual(fresh.baseline_views, (expected[9] + expected[10]) / 2)
        self.assertAlmostEqual(fresh.multiple, 400 / fresh.baseline_views)
        self.assertGreaterEqual(fresh.multiple, 3)  # amplify it
        from publishing.reach.reports import flag

        self.assertEqual(flag(fresh.multiple), "amplify")
        self.assertEqual(flag(0.25), "look")
        self.assertEqual(flag(1.0), "")

    def test_fewer_than_three_earlier_posts_give_no_baseline(self):
        story = self.tree.story_add(slug="one", texts={"en": ("One", "Standfirst.")})["en"]
        post = published(Post.objects.get(distribution__story=story), timezone.now() - timedelta(days=1))
        fresh = MetricSnapshot(
            post=post,
            account_id=post.account_id,
            collected_at=timezone.now(),
            age_seconds=86400,
            step=4,
            views=10,
            names_version="test",
        )
        baselines_apply([fresh], now=timezone.now())
        self.assertIsNone(fresh.baseline_views)
        self.assertIsNone(fresh.multiple)
