"""Editors do their whole job: upload and choose images in the ministry's collection, and translate a story."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.test.utils import WagtailPageTestCase

from portal.models import StoryPage
from tests.factories import UserFactory, portal_tree_build


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 360), (200, 40, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile("harbour.png", buffer.getvalue(), content_type="image/png")


class EditorToolsTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def setUp(self):
        self.client.force_login(self.editor)

    def test_an_editor_uploads_an_image_and_chooses_it(self):
        self.assertEqual(self.client.get(reverse("wagtailimages:index")).status_code, 200)
        response = self.client.post(
            reverse("wagtailimages:add"), {"title": "Harbour at dawn", "file": png(), "collection": "1"}
        )
        self.assertEqual(response.status_code, 302, response.content[:500])
        image = Image.objects.get(title="Harbour at dawn")
        chooser = self.client.get(reverse("wagtailimages_chooser:choose"))
        self.assertContains(chooser, "Harbour at dawn")
        self.assertContains(chooser, "Upload")  # the chooser offers an upload too
        self.assertEqual(image.uploaded_by_user, self.editor)

    def test_an_editor_translates_a_story_and_submits_the_translation_for_review(self):
        story = self.tree.story_add(slug="ocean", texts={"en": ("Ocean conference", "Funding.")})["en"]
        url = reverse("wagtail_localize:submit_page_translation", args=(story.pk,))
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"locales": [self.tree.locales["fr"].pk]})
        self.assertEqual(response.status_code, 302)
        french = StoryPage.objects.get(translation_key=story.translation_key, locale=self.tree.locales["fr"])
        self.assertFalse(french.live)  # a draft until the Ministry review approves it
        workflow = french.get_workflow()
        self.assertEqual(workflow.name, "Ministry review")
        state = workflow.start(french, self.editor)
        self.assertEqual(state.requested_by, self.editor)

    def test_the_approver_is_told_a_translation_waits(self):
        from django.core import mail

        approver = UserFactory(username="approver", groups=["Ministry approvers"])
        story = self.tree.story_add(slug="ocean", texts={"en": ("Ocean conference", "Funding.")})["en"]
        self.client.post(
            reverse("wagtail_localize:submit_page_translation", args=(story.pk,)),
            {"locales": [self.tree.locales["fr"].pk]},
        )
        french = StoryPage.objects.get(translation_key=story.translation_key, locale=self.tree.locales["fr"])
        french.title = "Conférence des océans"
        french.save_revision(user=self.editor)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            french.get_workflow().start(french, self.editor)
        told = [m for m in mail.outbox if approver.email in m.to]
        self.assertTrue(told, [m.to for m in mail.outbox])
        self.assertIn("Conférence des océans", told[0].subject + told[0].body)
        self.client.force_login(approver)
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(dashboard, "Awaiting your review")
        self.assertContains(dashboard, "Conférence des océans")


class StoryFormTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def test_the_story_form_offers_regions_to_tick_and_countries_by_name_in_the_editors_language(self):
        from wagtail.users.models import UserProfile

        story = self.tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})["en"]
        self.client.force_login(self.editor)
        html = self.client.get(reverse("wagtailadmin_pages:edit", args=(story.pk,))).content.decode()
        self.assertIn('type="checkbox" name="target_regions" value="europe"', html)
        self.assertIn('value="SE"', html)
        self.assertRegex(html, r'value="SE"[^>]*>\s*Sweden</label>')
        self.assertIn('aria-label="Find a country"', html)  # searchable, not a 257-line list by ISO code
        self.assertIn('aria-label="Find an embassy"', html)
        self.assertIn("portal/js/searchable-checkboxes.js", html)
        self.assertIn("data-social-preview=", html)  # the social text previews each network's post
        profile = UserProfile.get_for_user(self.editor)
        profile.preferred_language = "fr"
        profile.save()
        html = self.client.get(reverse("wagtailadmin_pages:edit", args=(story.pk,))).content.decode()
        self.assertRegex(html, r'value="SE"[^>]*>\s*Suède</label>')
        content_tab = html[html.index('id="tab-content"') : html.index('id="tab-promote"')]
        self.assertIn('name="topics"', content_tab)
        self.assertIn('name="countries"', content_tab)

    def test_the_social_text_preview_composes_each_networks_post_with_the_exact_x_count(self):
        from publishing.channels.textlength import weighted_length

        self.client.force_login(self.editor)
        url = reverse("publishing_story_preview")
        answer = self.client.get(
            url, {"title": "Ocean pledge", "social_text": "Funding for marine areas 🌊", "hashtags": "Ocean #UN"}
        ).json()
        self.assertIn("Funding for marine areas 🌊", answer["x"]["text"])
        self.assertIn("#Ocean #UN", answer["x"]["text"])
        self.assertIn("/en/stories/story/", answer["x"]["text"])  # X carries the link in the text
        self.assertNotIn("/stories/story/", answer["facebook"]["text"])  # Facebook shows it as a card
        self.assertEqual(answer["x"]["length"], weighted_length(answer["x"]["text"]))
        self.assertEqual(answer["problems"], [])
        long = self.client.get(url, {"title": "T", "social_text": "界" * 200}).json()
        self.assertLessEqual(long["x"]["length"], 280)  # the composer fits it, and says the text was shortened
        self.assertTrue(any("On X the text is shortened" in p for p in long["problems"]))
        self.assertEqual(self.client.get(url, {"title": "T"}).json()["problems"][0][:20], "Write a social text ")


class TranslationSubmitTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr"))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])
        cls.staff = UserFactory(username="staff", groups=["Embassy staff"])

    def test_the_translation_editor_submits_the_translation_to_the_same_review(self):
        from wagtail_localize.models import StringTranslation, Translation

        story = self.tree.story_add(slug="ocean", texts={"en": ("Ocean conference", "Funding.")})["en"]
        self.client.force_login(self.editor)
        self.client.post(
            reverse("wagtail_localize:submit_page_translation", args=(story.pk,)),
            {"locales": [self.tree.locales["fr"].pk]},
        )
        translation = Translation.objects.get(target_locale=self.tree.locales["fr"])
        french = StoryPage.objects.get(translation_key=story.translation_key, locale=self.tree.locales["fr"])
        editor_page = self.client.get(reverse("wagtailadmin_pages:edit", args=(french.pk,)))
        self.assertContains(editor_page, "Submit to Ministry review")
        title = translation.source.stringsegment_set.get(string__data="Ocean conference", context__path="title")
        StringTranslation.objects.create(
            translation_of=title.string,
            locale=self.tree.locales["fr"],
            context=title.context,
            data="Conférence des océans",
        )
        url = reverse("portal_translation_submit", args=(translation.pk,))
        self.client.force_login(self.staff)
        self.assertIn(self.client.post(url).status_code, {302, 403})
        french.refresh_from_db()
        self.assertFalse(french.workflow_in_progress)  # staff cannot edit pages: refused

        self.client.force_login(self.editor)
        response = self.client.post(url, follow=True)
        self.assertContains(response, "was submitted to Ministry review")
        french.refresh_from_db()
        self.assertTrue(french.workflow_in_progress)
        self.assertFalse(french.live)
        self.assertEqual(french.get_latest_revision_as_object().title, "Conférence des océans")
        again = self.client.post(url, follow=True)
        self.assertContains(again, "already waits for review")
        self.assertEqual(self.client.get(url).status_code, 405)
