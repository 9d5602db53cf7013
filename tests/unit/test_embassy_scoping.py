"""Embassy staff reach only their own embassy on every admin URL; ministry users reach all."""

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from embassies.models import Embassy, EmbassyMembership, SocialAccount
from publishing.models import Distribution, Post
from tests.factories import UserFactory, baseline_ensure, embassy_make, portal_tree_build


def account_make(embassy: Embassy, network: str, external_id: str) -> SocialAccount:
    account = SocialAccount(
        embassy=embassy, network=network, external_id=external_id, display_name=f"{embassy.city} {network}"
    )
    account.credentials_set({"access_token": f"secret-token-{external_id}"})
    account.save()
    return account


OBJECT_VIEWS = ["edit", "delete", "inspect", "history", "usage"]


class EmbassyScopingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        baseline_ensure()
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        cls.oslo = embassy_make("oslo", "NO", "Oslo", "Europe/Oslo")
        cls.paris_fb = account_make(cls.paris, "facebook", "111")
        cls.oslo_fb = account_make(cls.oslo, "facebook", "222")
        cls.oslo_x = account_make(cls.oslo, "x", "333")
        staff = Group.objects.get(name="Embassy staff")
        cls.anna = UserFactory(username="anna-paris")
        cls.olav = UserFactory(username="olav-oslo")
        for user, embassy in ((cls.anna, cls.paris), (cls.olav, cls.oslo)):
            user.groups.add(staff)
            EmbassyMembership.objects.create(user=user, embassy=embassy)
        cls.minister = UserFactory(username="minister", is_superuser=True)

    def get(self, user, name, *args, **query):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), query)

    def test_staff_list_only_their_embassy_and_its_accounts(self):
        embassies = self.get(self.anna, "embassies_embassy:index")
        self.assertContains(embassies, "Embassy in Paris")
        self.assertNotContains(embassies, "Embassy in Oslo")
        accounts = self.get(self.anna, "embassies_account:index")
        self.assertContains(accounts, "Paris facebook")
        self.assertNotContains(accounts, "Oslo facebook")
        self.assertNotContains(accounts, "Oslo x")

    def test_staff_exports_contain_only_their_embassy(self):
        for name in ("embassies_embassy:index", "embassies_account:index"):
            export = self.get(self.olav, name, export="csv")
            self.assertEqual(export.status_code, 200, name)
            body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
            self.assertIn("Oslo", body)
            self.assertNotIn("Paris", body)

    def test_every_object_url_of_another_embassy_is_not_found(self):
        for user, own, foreign in ((self.anna, self.paris, self.oslo), (self.olav, self.oslo, self.paris)):
            own_account = own.accounts.first()
            foreign_account = foreign.accounts.first()
            for view in OBJECT_VIEWS:
                if view in {"edit", "inspect", "history", "usage"}:
                    self.assertEqual(self.get(user, f"embassies_embassy:{view}", own.pk).status_code, 200, view)
                if view in {"inspect", "history", "usage"}:
                    self.assertEqual(self.get(user, f"embassies_account:{view}", own_account.pk).status_code, 200, view)
                self.assertIn(self.get(user, f"embassies_embassy:{view}", foreign.pk).status_code, (403, 404), view)
                # Staff may not edit or delete any account: those two are refused before the lookup (a redirect).
                refused = (302, 403, 404) if view in {"edit", "delete"} else (403, 404)
                self.assertIn(
                    self.get(user, f"embassies_account:{view}", foreign_account.pk).status_code, refused, view
                )
            self.assertEqual(self.get(user, "embassies_accounts", own.pk).status_code, 200)
            self.assertIn(self.get(user, "embassies_accounts", foreign.pk).status_code, (403, 404))
            self.assertIn(self.get(user, "embassies_connect_choose_page", foreign.pk).status_code, (403, 404))

    def test_staff_cannot_change_or_delete_another_embassy_by_posting(self):
        self.client.force_login(self.anna)
        response = self.client.post(
            reverse("embassies_account:edit", args=(self.oslo_fb.pk,)),
            {"embassy": self.paris.pk, "network": "facebook", "external_id": "999", "status": "disabled"},
        )
        self.assertIn(response.status_code, (302, 403, 404))  # staff edit no account by hand
        response = self.client.post(reverse("embassies_embassy:delete", args=(self.oslo.pk,)))
        self.assertIn(response.status_code, (403, 404))
        response = self.client.post(reverse("embassies_connect_start", args=(self.oslo.pk, "facebook")))
        self.assertIn(response.status_code, (403, 404))
        self.oslo_fb.refresh_from_db()
        self.assertEqual((self.oslo_fb.external_id, self.oslo_fb.status), ("222", "connected"))
        self.assertTrue(Embassy.objects.filter(pk=self.oslo.pk).exists())

    def test_staff_cannot_edit_even_their_own_accounts_by_hand(self):
        """Accounts change through the connect flow only: not a page id, a status or an embassy typed in."""
        self.paris_fb.status = SocialAccount.Status.NEEDS_RECONNECT
        self.paris_fb.save()
        self.assertIn(self.get(self.anna, "embassies_account:edit", self.paris_fb.pk).status_code, (302, 403))
        self.assertNotContains(self.get(self.anna, "embassies_account:index"), "/admin/embassies/account/edit/")
        self.client.post(
            reverse("embassies_account:edit", args=(self.paris_fb.pk,)),
            {"embassy": self.oslo.pk, "network": "facebook", "external_id": "999", "status": "connected"},
        )
        self.paris_fb.refresh_from_db()
        self.assertEqual(
            (self.paris_fb.embassy, self.paris_fb.external_id, self.paris_fb.status),
            (self.paris, "111", SocialAccount.Status.NEEDS_RECONNECT),
        )

    def test_staff_change_their_embassy_local_settings_and_not_what_the_ministry_decides(self):
        ministry_fields = ("name", "slug", "country", "city", "region", "active", "auto_approve", "auto_approve_delay")
        form = self.get(self.anna, "embassies_embassy:edit", self.paris.pk).context["form"]
        self.assertEqual(set(form.fields), {"names", "time_zone", "posting_languages", "hashtags", "opted_out_topics"})
        minister_form = self.get(self.minister, "embassies_embassy:edit", self.paris.pk).context["form"]
        self.assertLessEqual(set(ministry_fields), set(minister_form.fields))
        self.client.force_login(self.anna)
        response = self.client.post(
            reverse("embassies_embassy:edit", args=(self.paris.pk,)),
            {
                "names": '{"fr": "Ambassade à Paris"}',
                "time_zone": "Europe/Paris",
                "posting_languages": '["fr", "en"]',
                "hashtags": "#FranceDiplo",
                # Not in staff's form, and so not taken from what they post:
                "region": "middle-east",
                "auto_approve": "on",
                "slug": "elsewhere",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.paris.refresh_from_db()
        self.assertEqual((self.paris.hashtags, self.paris.posting_languages), ("#FranceDiplo", ["fr", "en"]))
        self.assertEqual(
            (self.paris.region, self.paris.auto_approve, self.paris.slug, self.paris.active),
            ("europe", False, "paris", True),
        )

    def test_staff_cannot_add_or_delete_embassies(self):
        self.assertIn(self.get(self.anna, "embassies_embassy:add").status_code, (302, 403, 404))
        self.assertIn(self.get(self.anna, "embassies_embassy:delete", self.paris.pk).status_code, (302, 403, 404))

    def test_account_health_lists_only_their_accounts(self):
        response = self.get(self.olav, "embassies_account_health")
        self.assertContains(response, "Oslo facebook")
        self.assertNotContains(response, "Paris facebook")

    def test_ministry_users_reach_every_embassy(self):
        response = self.get(self.minister, "embassies_embassy:index")
        self.assertContains(response, "Embassy in Paris")
        self.assertContains(response, "Embassy in Oslo")
        for view in ("edit", "inspect", "history"):
            self.assertEqual(self.get(self.minister, f"embassies_account:{view}", self.oslo_x.pk).status_code, 200)

    def test_a_user_without_membership_sees_no_embassy(self):
        outsider = UserFactory(username="outsider")
        outsider.groups.add(Group.objects.get(name="Embassy staff"))
        self.assertIn(self.get(outsider, "embassies_embassy:index").status_code, (302, 403))
        self.assertIn(self.get(outsider, "embassies_embassy:edit", self.paris.pk).status_code, (302, 403, 404))


class MinistryRolesSeeEveryEmbassyTests(TestCase):
    """Approvers and leads hold the permission to see every embassy: the queue and account health list them all."""

    @classmethod
    def setUpTestData(cls):
        tree = portal_tree_build(languages=("en",))
        story = tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})["en"]
        distribution = Distribution.objects.get(story=story)
        for slug, country, city, zone in (
            ("paris", "FR", "Paris", "Europe/Paris"),
            ("oslo", "NO", "Oslo", "Europe/Oslo"),
        ):
            embassy = embassy_make(slug, country, city, zone)
            account = account_make(embassy, "facebook", f"fb-{slug}")
            SocialAccount.objects.filter(pk=account.pk).update(status=SocialAccount.Status.NEEDS_RECONNECT)
            Post.objects.create(
                distribution=distribution,
                account=account,
                embassy=embassy,
                network="facebook",
                language="en",
                text=f"Hello from {city}",
                link="https://news.example.org/en/s/",
            )
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])
        cls.lead = UserFactory(username="lead", groups=["Communications leads"])
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def test_approvers_and_leads_see_every_embassys_queue_and_account_health(self):
        for user in (self.approver, self.lead):
            self.client.force_login(user)
            queue = self.client.get(reverse("publishing_review_queue"))
            self.assertContains(queue, "Hello from Paris")
            self.assertContains(queue, "Hello from Oslo")
            health = self.client.get(reverse("embassies_account_health"))
            self.assertContains(health, "Embassy in Paris")
            self.assertContains(health, "Embassy in Oslo")

    def test_seeing_every_queue_is_not_reviewing_it(self):
        self.client.force_login(self.lead)
        post = Post.objects.get(embassy__slug="paris")
        queue = self.client.get(reverse("publishing_review_queue"))
        self.assertNotContains(queue, reverse("publishing_post_skip", args=(post.pk,)))
        self.client.post(reverse("publishing_post_approve", args=(post.pk,)), {})
        post.refresh_from_db()
        self.assertEqual(post.state, Post.State.PROPOSED)

    def test_editors_do_not_see_the_embassies_queues(self):
        self.client.force_login(self.editor)
        self.assertNotContains(self.client.get(reverse("publishing_review_queue")), "Hello from Paris")
