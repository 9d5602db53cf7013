"""The embassy review queue: scoped to the user's embassy, exact length rules, times in the embassy's zone."""

from datetime import UTC, datetime
from unittest import mock

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from embassies.models import EmbassyMembership, SocialAccount
from publishing import approval
from publishing.models import Distribution, Hold, Post
from publishing.schedule import due_default, local_to_utc
from tests.factories import UserFactory, embassy_make, portal_tree_build

State = Post.State


# The dates typed below lie ahead of this instant, whenever the tests run.
FIXED_NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


class ReviewQueueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        tree = portal_tree_build(languages=("en",))
        cls.stockholm = embassy_make("stockholm", "SE", "Stockholm", "Europe/Stockholm")
        cls.lima = embassy_make("lima", "PE", "Lima", "America/Lima")
        story = tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})["en"]
        distribution = Distribution.objects.get(story=story)
        cls.posts = {}
        for embassy in (cls.stockholm, cls.lima):
            account = SocialAccount(
                embassy=embassy, network="x", external_id=f"x-{embassy.slug}", display_name=embassy.city
            )
            account.credentials_set({"access_token": "t"})
            account.save()
            cls.posts[embassy.slug] = Post.objects.create(
                distribution=distribution,
                account=account,
                embassy=embassy,
                network="x",
                language="en",
                text=f"Hello from {embassy.city}",
                link="https://news.example.org/en/s/",
            )
        staff = Group.objects.get(name="Embassy staff")
        cls.astrid = UserFactory(username="astrid")
        cls.astrid.groups.add(staff)
        EmbassyMembership.objects.create(user=cls.astrid, embassy=cls.stockholm)
        cls.lead = UserFactory(username="lead")
        cls.lead.groups.add(Group.objects.get(name="Communications leads"))

    def setUp(self):
        clock = mock.patch("django.utils.timezone.now", return_value=FIXED_NOW)
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.astrid)

    def test_staff_see_only_their_embassy_posts(self):
        response = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(response, "Hello from Stockholm")
        self.assertNotContains(response, "Hello from Lima")

    def test_staff_cannot_approve_or_skip_another_embassy_post(self):
        lima = self.posts["lima"]
        for name in ("publishing_post_approve", "publishing_post_skip"):
            response = self.client.post(reverse(name, args=(lima.pk,)), {"text": "hijacked"})
            self.assertEqual(response.status_code, 404)
        self.client.post(reverse("publishing_bulk_approve"), {"post": [lima.pk]})
        lima.refresh_from_db()
        self.assertEqual((lima.state, lima.text), (State.PROPOSED, "Hello from Lima"))

    def test_approve_schedules_at_the_local_time_in_utc(self):
        post = self.posts["stockholm"]
        self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)),
            {"text": "Adapted for Sweden https://news.example.org/en/s/", "due_local": "2027-07-01T09:00"},
        )
        post.refresh_from_db()
        self.assertEqual(post.state, State.SCHEDULED)
        self.assertEqual(post.text, "Adapted for Sweden https://news.example.org/en/s/")
        self.assertEqual(post.due_at, datetime(2027, 7, 1, 7, 0, tzinfo=UTC))  # CEST is UTC+2
        self.assertEqual(post.approved_by, self.astrid)

    def test_nine_local_stays_nine_local_across_a_dst_change(self):
        before = local_to_utc("2027-03-27T09:00", self.stockholm)  # Saturday, CET
        after = local_to_utc("2027-03-29T09:00", self.stockholm)  # Monday, CEST
        self.assertEqual((before.hour, after.hour), (8, 7))
        self.assertEqual(after.astimezone(self.stockholm.zone).hour, 9)

    def test_a_past_time_is_refused_and_now_is_offered(self):
        now = datetime(2027, 5, 10, 12, 0, tzinfo=UTC)  # 14:00 in Stockholm
        with self.assertRaisesMessage(
            ValidationError, "has already passed in Europe/Stockholm (it is 2027-05-10 14:00"
        ):
            local_to_utc("2027-05-10T13:30", self.stockholm, now=now)
        with self.assertRaisesMessage(ValidationError, "has already passed"):
            local_to_utc("0001-01-01T00:00", self.stockholm, now=now)
        self.assertEqual(local_to_utc("2027-05-10T14:00", self.stockholm, now=now), now)  # the minute typed as now

    def test_a_time_more_than_a_year_ahead_is_refused(self):
        now = datetime(2027, 5, 10, 12, 0, tzinfo=UTC)
        with self.assertRaisesMessage(ValidationError, "more than a year ahead"):
            local_to_utc("2028-06-01T09:00", self.stockholm, now=now)
        with self.assertRaisesMessage(ValidationError, "more than a year ahead"):
            local_to_utc("9999-12-31T23:59", self.stockholm, now=now)

    def test_a_time_that_happens_twice_asks_which_is_meant(self):
        now = datetime(2027, 10, 1, tzinfo=UTC)
        with self.assertRaisesMessage(ValidationError, "happens twice in Europe/Stockholm"):
            local_to_utc("2027-10-31T02:30", self.stockholm, now=now)
        first = local_to_utc("2027-10-31T02:30", self.stockholm, fold=0, now=now)
        second = local_to_utc("2027-10-31T02:30", self.stockholm, fold=1, now=now)
        self.assertEqual((first.hour, second.hour), (0, 1))  # 02:30 CEST, then 02:30 CET

    def test_approve_asks_which_of_a_repeated_hour_and_keeps_the_post_waiting(self):
        post = self.posts["stockholm"]
        response = self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)), {"due_local": "2027-10-31T02:30"}, follow=True
        )
        self.assertContains(response, "happens twice")
        post.refresh_from_db()
        self.assertEqual(post.state, State.PROPOSED)
        self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)), {"due_local": "2027-10-31T02:30", "fold": "1"}
        )
        post.refresh_from_db()
        self.assertEqual(post.due_at, datetime(2027, 10, 31, 1, 30, tzinfo=UTC))

    def test_the_queue_offers_and_lists_times_in_the_embassys_zone_not_utc(self):
        response = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(response, 'value="2027-02-01T13:30"')  # 12:00 UTC is 13:00 in Stockholm, plus 30 min
        post = self.posts["stockholm"]
        Post.objects.filter(pk=post.pk).update(state=State.SCHEDULED, due_at=datetime(2027, 2, 2, 8, 0, tzinfo=UTC))
        response = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(response, "2027-02-02 09:00 Europe/Stockholm")

    def test_bulk_approve_at_one_local_time_is_each_embassys_own_wall_clock(self):
        self.client.force_login(self.lead)
        self.lead.groups.add(Group.objects.get(name="Embassy staff"))  # reviews, and sees every embassy
        both = [self.posts["stockholm"].pk, self.posts["lima"].pk]
        response = self.client.post(
            reverse("publishing_bulk_approve"), {"post": both, "due_local": "2027-02-03T09:00"}, follow=True
        )
        self.assertContains(response, "Approved 2 posts for 2027-02-03 09:00 local time.")
        stockholm, lima = (Post.objects.get(pk=pk) for pk in both)
        self.assertEqual(stockholm.due_at, datetime(2027, 2, 3, 8, 0, tzinfo=UTC))  # CET
        self.assertEqual(lima.due_at, datetime(2027, 2, 3, 14, 0, tzinfo=UTC))  # UTC−5

    def test_bulk_approve_refuses_a_past_local_time_and_says_so_in_the_right_plural(self):
        post = self.posts["stockholm"]
        response = self.client.post(
            reverse("publishing_bulk_approve"), {"post": [post.pk], "due_local": "2027-01-01T09:00"}, follow=True
        )
        self.assertContains(response, "has already passed")
        self.assertContains(response, "Approved 0 posts for")
        post.refresh_from_db()
        self.assertEqual(post.state, State.PROPOSED)
        response = self.client.post(reverse("publishing_bulk_approve"), {"post": [post.pk], "now": "1"}, follow=True)
        self.assertContains(response, "Approved 1 post to go now.")

    def test_a_banner_says_when_a_hold_covers_the_embassy(self):
        Hold.objects.create(scope="region", region="europe", reason="Elections")
        Hold.objects.create(scope="region", region="africa", reason="Somewhere else")
        queue = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(queue, "A hold is in force (Region): Elections.")
        self.assertNotContains(queue, "Somewhere else")
        self.assertContains(queue, 'data-select-all="post"')

    def test_the_offered_time_is_the_embassys_local_now_plus_its_delay(self):
        now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
        lima = due_default(self.lima, now=now)
        self.assertEqual((lima.hour, lima.minute, str(lima.tzinfo)), (3, 30, "America/Lima"))  # UTC−5, 30 min delay

    def test_a_time_the_clocks_skip_is_refused_with_a_reason(self):
        with self.assertRaisesMessage(ValidationError, "does not exist in Europe/Stockholm"):
            local_to_utc("2027-03-28T02:30", self.stockholm)

    def test_an_over_long_post_is_refused_and_nothing_is_lost(self):
        post = self.posts["stockholm"]
        response = self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)),
            {"text": "中" * 141, "due_local": "2027-07-01T09:00"},
            follow=True,
        )
        self.assertContains(response, "282 characters as X counts them; the limit is 280")
        post.refresh_from_db()
        self.assertEqual((post.state, post.text), (State.PROPOSED, "Hello from Stockholm"))

    def test_the_counter_counts_as_x_does(self):
        answer = self.client.get(
            reverse("publishing_text_length"), {"network": "x", "text": "café https://example.org 👩‍💻"}
        ).json()
        self.assertEqual(answer, {"length": 31, "limit": 280, "fits": True, "problems": []})  # 4+1+23 (URL)+1+2 (emoji)

    def test_an_x_post_without_its_story_link_is_refused_and_the_editor_says_so(self):
        post = self.posts["stockholm"]
        response = self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)),
            {"text": "Adapted, link removed", "due_local": "2027-07-01T09:00"},
            follow=True,
        )
        self.assertContains(response, "Keep the story link in the post (https://news.example.org/en/s/)")
        post.refresh_from_db()
        self.assertEqual((post.state, post.text), (State.PROPOSED, "Hello from Stockholm"))
        answer = self.client.get(
            reverse("publishing_text_length"), {"network": "x", "text": "No link", "link": post.link}
        ).json()
        self.assertTrue(answer["fits"])
        self.assertEqual(len(answer["problems"]), 1)
        self.assertIn("Keep the story link", answer["problems"][0])

    def test_bidi_override_characters_are_refused_with_what_to_remove(self):
        post = self.posts["stockholm"]
        response = self.client.post(
            reverse("publishing_post_approve", args=(post.pk,)),
            {"text": "Read \u202egnorw https://news.example.org/en/s/", "due_local": "2027-07-01T09:00"},
            follow=True,
        )
        self.assertContains(response, "invisible control characters (U+202E)")
        post.refresh_from_db()
        self.assertEqual(post.state, State.PROPOSED)

    def test_approve_is_disabled_with_the_reason_while_a_post_is_over_its_limit(self):
        Post.objects.filter(pk=self.posts["stockholm"].pk).update(text="中" * 141 + " https://news.example.org/en/s/")
        response = self.client.get(reverse("publishing_review_queue"))
        self.assertContains(response, "the limit is 280")
        self.assertContains(response, 'class="button button-primary" disabled')

    def test_bulk_approve_and_skip(self):
        post = self.posts["stockholm"]
        self.client.post(reverse("publishing_bulk_approve"), {"post": [post.pk]})
        post.refresh_from_db()
        self.assertEqual(post.state, State.SCHEDULED)
        self.client.post(reverse("publishing_post_skip", args=(post.pk,)))
        post.refresh_from_db()
        self.assertEqual(post.state, State.SKIPPED)

    def test_only_communications_leads_set_holds(self):
        self.assertEqual(self.client.get(reverse("publishing_holds")).status_code, 302)  # admin's permission denied
        self.client.force_login(self.lead)
        self.client.post(reverse("publishing_holds"), {"scope": "region", "region": "americas", "reason": "Unrest"})
        hold = Hold.objects.active().get()
        self.assertEqual((hold.scope, hold.region, hold.set_by), ("region", "americas", self.lead))
        self.client.post(reverse("publishing_holds"), {"scope": "all", "reason": " "})
        self.assertEqual(Hold.objects.active().count(), 1)  # a hold without a reason is refused
        self.client.post(reverse("publishing_hold_release", args=(hold.pk,)), {"confirm": "yes"})
        self.assertFalse(Hold.objects.active().exists())

    def test_distribution_progress_is_for_ministry_users(self):
        distribution = Distribution.objects.get()
        url = reverse("publishing_distribution_progress", args=(distribution.pk,))
        self.assertEqual(self.client.get(url).status_code, 302)
        self.client.force_login(self.lead)
        data = self.client.get(url).json()
        self.assertEqual(data["counts"]["proposed"], 2)
        self.assertEqual(len(data["posts"]), 2)

    def test_a_hold_without_its_target_is_refused_with_a_reason(self):
        self.client.force_login(self.lead)
        response = self.client.post(reverse("publishing_holds"), {"scope": "embassy", "reason": "Protests"})
        self.assertContains(response, "Choose what to hold", status_code=400)
        self.assertFalse(Hold.objects.exists())

    def test_a_hold_must_name_something_that_exists_and_the_form_keeps_what_was_typed(self):
        self.client.force_login(self.lead)
        for data in (
            {"scope": "region", "region": "europa", "reason": "Typed by hand"},
            {"scope": "embassy", "embassy": "99999", "reason": "Typed by hand"},
            {"scope": "story", "story": "abc", "reason": "Typed by hand"},
            {"scope": "galaxy", "reason": "Typed by hand"},
        ):
            response = self.client.post(reverse("publishing_holds"), data)
            self.assertContains(response, "Typed by hand", status_code=400)  # the reason survives the refusal
            self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertFalse(Hold.objects.exists())

    def test_a_reason_has_a_length_limit(self):
        self.client.force_login(self.lead)
        response = self.client.post(reverse("publishing_holds"), {"scope": "all", "reason": "x" * 501})
        self.assertContains(response, "at most 500 characters", status_code=400)
        self.assertFalse(Hold.objects.exists())

    def test_a_hold_equal_to_one_in_force_is_refused_with_a_link_to_it(self):
        self.client.force_login(self.lead)
        self.client.post(reverse("publishing_holds"), {"scope": "region", "region": "americas", "reason": "Unrest"})
        first = Hold.objects.get()
        response = self.client.post(
            reverse("publishing_holds"), {"scope": "region", "region": "americas", "reason": "Again"}
        )
        self.assertContains(response, "An equal hold is already in force", status_code=400)
        self.assertContains(response, f'href="#hold-{first.pk}"', status_code=400)
        self.assertEqual(Hold.objects.count(), 1)
        # Another region is another hold.
        self.client.post(reverse("publishing_holds"), {"scope": "region", "region": "europe", "reason": "Strikes"})
        self.assertEqual(Hold.objects.active().count(), 2)

    def test_released_holds_keep_who_set_and_released_them_and_how_many_posts_they_held(self):
        self.client.force_login(self.lead)
        approval.posts_approve(posts=Post.objects.all(), user=None)
        self.client.post(reverse("publishing_holds"), {"scope": "region", "region": "europe", "reason": "Unrest"})
        hold = Hold.objects.get()
        self.assertEqual(Post.objects.filter(state=State.HELD).count(), 2)  # both embassies are in Europe
        self.client.post(reverse("publishing_hold_release", args=(hold.pk,)), {"confirm": "yes"})
        hold.refresh_from_db()
        self.assertEqual((hold.released_by, hold.posts_held), (self.lead, 2))
        page = self.client.get(reverse("publishing_holds"))
        self.assertContains(page, "Region: Europe")
        self.assertContains(page, "<td>2</td>", html=False)
        self.assertContains(page, "lead ·", count=2)  # set and released by the lead
