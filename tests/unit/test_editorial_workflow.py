"""The editorial rules: editors submit, approvers publish, nobody approves their own submission."""

from datetime import timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Workflow
from wagtail.test.utils import WagtailPageTestCase

from portal.models import StoryPage
from portal.tasks import pages_publish_scheduled
from portal.wagtail_hooks import forbid_publishing_own_submission
from tests.factories import UserFactory, portal_tree_build


class EditorialWorkflowTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])
        cls.other_approver = UserFactory(username="approver2", groups=["Ministry approvers"])

    def draft_story(self, owner) -> StoryPage:
        story = StoryPage(
            title="Draft", slug=f"draft-{owner.username}", standfirst="Draft standfirst.", live=False, owner=owner
        )
        self.tree.index.add_child(instance=story)
        story.save_revision(user=owner)
        return story

    def submit(self, story, user):
        workflow = story.get_workflow()
        self.assertEqual(workflow, Workflow.objects.get(name="Ministry review"))
        return workflow.start(story, user)

    def test_the_ministry_review_workflow_covers_every_story(self):
        story = self.draft_story(self.editor)
        self.assertEqual(story.get_workflow().name, "Ministry review")

    def test_editor_can_edit_but_not_publish(self):
        story = self.draft_story(self.editor)
        permissions = story.permissions_for_user(self.editor)
        self.assertTrue(permissions.can_edit())
        self.assertFalse(permissions.can_publish())
        self.assertTrue(story.permissions_for_user(self.approver).can_publish())

    def test_editor_cannot_approve_their_submission_through_the_admin(self):
        story = self.draft_story(self.editor)
        state = self.submit(story, self.editor)
        task_state = state.current_task_state
        self.assertEqual(task_state.task.specific.get_actions(story, self.editor), [])
        self.client.force_login(self.editor)
        url = reverse("wagtailadmin_pages:workflow_action", args=(story.pk, "approve", task_state.pk))
        response = self.client.post(url, {})
        self.assertIn(response.status_code, (302, 403))
        story.refresh_from_db()
        self.assertFalse(story.live)

    def test_approver_cannot_approve_their_own_submission(self):
        story = self.draft_story(self.approver)
        state = self.submit(story, self.approver)
        task = state.current_task_state.task.specific
        self.assertEqual(task.get_actions(story, self.approver), [])
        self.assertFalse(task.get_task_states_user_can_moderate(self.approver).exists())
        with self.assertRaises(PermissionError):
            task.on_action(state.current_task_state, self.approver, "approve")
        story.refresh_from_db()
        self.assertFalse(story.live)

    def test_approver_cannot_bypass_review_by_publishing_their_own_submission(self):
        story = self.draft_story(self.approver)
        self.submit(story, self.approver)
        request = RequestFactory().post("/")
        request.user = self.approver
        with self.assertRaises(PermissionDenied):
            forbid_publishing_own_submission(request, story)
        request.user = self.other_approver
        self.assertIsNone(forbid_publishing_own_submission(request, story))

    def test_another_approver_approves_and_the_story_goes_live(self):
        story = self.draft_story(self.editor)
        state = self.submit(story, self.editor)
        task_state = state.current_task_state
        self.assertIn(
            "approve", [name for name, _label, _modal in task_state.task.specific.get_actions(story, self.approver)]
        )
        self.client.force_login(self.approver)
        url = reverse("wagtailadmin_pages:workflow_action", args=(story.pk, "approve", task_state.pk))
        response = self.client.post(url, {})
        self.assertEqual(response.status_code, 302)
        story.refresh_from_db()
        self.assertTrue(story.live)
        self.assertEqual(story.live_revision.user, self.editor)

    def test_scheduled_story_goes_live_when_the_beat_task_runs(self):
        story = self.draft_story(self.editor)
        story.go_live_at = timezone.now() + timedelta(hours=1)
        story.save_revision(user=self.approver).publish(user=self.approver)
        story.refresh_from_db()
        self.assertFalse(story.live)
        pages_publish_scheduled()
        story.refresh_from_db()
        self.assertFalse(story.live)  # not yet due
        an_hour_later = timezone.now() + timedelta(hours=1, seconds=1)
        with mock.patch("django.utils.timezone.now", return_value=an_hour_later):
            pages_publish_scheduled()
        story.refresh_from_db()
        self.assertTrue(story.live)
