"""The X bill known before it is run up: the estimate changes nothing, and a monthly budget holds X posts."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from embassies.models import SocialAccount
from portal.models import StoryPage
from publishing import approval, delivery
from publishing.models import Distribution, Post
from publishing.xbill import distribution_estimate, x_month_spend
from tests.factories import UserFactory, embassy_make, portal_tree_build

State = Post.State


def accounts_for(embassy, networks=("facebook", "x")) -> None:
    for network in networks:
        account = SocialAccount(embassy=embassy, network=network, external_id=f"{network}-{embassy.slug}")
        account.credentials_set({"access_token": "t"})
        account.save()


class XBillTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        embassies = [
            embassy_make("paris", "FR", "Paris", "Europe/Paris"),
            embassy_make("oslo", "NO", "Oslo", "Europe/Oslo"),
            embassy_make("lima", "PE", "Lima", "America/Lima"),
        ]
        embassies[0].posting_languages = ["fr", "en"]
        embassies[0].save()
        embassies[2].posting_languages = ["es"]  # no Spanish: English as a fallback
        embassies[2].save()
        for embassy in embassies:
            accounts_for(embassy)
        cls.lead = UserFactory(username="lead", groups=["Communications leads"])
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])

    def draft(self, **fields) -> StoryPage:
        story = StoryPage(title="Ocean summit", slug="ocean", standfirst="Funding.", **fields)
        self.tree.index.add_child(instance=story)
        story.save_revision()
        return story

    def test_the_estimate_counts_posts_languages_fallbacks_and_the_x_cost_and_plans_nothing(self):
        story = self.draft()
        story.countries.set(["FR"])
        story.save_revision()
        estimate = distribution_estimate(story=StoryPage.objects.get(pk=story.pk))
        self.assertEqual((estimate.posts["facebook"], estimate.posts["x"], len(estimate.embassies)), (3, 3, 3))
        self.assertEqual((estimate.fallback, estimate.sensitive), (2, 2))  # no Spanish for Lima; Paris concerned
        self.assertEqual(estimate.x_cost, Decimal("0.60"))
        out = io.StringIO()
        call_command("distribute", "ocean", "--estimate", stdout=out)
        self.assertIn("posts: facebook 3, x 3; X cost $0.60", out.getvalue())
        self.assertFalse(Distribution.objects.exists() or Post.objects.exists())

    def test_the_approver_sees_the_summary_before_approving(self):
        story = self.draft()
        self.client.force_login(self.approver)
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=(story.pk,)), follow=True)
        self.assertContains(response, "Publishing proposes 6 posts to 3 embassies (Facebook 3, X 3)")
        self.assertContains(response, "X cost $0.60")

    @override_settings(X_MONTHLY_BUDGET="0.40")
    def test_x_posts_beyond_the_monthly_budget_are_held_with_the_reason_and_leads_are_told(self):
        self.tree.story_add(slug="summit", texts={"en": ("Summit", "Talks.")})
        approval.posts_approve(posts=Post.objects.all(), user=None)
        with self.captureOnCommitCallbacks(execute=True):
            queued = delivery.posts_dispatch()
        x_queued = [pk for pk, network in queued if network == "x"]
        self.assertEqual(len(x_queued), 2)  # $0.40 pays for two posts with a link
        held = Post.objects.get(network="x", state=State.HELD)
        self.assertEqual(held.held_for, "budget")
        self.assertIn("this month's X budget ($0.40) would be exceeded", held.reason)
        self.assertEqual(Post.objects.filter(network="facebook", state=State.QUEUED).count(), 3)  # not billed
        self.assertEqual([m.to for m in mail.outbox], [["lead@ministry.example"]])
        # Next month the held post goes back on the schedule and leaves.
        for pk in x_queued:
            Post.objects.filter(pk=pk).update(state=State.PUBLISHED, external_id=f"x{pk}", published_at=timezone.now())
        next_month = timezone.now().replace(day=1) + timedelta(days=32)
        self.assertEqual(x_month_spend(now=next_month), Decimal(0))
        delivery.posts_dispatch(now=next_month)
        held.refresh_from_db()
        self.assertEqual((held.state, held.held_for, held.reason), (State.QUEUED, "", ""))

    @override_settings(X_MONTHLY_BUDGET="10")
    def test_the_months_spend_is_on_the_dashboard(self):
        self.tree.story_add(slug="summit", texts={"en": ("Summit", "Talks.")})
        for pk in Post.objects.filter(network="x").values_list("pk", flat=True):
            Post.objects.filter(pk=pk).update(state=State.PUBLISHED, external_id=f"x{pk}", published_at=timezone.now())
        self.client.force_login(self.lead)
        self.assertContains(self.client.get(reverse("wagtailadmin_home")), "$0.60 of the $10.00 budget")


class EmptyPlanTests(TestCase):
    def test_distribute_says_why_a_story_planned_with_no_posts_has_nothing_to_send(self):
        from django.core.management.base import CommandError

        tree = portal_tree_build(languages=("en",))
        tree.story_add(slug="quiet", texts={"en": ("Quiet", "No embassy yet.")})  # planned before any embassy
        accounts_for(embassy_make("oslo", "NO", "Oslo", "Europe/Oslo"))
        with self.assertRaisesMessage(CommandError, "was planned with no posts") as caught:
            call_command("distribute", "quiet", stdout=io.StringIO())
        self.assertIn("(now 2 would)", str(caught.exception))
