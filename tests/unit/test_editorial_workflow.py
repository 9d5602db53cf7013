"""Second eyes: no story goes live without a second person's approval, by any path, but by force-publish."""

from datetime import timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Workflow
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield
from wagtail_localize.models import Translation, TranslationSource

from portal.models import ForcedPublication, StoryPage
from portal.review import review_passed
from portal.tasks import pages_publish_scheduled
from publishing.models import Distribution
from tests.factories import UserFactory, portal_tree_build


def story_form(story: StoryPage, **changes) -> dict:
    fields = {
        "title": story.title,
        "slug": story.slug,
        "standfirst": story.standfirst,
        "body": streamfield([]),
        "hero_alt": "",
        "hero_credit": "",
        "social_text": "",
        "hashtags": "",
        "target": "all",
        "topics": "",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments": inline_formset([]),
        **changes,
    }
    return nested_form_data(fields)


class EditorialTestCase(WagtailPageTestCase):
    """A portal with an editor and two approvers."""

    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])
        cls.other_approver = UserFactory(username="approver2", groups=["Ministry approvers"])


class SecondEyesTests(EditorialTestCase):
    def draft_story(self, owner, slug: str = "") -> StoryPage:
        story = StoryPage(
            title="Draft",
            slug=slug or f"draft-{owner.username}",
            standfirst="Draft standfirst.",
            live=False,
            owner=owner,
        )
        self.tree.index.add_child(instance=story)
        story.save_revision(user=owner)
        return story

    def submit(self, story, user):
        workflow = story.get_workflow()
        self.assertEqual(workflow, Workflow.objects.get(name="Ministry review"))
        return workflow.start(story, user)

    def assert_saved_as_draft(self, story, user, standfirst: str):
        """The form was valid and kept as a draft: a refused publication, not a refused form."""
        revision = StoryPage.objects.get(pk=story.pk).get_latest_revision()
        self.assertEqual((revision.user, revision.content["standfirst"]), (user, standfirst))

    def assert_not_live(self, story):
        story.refresh_from_db()
        self.assertFalse(story.live)
        self.assertFalse(Distribution.objects.filter(story=story).exists())

    # The review itself -----------------------------------------------------------------------------

    def test_editor_can_edit_but_no_one_publishes_a_story_directly(self):
        story = self.draft_story(self.editor)
        self.assertTrue(story.permissions_for_user(self.editor).can_edit())
        self.assertFalse(story.permissions_for_user(self.editor).can_publish())
        self.assertFalse(story.permissions_for_user(self.approver).can_publish())

    def test_editor_cannot_approve_their_submission_through_the_admin(self):
        story = self.draft_story(self.editor)
        task_state = self.submit(story, self.editor).current_task_state
        self.assertEqual(task_state.task.specific.get_actions(story, self.editor), [])
        self.client.force_login(self.editor)
        url = reverse("wagtailadmin_pages:workflow_action", args=(story.pk, "approve", task_state.pk))
        response = self.client.post(url, {})
        self.assertIn(response.status_code, (302, 403))
        self.assert_not_live(story)

    def test_approver_cannot_approve_their_own_submission(self):
        story = self.draft_story(self.approver)
        state = self.submit(story, self.approver)
        task = state.current_task_state.task.specific
        self.assertEqual(task.get_actions(story, self.approver), [])
        self.assertFalse(task.get_task_states_user_can_moderate(self.approver).exists())
        with self.assertRaises(PermissionDenied):
            task.on_action(state.current_task_state, self.approver, "approve")
        self.assert_not_live(story)

    def test_approver_who_edits_during_review_cannot_approve_their_own_words(self):
        story = self.draft_story(self.editor)
        state = self.submit(story, self.editor)
        story.standfirst = "Changed by the approver during review."
        story.save_revision(user=self.approver)
        task = state.current_task_state.task.specific
        self.assertEqual(task.get_actions(story, self.approver), [])
        with self.assertRaises(PermissionDenied):
            task.on_action(state.current_task_state, self.approver, "approve")
        self.assert_not_live(story)

    def test_an_approver_who_saves_the_story_unchanged_may_still_approve_it(self):
        story = self.draft_story(self.editor)
        state = self.submit(story, self.editor)
        story.save_revision(user=self.approver)  # approving from the edit page saves the form first
        task = state.current_task_state.task.specific
        self.assertIn("approve", [name for name, _label, _modal in task.get_actions(story, self.approver)])
        task.on_action(state.current_task_state, self.approver, "approve")
        story.refresh_from_db()
        self.assertTrue(story.live)

    def test_another_approver_approves_and_the_story_goes_live(self):
        story = self.draft_story(self.editor)
        task_state = self.submit(story, self.editor).current_task_state
        self.assertIn(
            "approve", [name for name, _label, _modal in task_state.task.specific.get_actions(story, self.approver)]
        )
        self.client.force_login(self.approver)
        url = reverse("wagtailadmin_pages:workflow_action", args=(story.pk, "approve", task_state.pk))
        self.assertEqual(self.client.post(url, {}).status_code, 302)
        story.refresh_from_db()
        self.assertTrue(story.live)
        self.assertEqual(story.live_revision.user, self.editor)

    # Every other path ------------------------------------------------------------------------------

    def test_the_add_pages_publish_keeps_a_new_story_as_a_draft(self):
        self.client.force_login(self.approver)
        url = reverse("wagtailadmin_pages:add", args=("portal", "storypage", self.tree.index.pk))
        data = story_form(StoryPage(title="Straight out", slug="straight-out", standfirst="No review."))
        response = self.client.post(url, {**data, "action-publish": "action-publish"})
        story = StoryPage.objects.get(slug="straight-out")
        self.assertRedirects(response, reverse("wagtailadmin_pages:edit", args=(story.pk,)))
        self.assert_not_live(story)

    def test_the_edit_pages_publish_does_not_publish_a_story(self):
        story = self.draft_story(self.approver)
        self.client.force_login(self.approver)
        url = reverse("wagtailadmin_pages:edit", args=(story.pk,))
        self.client.post(url, {**story_form(story, standfirst="Changed."), "action-publish": "action-publish"})
        self.assert_saved_as_draft(story, self.approver, "Changed.")
        self.assert_not_live(story)

    def test_bulk_publish_skips_stories(self):
        story = self.draft_story(self.approver)
        self.client.force_login(self.approver)
        url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish")) + f"?id={story.pk}"
        self.client.post(url, {})
        self.assert_not_live(story)

    def test_copy_and_publish_of_a_story_is_refused(self):
        story = self.draft_story(self.editor)
        with review_passed():
            story.get_latest_revision().publish(user=self.approver, skip_permission_checks=True)
        self.client.force_login(self.approver)
        response = self.client.post(
            reverse("wagtailadmin_pages:copy", args=(story.pk,)),
            {
                "new_title": "Copied",
                "new_slug": "copied",
                "new_parent_page": str(self.tree.index.pk),
                "copy_subpages": False,
                "alias": False,
                "publish_copies": True,
            },
        )
        self.assertEqual(response.status_code, 302)
        copies = StoryPage.objects.filter(slug="copied")
        self.assertFalse(copies.filter(live=True).exists())

    def test_scheduling_an_unreviewed_revision_never_takes_it_live(self):
        story = self.draft_story(self.approver)
        self.client.force_login(self.approver)
        go_live = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
        url = reverse("wagtailadmin_pages:edit", args=(story.pk,))
        self.client.post(url, {**story_form(story, go_live_at=go_live), "action-publish": "action-publish"})
        self.assertIsNone(StoryPage.objects.get(pk=story.pk).get_latest_revision().approved_go_live_at)
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
            pages_publish_scheduled()
        self.assert_not_live(story)

    def test_revert_and_publish_does_not_publish_a_story(self):
        story = self.draft_story(self.approver)
        first = story.get_latest_revision()
        story.standfirst = "Second draft."
        story.save_revision(user=self.approver)
        self.client.force_login(self.approver)
        self.client.post(
            reverse("wagtailadmin_pages:revisions_revert", args=(story.pk, first.pk)),
            {**story_form(story, standfirst="Draft standfirst, reverted."), "action-publish": "action-publish"},
        )
        self.assert_saved_as_draft(story, self.approver, "Draft standfirst, reverted.")
        self.assert_not_live(story)

    def test_a_revision_someone_wrote_is_not_published_without_review(self):
        """Code paths that publish behind the admin's back (a translation's 'publish immediately') are refused."""
        story = self.draft_story(self.editor)
        with self.assertRaises(PermissionDenied):
            story.get_latest_revision().publish()
        with self.assertRaises(PermissionDenied):
            story.get_latest_revision().publish(user=self.approver, skip_permission_checks=True)
        self.assert_not_live(story)

    def test_a_scheduled_story_approved_in_review_goes_live_when_due(self):
        story = self.draft_story(self.editor)
        story.go_live_at = timezone.now() + timedelta(hours=1)
        story.save_revision(user=self.editor)
        task_state = self.submit(story, self.editor).current_task_state
        task_state.task.specific.on_action(task_state, self.approver, "approve")
        pages_publish_scheduled()
        story.refresh_from_db()
        self.assertFalse(story.live)  # not yet due
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=1, seconds=1)):
            pages_publish_scheduled()
        story.refresh_from_db()
        self.assertTrue(story.live)


class ForcePublishTests(EditorialTestCase):
    def setUp(self):
        self.story = StoryPage(title="Urgent", slug="urgent", standfirst="Cannot wait.", live=False)
        self.tree.index.add_child(instance=self.story)
        self.story.save_revision(user=self.editor)

    def force(self, user, reason="Evacuation notice: lives depend on it."):
        self.client.force_login(user)
        return self.client.post(reverse("portal_force_publish", args=(self.story.pk,)), {"reason": reason})

    def test_force_publish_needs_the_permission(self):
        self.assertRedirects(self.force(self.editor), reverse("wagtailadmin_home"))
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)

    def test_force_publish_needs_a_reason(self):
        response = self.force(self.approver, reason="   ")
        self.assertEqual(response.status_code, 200)
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)

    def test_force_published_story_stays_flagged_until_another_approver_approves(self):
        self.assertEqual(self.force(self.approver).status_code, 302)
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)
        forced = ForcedPublication.objects.get(story=self.story)
        self.assertEqual(forced.forced_by, self.approver)

        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.story.pk,)))
        self.assertContains(edit, "Published without review by approver")
        distribution = Distribution.objects.get(story=self.story)
        page = self.client.get(reverse("publishing_distribution", args=(distribution.pk,)))
        self.assertContains(page, "Published without review by approver")

        # The one who forced it cannot approve it (the admin answers a refusal with its dashboard).
        approve = reverse("portal_force_publish_approve", args=(forced.pk,))
        self.assertRedirects(self.client.post(approve), reverse("wagtailadmin_home"))
        forced.refresh_from_db()
        self.assertIsNone(forced.approved_at)

        self.client.force_login(self.other_approver)
        self.assertEqual(self.client.post(approve).status_code, 302)
        forced.refresh_from_db()
        self.assertEqual(forced.approved_by, self.other_approver)
        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.story.pk,)))
        self.assertNotContains(edit, "Published without review")
        page = self.client.get(reverse("publishing_distribution", args=(distribution.pk,)))
        self.assertNotContains(page, "Published without review")

    def test_an_editor_cannot_approve_a_forced_publication(self):
        self.force(self.approver)
        forced = ForcedPublication.objects.get(story=self.story)
        self.client.force_login(self.editor)
        response = self.client.post(reverse("portal_force_publish_approve", args=(forced.pk,)))
        self.assertRedirects(response, reverse("wagtailadmin_home"))
        forced.refresh_from_db()
        self.assertIsNone(forced.approved_at)


class TranslationPathTests(TransactionTestCase):
    """Commits happen as in production: wagtail-localize publishes a translation as its transaction commits."""

    def test_updating_translations_with_publish_immediately_does_not_publish_them(self):
        tree = portal_tree_build(languages=("en", "fr"))
        approver = UserFactory(username="approver", groups=["Ministry approvers"])
        story = tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})["en"]
        source, _ = TranslationSource.get_or_create_from_instance(story)
        Translation.objects.create(source=source, target_locale=tree.locales["fr"]).save_target(publish=False)
        self.client.force_login(approver)
        url = reverse("wagtail_localize:update_translations", args=(source.pk,))
        response = self.client.post(url, {"publish_translations": "on"})
        self.assertRedirects(response, reverse("wagtailadmin_home"), fetch_redirect_response=False)  # refused
        self.assertFalse(StoryPage.objects.get(locale=tree.locales["fr"]).live)
