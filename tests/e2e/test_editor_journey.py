"""An editor's whole job in the browser: write a story, illustrate it with a new image, find the country it concerns
by typing, see the social posts while writing, submit it for review, translate it and submit the translation;
then an approver reads the fan-out summary and publishes."""

import io

import pytest
from PIL import Image as PILImage
from playwright.sync_api import expect

from portal.models import StoryPage
from publishing.models import Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def png_file(tmp_path) -> str:
    path = tmp_path / "harbour.png"
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 675), (30, 90, 160)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_editor_writes_illustrates_translates_and_submits_and_the_approver_publishes(
    live_server, browser, sandbox, log_in, tmp_path
):
    tree = portal_tree_build(languages=("en", "fr"))
    for slug, country, city in (("paris", "FR", "Paris"), ("nairobi", "KE", "Nairobi")):
        embassy = embassy_make(slug, country, city, "Europe/Paris")
        sandbox.connect(embassy, "x", username=slug, name=f"Embassy in {city}")
    editor = UserFactory(username="editor", password=PASSWORD, groups=["Ministry editors"])
    approver = UserFactory(username="approver", password=PASSWORD, groups=["Ministry approvers"])

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(20_000)
    log_in(page, editor.username)
    page.goto(f"{live_server.url}/admin/pages/add/portal/storypage/{tree.index.pk}/")
    page.locator("#id_title").fill("Harbour agreement signed")
    page.locator("#id_standfirst").fill("A new agreement opens the harbour to shared research vessels.")

    # Illustrate: upload a new image from the chooser.
    page.wait_for_load_state("networkidle")  # the chooser's button works once the editor's scripts have run
    page.get_by_role("button", name="Choose an image").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name="Upload").click()
    modal.locator("#id_image-chooser-upload-title").fill("Harbour at dawn")
    modal.locator("#id_image-chooser-upload-file").set_input_files(png_file(tmp_path))
    modal.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-chooser-title]").first).to_contain_text("Harbour at dawn")
    page.locator("#id_hero_alt").fill("Research vessels in the harbour at dawn")

    # The country it concerns, found by typing part of its name.
    page.get_by_label("Find a country").fill("fran")
    expect(page.get_by_label("France", exact=True)).to_be_visible()
    expect(page.get_by_label("Kenya", exact=True)).to_be_hidden()
    page.get_by_label("France", exact=True).check()
    expect(page.locator(".searchable-chosen").first).to_contain_text("France")

    # The social text with each network's post and X's count while writing.
    page.get_by_role("tab", name="Promote").click()
    page.locator("#id_social_text").fill("Shared research vessels for a cleaner sea 🌊")
    page.locator("#id_hashtags").fill("OceanScience")
    expect(page.locator(".social-post[data-network='x'] .social-post-text")).to_contain_text(
        "Shared research vessels for a cleaner sea 🌊"
    )
    expect(page.locator(".social-post[data-network='x'] .social-post-text")).to_contain_text("#OceanScience")
    x_count = int(page.locator(".social-counter .n").inner_text())
    assert 0 < x_count <= 280

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("created")
    story = StoryPage.objects.get(slug="harbour-agreement-signed")
    assert not story.live and story.hero_image.title == "Harbour at dawn"
    assert list(story.countries.values_list("code", flat=True)) == ["FR"]

    # Submit for the Ministry review.
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Submit to Ministry review").click()
    expect(page.locator(".messages")).to_contain_text("submitted")
    story.refresh_from_db()
    assert story.workflow_in_progress

    # Translate into French and submit the translation.
    page.goto(f"{live_server.url}/admin/localize/submit/page/{story.pk}/")
    page.get_by_label("Français").check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/admin/pages/*/edit/**")
    french = StoryPage.objects.get(translation_key=story.translation_key, locale__language_code="fr")
    page.get_by_role("button", name="Translate").first.click()  # the title's segment
    page.locator("textarea").first.fill("Accord portuaire signé")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Accord portuaire signé").first).to_be_visible()
    page.get_by_role("button", name="Submit to Ministry review").click()
    expect(page.locator(".messages")).to_contain_text("was submitted to Ministry review")
    expect(page.locator(".translation-review")).to_contain_text("Waits for Ministry review")
    french.refresh_from_db()
    assert french.workflow_in_progress and not french.live
    assert french.get_latest_revision_as_object().title == "Accord portuaire signé"

    # The approver reads what publishing will do and publishes the English story.
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    log_in(page, approver.username)
    page.goto(f"{live_server.url}/admin/pages/{story.pk}/edit/")
    summary = page.locator(".messages")
    expect(summary).to_contain_text("Publishing proposes 2 posts to 2 embassies")
    expect(summary).to_contain_text("X cost $0.40")
    expect(summary).to_contain_text("1 of them need a head of mission")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Approve and Publish", exact=True).click()
    page.wait_for_load_state()
    story.refresh_from_db()
    assert story.live
    assert Post.objects.filter(distribution__story=story).count() == 2
    assert Post.objects.get(distribution__story=story, embassy__slug="paris").sensitive
