"""Bad input gets a clear 4xx and loses nothing: each of these once answered 500 or was silently accepted."""

import json

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from embassies.models import EmbassyMembership, SocialAccount
from portal.models import StoryPage
from publishing.models import Distribution, Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

State = Post.State


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class BadInputTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        cls.story = cls.tree.story_add(slug="s", texts={"en": ("Story", "Standfirst."), "fr": ("Récit", "Chapeau.")})[
            "en"
        ]
        cls.paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
        account = SocialAccount(embassy=cls.paris, network="x", external_id="x-paris", display_name="Paris")
        account.credentials_set({"access_token": "t"})
        account.save()
        cls.post = Post.objects.create(
            distribution=Distribution.objects.get(story=cls.story),
            account=account,
            embassy=cls.paris,
            network="x",
            language="en",
            text="Hello https://news.example.org/en/s/",
            link="https://news.example.org/en/s/",
        )
        cls.staff = UserFactory(username="anna")
        cls.staff.groups.add(Group.objects.get(name="Embassy staff"))
        EmbassyMembership.objects.create(user=cls.staff, embassy=cls.paris)

    def edit_embassy(self, **changes):
        self.client.force_login(self.staff)
        data = {
            "names": '{"fr": "Ambassade à Paris"}',
            "time_zone": "Europe/Paris",
            "posting_languages": '["fr", "en"]',
            "hashtags": "#FranceDiplo",
            **changes,
        }
        return self.client.post(reverse("embassies_embassy:edit", args=(self.paris.pk,)), data)

    def assert_embassy_unchanged(self):
        self.paris.refresh_from_db()
        self.assertEqual(
            (self.paris.names, self.paris.time_zone, self.paris.posting_languages, self.paris.hashtags),
            ({}, "Europe/Paris", ["en"], ""),
        )

    # The public portal ------------------------------------------------------------------------------

    def test_search_for_a_lone_quote_or_a_nul_byte_answers_without_error(self):
        for query in ('"', '"climate', "a\x00b", "\x00", "(", "AND", "-"):
            response = self.client.get("/en/search/", {"q": query})
            self.assertLess(response.status_code, 500, repr(query))
        self.assertContains(self.client.get("/en/search/", {"q": 'Story"'}), "Story")

    # The review queue -------------------------------------------------------------------------------

    def test_a_non_numeric_embassy_filter_is_a_400(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("publishing_review_queue"), {"embassy": "abc"})
        self.assertContains(response, "not an embassy", status_code=400)

    def test_a_post_id_beyond_any_integer_in_bulk_approve_is_a_400_and_approves_nothing(self):
        self.client.force_login(self.staff)
        response = self.client.post(reverse("publishing_bulk_approve"), {"post": ["9" * 20, str(self.post.pk)]})
        self.assertContains(response, "not a post", status_code=400)
        self.post.refresh_from_db()
        self.assertEqual(self.post.state, State.PROPOSED)

    def test_a_due_time_in_year_one_is_refused_with_a_reason(self):
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("publishing_post_approve", args=(self.post.pk,)), {"due_local": "0001-01-01T00:00"}, follow=True
        )
        self.assertContains(response, "has already passed")
        self.post.refresh_from_db()
        self.assertEqual(self.post.state, State.PROPOSED)

    # An embassy's local settings --------------------------------------------------------------------

    def test_posting_languages_nested_deep_are_refused(self):
        for depth, problem in ((5000, "Keep this under 5000 characters"), (2000, "nested too deep to read")):
            response = self.edit_embassy(posting_languages=nested(depth))
            self.assertEqual(response.status_code, 200)  # the form again, with its error
            self.assertTrue(problem in response.content.decode(), f"{depth} deep: no “{problem}”")
            self.assert_embassy_unchanged()

    def test_translated_names_must_be_text_in_known_languages(self):
        for names, problem in (
            ('{"fr": 1}', "text"),
            ('["Ambassade"]', "language code"),
            ('{"xx": "Nowhere"}', "xx"),
            (json.dumps({"fr": "A" * 201}), "200"),
        ):
            response = self.edit_embassy(names=names)
            self.assertContains(response, problem, msg_prefix=names)
            self.assert_embassy_unchanged()
        with self.settings(LANGUAGE_CODE="fr"):
            self.assertEqual(self.client.get("/fr/").status_code, 200)

    def test_time_zones_that_are_not_places_are_refused(self):
        for zone in ("localtime", "Factory", "posixrules", "right/UTC", "posix/Europe/Paris", "Mars/Olympus"):
            response = self.edit_embassy(time_zone=zone)
            self.assertContains(response, "is not an IANA time zone", msg_prefix=zone)
            self.assert_embassy_unchanged()

    def test_hashtags_must_be_hashtags(self):
        for hashtags in ("‹img src=x onerror=alert(1)>", "#ok #not-ok", "#" + "a" * 101, "#a\u202eb"):
            response = self.edit_embassy(hashtags=hashtags)
            self.assertContains(response, "hashtag", msg_prefix=hashtags)
            self.assert_embassy_unchanged()
        self.assertEqual(self.edit_embassy(hashtags="#FranceDiplo #Égalité #日本").status_code, 302)

    def test_story_hashtags_must_be_hashtags(self):
        story = StoryPage.objects.get(pk=self.story.pk)
        story.hashtags = "‹img>"
        with self.assertRaisesMessage(Exception, "hashtag"):
            story.full_clean()
