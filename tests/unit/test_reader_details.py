"""What readers see beyond the story itself: responsive images, search results with date and image, a 404 in their
language."""

import re

from wagtail.test.utils import WagtailPageTestCase

from tests.factories import image_make, portal_tree_build


class ReaderDetailTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en", "fr", "ar"))
        cls.tree.story_add(
            slug="ocean",
            texts={"en": ("Ocean conference", "Funding for marine areas."), "ar": ("مؤتمر المحيطات", "تمويل.")},
            image=image_make(),
        )

    def test_the_hero_image_comes_in_webp_and_jpeg_at_several_widths(self):
        html = self.client.get("/en/stories/ocean/").content.decode()
        source = re.search(r'<source[^>]*type="image/webp"[^>]*>', html)
        self.assertTrue(source, "no WebP source")
        self.assertTrue(re.search(r'srcset="[^"]+\.webp 480w, [^"]+\.webp 800w, [^"]+\.webp 1200w"', source.group(0)))
        self.assertTrue(re.search(r'<img[^>]+srcset="[^"]+\.jpg 480w', html), "no JPEG fallback at several widths")
        self.assertIn('sizes="(max-width: 50rem) 100vw, 50rem"', html)

    def test_search_results_show_the_date_and_the_image(self):
        html = self.client.get("/en/search/", {"q": "ocean"}).content.decode()
        self.assertIn("Ocean conference", html)
        self.assertTrue(re.search(r'<time datetime="\d{4}-\d\d-\d\dT', html), "no date")
        self.assertTrue(re.search(r'<source[^>]*type="image/webp"', html), "no image")

    def test_a_missing_page_says_so_in_the_readers_language(self):
        for path, lang, text, direction in (
            ("/fr/nulle-part/", "fr", "Page introuvable", "ltr"),
            ("/ar/nowhere/", "ar", "الصفحة غير موجودة", "rtl"),
            ("/en/nowhere/", "en", "Page not found", "ltr"),
        ):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 404, path)
            html = response.content.decode()
            self.assertIn(f'<html lang="{lang}" dir="{direction}">', html)
            self.assertIn(text, html)
            self.assertIn(f'href="/{lang}/"', html)
