"""The path people walk: an editor's story is approved and published, embassy staff adapt and schedule its
post, and the post appears on the embassy's page in the sandbox."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from wagtail.models import Page

from embassies.models import EmbassyMembership, SocialAccount
from portal.models import StoryPage
from publishing import delivery
from publishing.models import Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)


def test_story_to_embassy_post_on_the_sandbox(live_server, browser, sandbox, log_in):
    tree = portal_tree_build(languages=("en", "fr"))
    embassy = embassy_make("paris", "FR", "Paris", "Europe/Paris")
    embassy.posting_languages = ["fr", "en"]
    embassy.save()
    remote = sandbox.account("facebook", "Embassy in France")
    account = SocialAccount(embassy=embassy, network="facebook", external_id=remote["id"], display_name=remote["name"])
    account.credentials_set({"access_token": remote["access_token"]})
    account.save()

    editor = UserFactory(username="editor", password="correct horse battery", groups=["Ministry editors"])
    approver = UserFactory(username="approver", password="correct horse battery", groups=["Ministry approvers"])
    staff = UserFactory(username="camille", password="correct horse battery")
    staff.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=staff, embassy=embassy)

    story = StoryPage(
        title="Ocean conference commitments",
        slug="ocean",
        standfirst="New funding for the oceans.",
        live=False,
        owner=editor,
    )
    tree.index.add_child(instance=story)
    story.save_revision(user=editor)
    story.get_workflow().start(story, editor)

    # The approver approves the editor's submission in the admin.
    approver_page = browser.new_context().new_page()
    log_in(approver_page, approver.username)
    approver_page.goto(f"{live_server.url}/admin/pages/{story.pk}/edit/")
    approver_page.get_by_role("button", name="More actions").click()
    approver_page.get_by_role("button", name="Approve and Publish", exact=True).click()
    approver_page.wait_for_load_state()
    assert Page.objects.get(pk=story.pk).live
    post = Post.objects.get(embassy=embassy)
    assert post.state == Post.State.PROPOSED and post.language == "en" and post.fallback is False

    # Embassy staff adapt the post and schedule it in Paris time.
    page = browser.new_context().new_page()
    log_in(page, staff.username)
    page.goto(f"{live_server.url}/admin/publishing/queue/")
    text = page.get_by_label("Text")
    text.fill("Nouveaux engagements pour les océans — #Paris https://news.example.org/")
    expect(page.locator(".counter .n")).to_have_text(str(len(text.input_value())))
    assert page.locator(".preview-text").inner_text().startswith("Nouveaux engagements")
    assert re.search(r"Europe/Paris", page.locator(".queue-edit").inner_text())
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url("**/admin/publishing/queue/")
    assert "Approved: goes out" in page.content(), page.locator(".messages").inner_text()
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.approved_by == staff

    # Beat's next tick: the dispatcher queues the post and a worker sends it.
    for post_id, _network in delivery.posts_dispatch(now=post.due_at):
        delivery.post_publish(post_id=post_id)
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED

    page.goto(f"{sandbox.url}/_sandbox/accounts/{remote['id']}")
    assert "Nouveaux engagements pour les océans" in page.locator("article.post").inner_text()
