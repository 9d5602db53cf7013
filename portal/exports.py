"""Spreadsheet exports that a spreadsheet cannot run: every cell that would start a formula is written as text.

Wagtail's export (SpreadsheetExportMixin, behind every admin listing and report that offers CSV and XLSX) keeps
XLSX formulas as text but writes CSV cells as they are, and names such as an account's display name come from the
networks. Every export the admin offers reads its cells through Wagtail's `preprocess_field_value`, so they are
made safe there, once, in both formats."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A leading apostrophe makes a cell that would start a formula plain text (OWASP's advice for CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def exports_neutralise_formulas() -> None:
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    preprocess = SpreadsheetExportMixin.preprocess_field_value
    if getattr(preprocess, "neutralises_formulas", False):
        return

    def preprocess_safely(self, field, value, export_format):
        return spreadsheet_safe(preprocess(self, field, value, export_format))

    preprocess_safely.neutralises_formulas = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_safely
