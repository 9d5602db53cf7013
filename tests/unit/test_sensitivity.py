"""#NoHarm sensitivity: posts of a story that concerns the host country wait for the head of mission."""

from django.contrib.auth.models import Group
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from embassies.models import EmbassyMembership, SocialAccount
from publishing import approval
from publishing.models import Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

State = Post.State


class SensitivityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        cls.oslo = embassy_make("oslo", "NO", "Oslo", "Europe/Oslo")
        for embassy in (cls.paris, cls.oslo):
            embassy.auto_approve = True  # sensitivity outranks it
            embassy.save()
            account = SocialAccount(embassy=embassy, network="facebook", external_id=f"fb-{embassy.slug}")
            account.credentials_set({"access_token": "t"})
            account.save()
        staff_group, heads = Group.objects.get(name="Embassy staff"), Group.objects.get(name="Heads of mission")
        cls.staff = UserFactory(username="camille")
        cls.staff.groups.add(staff_group)
        EmbassyMembership.objects.create(user=cls.staff, embassy=cls.paris)
        cls.head = UserFactory(username="head-paris", email="head@paris.example")
        cls.head.groups.add(staff_group, heads)
        EmbassyMembership.objects.create(user=cls.head, embassy=cls.paris, role="head")
        cls.other_head = UserFactory(username="head-oslo")
        cls.other_head.groups.add(staff_group, heads)
        EmbassyMembership.objects.create(user=cls.other_head, embassy=cls.oslo, role="head")

    def plan(self, **fields):
        with self.captureOnCommitCallbacks(execute=True):
            story = self.tree.story_add(slug="summit", texts={"en": ("Summit", "Talks in Paris.")}, **fields)["en"]
        return {post.embassy.slug: post for post in Post.objects.filter(distribution__story=story)}

    def test_the_host_countrys_posts_never_auto_approve_and_the_head_is_told(self):
        posts = self.plan(countries=["FR"])
        paris, oslo = posts["paris"], posts["oslo"]
        self.assertEqual((paris.sensitive, paris.state), (True, State.PROPOSED))
        self.assertIn("the story concerns France", paris.reason)
        self.assertEqual((oslo.sensitive, oslo.state), (False, State.SCHEDULED))  # auto-approved as before
        self.assertEqual([m.to for m in mail.outbox], [["head@paris.example"]])
        self.assertIn("wait for your approval", mail.outbox[0].body)

    def test_staff_adapt_and_propose_but_only_the_head_approves(self):
        paris = self.plan(countries=["FR"])["paris"]
        self.client.force_login(self.staff)
        queue = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(queue, "sensitive (#NoHarm)")
        self.assertContains(queue, "Save the text for the head of mission")
        self.assertNotContains(queue, "Approve to go now")
        url, proposed_text = reverse("publishing_post_approve", args=(paris.pk,)), paris.text
        self.client.post(url, {"text": "Adapted for Paris"})
        paris.refresh_from_db()
        self.assertEqual((paris.state, paris.text), (State.PROPOSED, proposed_text))  # the approval is refused
        self.client.post(url, {"text": "Adapted for Paris", "adapt": "1"})
        paris.refresh_from_db()
        self.assertEqual((paris.state, paris.text), (State.PROPOSED, "Adapted for Paris"))
        self.client.post(reverse("publishing_bulk_approve"), {"post": [paris.pk]})
        paris.refresh_from_db()
        self.assertEqual(paris.state, State.PROPOSED)
        self.client.force_login(self.other_head)  # a head of mission elsewhere cannot either
        self.client.post(url, {"now": "1"})
        paris.refresh_from_db()
        self.assertEqual(paris.state, State.PROPOSED)
        self.client.force_login(self.head)
        self.client.post(url, {"now": "1"})
        paris.refresh_from_db()
        self.assertEqual((paris.state, paris.approved_by, paris.reason), (State.SCHEDULED, self.head, ""))

    def test_approving_everything_from_the_command_line_leaves_sensitive_posts_to_their_heads(self):
        posts = self.plan(countries=["FR"])
        approved = approval.posts_approve(posts=Post.objects.all(), user=None)
        self.assertEqual(approved, 0)  # Oslo's was auto-approved already; Paris's waits
        posts["paris"].refresh_from_db()
        self.assertEqual(posts["paris"].state, State.PROPOSED)

    def test_a_story_marked_sensitive_everywhere_waits_for_every_head(self):
        posts = self.plan(sensitive_everywhere=True)
        self.assertTrue(all(post.sensitive and post.state == State.PROPOSED for post in posts.values()))

    def test_a_superuser_signs_off_a_sensitive_post_only_as_its_head_of_mission(self):
        paris = self.plan(countries=["FR"])["paris"]
        root = UserFactory(username="root", is_superuser=True, is_staff=True)
        self.client.force_login(root)
        url = reverse("publishing_post_approve", args=(paris.pk,))
        self.client.post(url, {"now": "1"})
        paris.refresh_from_db()
        self.assertEqual(paris.state, State.PROPOSED)
        EmbassyMembership.objects.create(user=root, embassy=self.paris, role="head")
        self.client.post(url, {"now": "1"})
        paris.refresh_from_db()
        self.assertEqual((paris.state, paris.approved_by), (State.SCHEDULED, root))
