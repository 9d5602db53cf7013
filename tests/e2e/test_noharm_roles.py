"""#NoHarm in the browser: staff adapt a sensitive post but cannot approve it, the head of mission approves it;
a communications lead sets a hold on an embassy and releases it."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from embassies.models import EmbassyMembership, SocialAccount
from publishing.models import Hold, Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_head_of_mission_approves_what_staff_could_not_and_a_lead_holds_and_releases(
    live_server, browser, sandbox, log_in
):
    tree = portal_tree_build(languages=("en",))
    embassy = embassy_make("paris", "FR", "Paris", "Europe/Paris")
    remote = sandbox.account("facebook", "Embassy in Paris")
    account = SocialAccount(embassy=embassy, network="facebook", external_id=remote["id"], display_name=remote["name"])
    account.credentials_set({"access_token": remote["access_token"]})
    account.save()
    staff_group, heads = Group.objects.get(name="Embassy staff"), Group.objects.get(name="Heads of mission")
    staff = UserFactory(username="camille", password="correct horse battery")
    staff.groups.add(staff_group)
    EmbassyMembership.objects.create(user=staff, embassy=embassy)
    head = UserFactory(username="ambassador", password="correct horse battery")
    head.groups.add(staff_group, heads)
    EmbassyMembership.objects.create(user=head, embassy=embassy, role="head")
    lead = UserFactory(username="lead", password="correct horse battery", groups=["Communications leads"])
    tree.story_add(slug="talks", texts={"en": ("Talks in Paris", "Both sides meet.")}, countries=["FR"])
    post = Post.objects.get(embassy=embassy)
    assert post.sensitive and post.state == Post.State.PROPOSED

    page = browser.new_context().new_page()
    log_in(page, staff.username)
    page.goto(f"{live_server.url}/admin/publishing/queue/")
    expect(page.locator(".sensitive-reason")).to_contain_text("the story concerns France")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    page.get_by_label("Text").fill("Talks in Paris, adapted by the embassy.")
    page.get_by_role("button", name="Save the text for the head of mission").click()
    expect(page.locator(".messages")).to_contain_text("Saved. The post waits for approval.")
    post.refresh_from_db()
    assert (post.state, post.text) == (Post.State.PROPOSED, "Talks in Paris, adapted by the embassy.")

    page = browser.new_context().new_page()
    log_in(page, head.username)
    page.goto(f"{live_server.url}/admin/publishing/queue/")
    page.get_by_role("button", name="Approve to go now").click()
    expect(page.locator(".messages")).to_contain_text("Approved: goes out")
    post.refresh_from_db()
    assert post.state in {Post.State.SCHEDULED, Post.State.QUEUED, Post.State.PUBLISHED} and post.approved_by == head

    page = browser.new_context().new_page()
    log_in(page, lead.username)
    page.goto(f"{live_server.url}/admin/publishing/holds/")
    expect(page.get_by_label("Region", exact=True)).to_be_hidden()  # only the chosen scope's picker shows
    page.get_by_label("What to hold").select_option("embassy")
    expect(page.get_by_label("Region", exact=True)).to_be_hidden()
    page.get_by_label("Embassy", exact=True).select_option(label="Embassy in Paris")
    page.get_by_label("Reason (required)").fill("Demonstrations near the embassy")
    page.get_by_role("button", name="Hold now").click()
    expect(page.locator(".messages")).to_contain_text("Hold in force")
    hold = Hold.objects.active().get()
    assert (hold.scope, hold.embassy, hold.set_by) == ("embassy", embassy, lead)
    page.locator(f"#hold-{hold.pk}").get_by_label("Release: held posts will go out").check()
    page.locator(f"#hold-{hold.pk}").get_by_role("button", name="Release").click()
    expect(page.locator(".messages")).to_contain_text("Hold released")
    hold.refresh_from_db()
    assert hold.released_by == lead and hold.posts_held is not None
