"""A reader's walk: home → a story → the Arabic translation, right to left → search finds it."""

import pytest

from tests.factories import image_make, portal_tree_build

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_finds_the_arabic_story(live_server, page):
    tree = portal_tree_build(languages=("en", "ar", "fr"))
    tree.story_add(
        slug="climate-pledge",
        texts={
            "en": ("Climate finance pledge", "The ministry doubles adaptation support."),
            "ar": ("تعهد تمويل المناخ", "تضاعف الوزارة دعم التكيف."),
        },
        image=image_make(),
        topics=["climate"],
    )

    page.goto(f"{live_server.url}/en/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_role("link", name="Climate finance pledge").first.click()
    page.wait_for_url("**/en/stories/climate-pledge/")
    assert page.get_by_role("heading", level=1).inner_text() == "Climate finance pledge"

    page.get_by_role("navigation", name="Languages").get_by_role("link", name="العربية").click()
    page.wait_for_url("**/ar/stories/climate-pledge/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.get_by_role("heading", level=1).inner_text() == "تعهد تمويل المناخ"

    page.get_by_role("searchbox").fill("المناخ")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/ar/search/?q=*")
    result = page.locator(".search-results a")
    assert result.count() == 1
    assert result.inner_text() == "تعهد تمويل المناخ"
    result.click()
    page.wait_for_url("**/ar/stories/climate-pledge/")
