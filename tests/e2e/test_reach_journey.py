"""Reach in the browser: a communications lead opens Reach, a story, sees its chart drawn and exports CSV; an
embassy's staff see their own embassy only."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from embassies.models import EmbassyMembership
from publishing import approval, delivery
from publishing.models import Post
from publishing.reach.collect import metrics_collect
from tests.factories import UserFactory, embassy_make, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def test_the_lead_reads_a_story_and_exports_it_and_staff_see_their_embassy_only(live_server, browser, sandbox, log_in):
    tree = portal_tree_build(languages=("en",))
    embassies = {
        "paris": embassy_make("paris", "FR", "Paris", "Europe/Paris"),
        "cairo": embassy_make("cairo", "EG", "Cairo", "Africa/Cairo"),
    }
    for embassy in embassies.values():
        for network in ("facebook", "x"):
            sandbox.connect(embassy, network, username=f"e{embassy.slug}")
    story = tree.story_add(slug="ocean", texts={"en": ("Ocean pledge", "New funding for marine areas.")})["en"]
    approval.posts_approve(posts=Post.objects.all(), user=None)
    for post_id, _network in delivery.posts_dispatch():
        delivery.post_publish(post_id=post_id)
    published_at = Post.objects.order_by("published_at").first().published_at
    for hours in (1, 3):
        sandbox.advance(3600 if hours == 1 else 2 * 3600)
        assert metrics_collect(now=published_at + timedelta(hours=hours, minutes=1)).posts == 4

    lead = UserFactory(username="lead", password=PASSWORD, groups=["Communications leads"])
    page = browser.new_context(accept_downloads=True).new_page()
    log_in(page, lead.username)
    page.locator('a[href="/admin/reach/"]').first.click()
    expect(page.locator("h1")).to_contain_text("Reach")
    page.get_by_role("link", name="Stories", exact=True).click()
    page.get_by_role("link", name="Ocean pledge").click()
    expect(page.locator("canvas[data-drawn='2']")).to_have_count(1)  # Facebook and X, drawn from the chart's data
    expect(page.locator(".reach-chart-table")).to_contain_text("1")
    expect(page.locator(".reach-posts")).to_contain_text("Embassy in Paris")
    expect(page.locator(".reach-posts")).to_contain_text("Embassy in Cairo")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 4 and {r["embassy"] for r in rows} == {"Embassy in Paris", "Embassy in Cairo"}
    for row in rows:
        post = Post.objects.select_related("latest_snapshot").get(external_id=row["external_id"])
        assert row["views"] == str(post.latest_snapshot.views) and int(row["views"]) > 0
        assert row["reach"] == ("" if row["network"] == "x" else str(post.latest_snapshot.reach))

    staff = UserFactory(username="camille", password=PASSWORD)
    staff.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=staff, embassy=embassies["paris"])
    page = browser.new_context().new_page()
    log_in(page, staff.username)
    page.goto(f"{live_server.url}/admin/reach/stories/{story.pk}/")
    expect(page.locator(".reach-posts")).to_contain_text("Embassy in Paris")
    expect(page.locator(".reach-posts")).not_to_contain_text("Embassy in Cairo")
    expect(page.locator("canvas[data-drawn]")).to_have_count(1)
    response = page.goto(f"{live_server.url}/admin/reach/embassies/{embassies['cairo'].pk}/")
    assert response.status == 404
