"""Reach's upkeep: the weekly digest, retention, operators told of a retired metric, and the collection command."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from embassies.models import EmbassyMembership
from publishing.models import MetricSnapshot, Post, ReplyAlert, RetiredMetric
from publishing.reach.collect import snapshots_thin
from publishing.reach.digest import digest_send
from tests.factories import UserFactory, embassy_make, portal_tree_build
from tests.unit.test_embassy_scoping import account_make
from tests.unit.test_reach_reports import published, snapshot


class ReachUpkeepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        cls.cairo = embassy_make("cairo", "EG", "Cairo", "Africa/Cairo")
        for embassy in (cls.paris, cls.cairo):
            account_make(embassy, "facebook", f"fb-{embassy.slug}")
        story = cls.tree.story_add(slug="ocean", texts={"en": ("Ocean pledge", "Funding for marine areas.")})["en"]
        for post in Post.objects.filter(distribution__story=story):
            post = published(post, timezone.now() - timedelta(days=2))
            views = 1234 if post.embassy_id == cls.paris.pk else 777
            snapshot(post, hours=24, step=4, views=views, reach=views // 2, reactions=9, comments=3, shares=1, clicks=4)
        cls.lead = UserFactory(username="lead", groups=["Communications leads"])
        cls.head = UserFactory(username="head-paris")
        EmbassyMembership.objects.create(user=cls.head, embassy=cls.paris, role=EmbassyMembership.Role.HEAD_OF_MISSION)
        cls.staff = UserFactory(username="staff-paris", groups=["Embassy staff"])
        EmbassyMembership.objects.create(user=cls.staff, embassy=cls.paris)

    def test_the_weekly_digest_goes_to_the_leads_and_each_head_of_mission_for_their_embassy(self):
        mail.outbox.clear()
        sent = digest_send()
        self.assertEqual(sent, 2)
        by_address = {m.to[0]: m for m in mail.outbox}
        self.assertEqual(set(by_address), {self.lead.email, self.head.email})  # staff get none
        ministry, paris = by_address[self.lead.email].body, by_address[self.head.email].body
        self.assertIn("views: 2,011", ministry)  # both embassies
        self.assertIn("Ocean pledge", ministry)
        self.assertIn("views: 1,234", paris)  # Paris alone
        self.assertNotIn("2,011", paris)
        self.assertIn("Embassy in Paris", by_address[self.head.email].subject)

    def test_retention_keeps_the_last_snapshot_of_each_day_after_90_days_and_the_latest_always(self):
        post = Post.objects.filter(embassy=self.paris).first()
        old_day = (timezone.now() - timedelta(days=120)).replace(hour=9, minute=0)  # appended in time order below
        first = MetricSnapshot.objects.create(
            post=post, account_id=post.account_id, collected_at=old_day, age_seconds=3600, views=1, names_version="t"
        )
        alerted = MetricSnapshot.objects.create(
            post=post,
            account_id=post.account_id,
            collected_at=old_day + timedelta(hours=1),
            age_seconds=7200,
            views=3,
            comments=40,
            names_version="t",
        )
        second = MetricSnapshot.objects.create(
            post=post,
            account_id=post.account_id,
            collected_at=old_day + timedelta(hours=2),
            age_seconds=10800,
            views=5,
            names_version="t",
        )
        ReplyAlert.objects.create(post=post, snapshot=alerted, multiple=9)
        recent = MetricSnapshot.objects.filter(post=post).exclude(pk__in=[first.pk, second.pk, alerted.pk])
        kept_recent = set(recent.values_list("pk", flat=True))
        self.assertEqual(snapshots_thin(), 1)
        remaining = set(MetricSnapshot.objects.filter(post=post).values_list("pk", flat=True))
        self.assertEqual(remaining, {second.pk, alerted.pk} | kept_recent)

    def test_operators_are_told_on_the_dashboard_when_a_network_retired_a_metric(self):
        RetiredMetric.objects.create(network="facebook", name="post_clicks", names_version="graph-2025-11-15")
        admin = UserFactory(username="operator", is_superuser=True)
        self.client.force_login(admin)
        page = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(page, "A network retired a metric")
        self.assertContains(page, "post_clicks")
        metric = RetiredMetric.objects.get()
        forget = reverse("reach_retired_forget", args=(metric.pk,))
        self.assertContains(page, forget)
        self.client.force_login(self.staff)
        self.assertIn(self.client.post(forget).status_code, {302, 403})  # refused (the admin redirects)
        self.assertTrue(RetiredMetric.objects.exists())
        self.client.force_login(admin)
        self.assertRedirects(self.client.post(forget), reverse("wagtailadmin_home"), fetch_redirect_response=False)
        self.assertFalse(RetiredMetric.objects.exists())  # asked for again at the next pass
        RetiredMetric.objects.create(network="facebook", name="post_clicks", names_version="graph-2025-11-15")
        self.client.force_login(self.staff)
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), "A network retired a metric")

    def test_staff_of_one_embassy_never_see_the_others_figures(self):
        cairo_staff = UserFactory(username="staff-cairo", groups=["Embassy staff"])
        EmbassyMembership.objects.create(user=cairo_staff, embassy=self.cairo)
        for user, own, other in ((self.staff, "1,234", "777"), (cairo_staff, "777", "1,234")):
            self.client.force_login(user)
            story = Post.objects.first().distribution.story_id
            page = self.client.get(reverse("reach_story", args=(story,))).content.decode()
            self.assertIn(own, page)
            self.assertNotIn(other, page)
            export = b"".join(
                self.client.get(reverse("reach_story", args=(story,)), {"export": "csv"}).streaming_content
            )
            self.assertNotIn(other.replace(",", "").encode(), export)


@pytest.mark.django_db
def test_collect_metrics_says_what_it_did_and_refuses_an_unknown_story():
    out = io.StringIO()
    call_command("collect_metrics", "--all", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == (
        "Collected 0 posts; calls: facebook 0, x 0; metrics unavailable: none; gone 0, postponed 0, failed 0, "
        "reply alerts 0."
    )
    with pytest.raises(CommandError, match="No story"):
        call_command("collect_metrics", "--story", "no-such-story")
