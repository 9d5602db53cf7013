"""Second eyes with no way around them: whoever wrote part of a story since its live revision cannot approve it, by
any route — the workflow's action, the edit page, the programmatic API, a restarted review, the scheduled go-live,
the translation editor, a superuser. Each test walks the route a hostile approver with a valid account would."""

from datetime import timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource

from portal import review
from portal.models import ForcedPublication, StoryPage
from portal.tasks import pages_publish_scheduled
from publishing.models import Distribution
from tests.factories import UserFactory
from tests.unit.test_editorial_workflow import EditorialTestCase, story_form


class SecondEyesRouteTests(EditorialTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.superuser = UserFactory(username="root", is_superuser=True, is_staff=True)

    def setUp(self):
        self.story = StoryPage(title="Talks", slug="talks", standfirst="The editor's words.", live=False)
        self.tree.index.add_child(instance=self.story)
        self.story.save_revision(user=self.editor)

    # The steps -------------------------------------------------------------------------------------

    def submit_as_editor(self):
        return self.story.get_workflow().start(self.story, self.editor)

    def task_state(self):
        return StoryPage.objects.get(pk=self.story.pk).current_workflow_task_state

    def workflow_action(self, user, action: str, data=None):
        self.client.force_login(user)
        url = reverse("wagtailadmin_pages:workflow_action", args=(self.story.pk, action, self.task_state().pk))
        return self.client.post(url, data or {})

    def edit(self, user, action: str, **changes):
        self.client.force_login(user)
        story = StoryPage.objects.get(pk=self.story.pk)
        return self.client.post(
            reverse("wagtailadmin_pages:edit", args=(story.pk,)), {**story_form(story, **changes), action: "1"}
        )

    def request_changes_then_rewrite(self, approver):
        """The finding: the approver asks for changes, writes them himself and resubmits in the editor's name."""
        self.submit_as_editor()
        self.workflow_action(approver, "reject", {"comment": "Needs work."})
        self.edit(approver, "action-submit", standfirst="The approver's own words.")
        state = StoryPage.objects.get(pk=self.story.pk).current_workflow_state
        self.assertEqual((state.status, state.requested_by), (state.STATUS_IN_PROGRESS, self.editor))

    def assert_refused(self, response):
        """The admin answers a refused action with its dashboard and a message (Wagtail's own way)."""
        self.assertRedirects(response, reverse("wagtailadmin_home"), fetch_redirect_response=False)

    def assert_not_live(self):
        story = StoryPage.objects.get(pk=self.story.pk)
        self.assertFalse(story.live)
        self.assertFalse(Distribution.objects.filter(story=story).exists())

    # Each route ------------------------------------------------------------------------------------

    def assert_the_rewriter_cannot_approve(self, user):
        self.request_changes_then_rewrite(user)
        self.assertEqual(self.task_state().task.specific.get_actions(self.story, user), [])
        self.assert_refused(self.workflow_action(user, "approve"))
        self.assert_not_live()

    def test_reject_rewrite_resubmit_then_approve_in_the_review_is_refused(self):
        self.assert_the_rewriter_cannot_approve(self.approver)

    def test_the_edit_page_approve_is_refused_and_says_why(self):
        self.request_changes_then_rewrite(self.approver)
        page = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.story.pk,)))
        self.assertContains(page, "You wrote or submitted part of this story since it was last published")
        self.assertNotContains(page, 'data-workflow-action-name="approve"')
        self.edit(self.approver, "action-workflow-action", **{"workflow-action-name": "approve"})
        self.assert_not_live()

    def test_an_approver_who_edits_while_approving_from_the_edit_page_is_refused(self):
        self.submit_as_editor()
        response = self.edit(
            self.approver,
            "action-workflow-action",
            standfirst="Slipped in while approving.",
            **{"workflow-action-name": "approve"},
        )
        self.assert_refused(response)
        page = self.client.get(reverse("wagtailadmin_pages:edit", args=(self.story.pk,)))
        self.assertContains(page, "someone else must approve it")
        self.assertEqual(
            StoryPage.objects.get(pk=self.story.pk).get_latest_revision().content["standfirst"],
            "Slipped in while approving.",  # the approver's edit is kept as a draft, not lost
        )
        self.assert_not_live()

    def test_the_programmatic_approval_is_refused(self):
        self.request_changes_then_rewrite(self.approver)
        with self.assertRaises(PermissionDenied):
            self.task_state().approve(user=self.approver)
        self.assert_not_live()
        with self.assertRaises(PermissionDenied):
            self.task_state().task.specific.on_action(self.task_state(), self.approver, "approve")
        self.assert_not_live()

    def test_cancel_rewrite_and_a_restarted_review_does_not_let_the_writer_approve(self):
        self.submit_as_editor()
        self.edit(self.approver, "action-cancel-workflow", standfirst="Rewritten after cancelling.")
        self.assertIsNone(StoryPage.objects.get(pk=self.story.pk).current_workflow_state)
        self.edit(self.editor, "action-submit", standfirst="Rewritten after cancelling.")  # the editor restarts it
        self.assert_refused(self.workflow_action(self.approver, "approve"))
        self.assert_not_live()

    def test_a_scheduled_go_live_never_takes_the_writers_text_live(self):
        go_live = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
        self.edit(self.editor, "action-save", go_live_at=go_live)
        self.request_changes_then_rewrite(self.approver)
        self.workflow_action(self.approver, "approve")
        self.assertIsNone(StoryPage.objects.get(pk=self.story.pk).get_latest_revision().approved_go_live_at)
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
            pages_publish_scheduled()
        self.assert_not_live()

    def test_bulk_publish_after_rewriting_does_not_publish(self):
        self.request_changes_then_rewrite(self.approver)
        self.client.force_login(self.approver)
        url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish")) + f"?id={self.story.pk}"
        self.client.post(url, {})
        self.assert_not_live()

    def test_a_superuser_is_bound_like_anyone_else(self):
        self.assert_the_rewriter_cannot_approve(self.superuser)

    def test_someone_who_wrote_nothing_approves_and_the_rewritten_story_goes_live(self):
        self.request_changes_then_rewrite(self.approver)
        self.assertEqual(self.workflow_action(self.other_approver, "approve").status_code, 302)
        story = StoryPage.objects.get(pk=self.story.pk)
        self.assertTrue(story.live)
        self.assertEqual(story.standfirst, "The approver's own words.")

    def test_writers_are_counted_from_the_live_revision_on(self):
        self.submit_as_editor()
        self.workflow_action(self.approver, "approve")
        self.assertTrue(StoryPage.objects.get(pk=self.story.pk).live)
        self.assertEqual(review.story_writers(self.story), set())  # what went live was reviewed
        self.edit(self.other_approver, "action-save", standfirst="A correction.")
        self.assertEqual(review.story_writers(self.story), {self.other_approver.pk})
        self.edit(self.editor, "action-submit", standfirst="A correction.")  # submitted unchanged: a requester
        self.assertEqual(review.story_writers(self.story), {self.other_approver.pk, self.editor.pk})
        self.assert_refused(self.workflow_action(self.other_approver, "approve"))
        self.assertEqual(self.workflow_action(self.approver, "approve").status_code, 302)
        self.assertEqual(StoryPage.objects.get(pk=self.story.pk).standfirst, "A correction.")

    def test_the_approver_afterwards_of_a_force_publication_wrote_none_of_it(self):
        self.edit(self.other_approver, "action-save", standfirst="Written by the second approver.")
        self.client.force_login(self.approver)
        self.client.post(reverse("portal_force_publish", args=(self.story.pk,)), {"reason": "Evacuation notice."})
        forced = ForcedPublication.objects.get(story=self.story)
        self.client.force_login(self.other_approver)
        self.client.post(reverse("portal_force_publish_approve", args=(forced.pk,)))
        forced.refresh_from_db()
        self.assertIsNone(forced.approved_at)  # they wrote part of what was forced out
        superuser_approval = reverse("portal_force_publish_approve", args=(forced.pk,))
        self.client.force_login(self.superuser)
        self.client.post(superuser_approval)
        forced.refresh_from_db()
        self.assertEqual(forced.approved_by, self.superuser)


class TranslationRouteTests(EditorialTestCase):
    """A translation is reviewed like its source: its reviewer cannot have written it in the translation editor."""

    @classmethod
    def setUpTestData(cls):
        from tests.factories import portal_tree_build

        cls.tree = portal_tree_build(languages=("en", "fr"))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])
        cls.other_approver = UserFactory(username="approver2", groups=["Ministry approvers"])

    def test_an_approver_who_rewrites_a_translation_in_its_editor_cannot_approve_it(self):
        story = self.tree.story_add(slug="s", texts={"en": ("Story", "The source standfirst.")})["en"]
        source, _created = TranslationSource.get_or_create_from_instance(story)
        translation = Translation.objects.create(source=source, target_locale=self.tree.locales["fr"])
        translation.save_target(user=self.editor, publish=False)
        french = StoryPage.objects.get(locale=self.tree.locales["fr"], translation_key=story.translation_key)

        self.client.force_login(self.editor)
        self.client.post(reverse("portal_translation_submit", args=(translation.pk,)))
        state = Page.objects.get(pk=french.pk).specific.current_workflow_state
        self.client.force_login(self.approver)
        self.client.post(
            reverse("wagtailadmin_pages:workflow_action", args=(french.pk, "reject", state.current_task_state.pk)),
            {"comment": "Translate the standfirst."},
        )
        # The approver writes the translation himself in the translation editor, and resubmits it.
        for segment in StringSegment.objects.filter(source=source, string__data="The source standfirst."):
            StringTranslation.objects.create(
                translation_of=segment.string,
                locale=self.tree.locales["fr"],
                context=segment.context,
                data="Le chapeau de l'approbateur.",
                last_translated_by=self.approver,
            )
        translation.save_target(user=self.approver, publish=False)
        self.client.post(reverse("portal_translation_submit", args=(translation.pk,)))
        french = StoryPage.objects.get(pk=french.pk)
        state = french.current_workflow_state
        self.assertEqual(state.status, state.STATUS_IN_PROGRESS)
        task_state = state.current_task_state

        url = reverse("wagtailadmin_pages:workflow_action", args=(french.pk, "approve", task_state.pk))
        self.assertRedirects(self.client.post(url), reverse("wagtailadmin_home"), fetch_redirect_response=False)
        self.assertFalse(StoryPage.objects.get(pk=french.pk).live)
        self.client.force_login(self.other_approver)
        self.assertEqual(self.client.post(url).status_code, 302)
        french = StoryPage.objects.get(pk=french.pk)
        self.assertTrue(french.live)
        self.assertEqual(french.standfirst, "Le chapeau de l'approbateur.")
