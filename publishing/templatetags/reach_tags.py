"""How reach figures show: grouped numbers, and an unavailable figure as "—" with the reason, never 0."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def figure(value, reason: str = ""):
    if value is None:
        why = reason or _("The network did not give this figure.")
        return format_html(
            '<span class="reach-unavailable" title="{}">—<span class="w-sr-only"> ({})</span></span>', why, why
        )
    return number_format(value, force_grouping=True)


@register.simple_tag
def total(totals: dict, name: str):
    """A sum over posts: unavailable when no post gave the figure, and says so when only some did."""
    given, posts = totals.get(f"{name}_given") or 0, totals.get("posts") or 0
    if not given:
        return figure(
            None, _("No post gave this figure.") if name != "reach" else _("No post gave reach (X gives none).")
        )
    shown = number_format(totals.get(name), force_grouping=True)
    if given < posts:
        return format_html('{} <small title="{}">({}/{})</small>', shown, _("posts that gave it"), given, posts)
    return shown


@register.filter
def times(value) -> str:
    return "" if value is None else f"{value:.1f}×"


@register.filter
def percent_change(value) -> str:
    if value is None:
        return "—"
    return f"{value:+.0f} %"


@register.filter
def get_item(row: dict, name: str):
    return row.get(name) if isinstance(row, dict) else None
