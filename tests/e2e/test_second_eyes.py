"""An approver who asks for changes, writes them himself and resubmits cannot approve his own words: in the browser,
the Approve action is gone, the page says why, and the story is not live."""

import re
import time

import pytest
from playwright.sync_api import expect
from wagtail.models import Workflow

from portal.models import StoryPage
from tests.factories import UserFactory, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def wait_for_state(story, status: str) -> None:
    for _ in range(100):
        state = StoryPage.objects.get(pk=story.pk).current_workflow_state
        if state is not None and state.status == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"the review never reached {status}")


def test_reject_rewrite_resubmit_leaves_no_approve_for_the_rewriter(live_server, page, log_in):
    tree = portal_tree_build(languages=("en",))
    editor = UserFactory(username="editor", password=PASSWORD, groups=["Ministry editors"])
    approver = UserFactory(username="approver", password=PASSWORD, groups=["Ministry approvers"])
    story = StoryPage(title="Border talks", slug="border-talks", standfirst="The editor's words.", live=False)
    tree.index.add_child(instance=story)
    story.save_revision(user=editor)
    Workflow.objects.get(name="Ministry review").start(story, editor)

    log_in(page, approver.username)
    page.goto(f"{live_server.url}/admin/pages/{story.pk}/edit/")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Request changes").click()
    modal = page.locator(".modal-dialog")
    modal.locator("textarea").fill("Tighten the standfirst.")
    assert "Approve and Publish" in page.content()  # offered to him before he wrote a word
    modal.get_by_role("button", name="Request changes").click()
    page.wait_for_url(lambda url: "/edit/" not in url or "/admin/" in url)
    wait_for_state(story, "needs_changes")

    page.goto(f"{live_server.url}/admin/pages/{story.pk}/edit/")
    page.wait_for_load_state("networkidle")
    actions = page.get_by_label("Actions (footer)")
    page.locator("#id_standfirst").fill("The approver's own words.")
    actions.locator("[data-w-dropdown-target='toggle']").click()
    actions.get_by_role("button", name=re.compile("^Resubmit")).click()
    wait_for_state(story, "in_progress")
    state = StoryPage.objects.get(pk=story.pk).current_workflow_state
    assert (state.status, state.requested_by) == (state.STATUS_IN_PROGRESS, editor)  # still in the editor's name

    page.goto(f"{live_server.url}/admin/pages/{story.pk}/edit/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text(
        "You wrote or submitted part of this story since it was last published: someone else must approve it."
    )
    expect(page.locator("[data-workflow-action-name='approve']")).to_have_count(0)
    assert "Approve and Publish" not in page.content()
    assert not StoryPage.objects.get(pk=story.pk).live
