"""Every spreadsheet the admin offers writes a cell that would start a formula as text, in CSV and in XLSX."""

import csv
import io

import openpyxl
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.log_actions import log

from embassies.models import SocialAccount
from tests.factories import UserFactory, baseline_ensure, embassy_make, portal_tree_build

HOSTILE = ['=HYPERLINK("http://evil.test")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTab", "\rReturn"]


def export_urls() -> list[str]:
    """Every admin URL without arguments whose view is a spreadsheet export (listings and reports)."""
    found = []

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                view = getattr(pattern.callback, "view_class", None)
                if (
                    route.startswith("admin/")
                    and "<" not in route
                    and "^" not in route
                    and view is not None
                    and issubclass(view, SpreadsheetExportMixin)
                ):
                    found.append("/" + route)

    walk(get_resolver())
    return found


def cells_of(response, export_format: str) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "csv":
        return [cell for row in csv.reader(io.StringIO(body.decode())) for cell in row]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


class EveryExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        baseline_ensure()
        tree = portal_tree_build(languages=("en",))
        cls.admin = UserFactory(username="root", is_superuser=True, is_staff=True)
        for n, text in enumerate(HOSTILE):
            embassy = embassy_make(f"e{n}", "FR", text, "Europe/Paris")
            embassy.name = text
            embassy.save()
            account = SocialAccount(embassy=embassy, network="facebook", external_id=f"fb{n}", display_name=text)
            account.credentials_set({"access_token": "t"})
            account.save()
            story = tree.story_add(slug=f"s{n}", texts={"en": (text, "Standfirst.")})["en"]
            log(story, "wagtail.edit", user=cls.admin)

    def test_every_export_writes_formulas_as_text(self):
        urls = export_urls()
        self.assertIn(reverse("embassies_embassy:index"), urls)
        self.assertIn(reverse("embassies_account:index"), urls)
        self.assertIn(reverse("wagtailadmin_reports:site_history"), urls)
        self.client.force_login(self.admin)
        checked = 0
        for url in urls:
            for export_format in ("csv", "xlsx"):
                response = self.client.get(url, {"export": export_format})
                if response.status_code != 200 or response.get("Content-Disposition", "").find("attachment") < 0:
                    continue
                cells = cells_of(response, export_format)
                dangerous = [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
                self.assertEqual(dangerous, [], f"{url}?export={export_format}")
                checked += 1
                if "embassies" in url:
                    self.assertTrue(any(cell.startswith("'=HYPERLINK") for cell in cells), url)
        self.assertGreaterEqual(checked, 6)
