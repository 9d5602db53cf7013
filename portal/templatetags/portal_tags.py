"""Template filters that format through Babel in the page's language."""

from django import template
from django.utils.translation import get_language

from portal import l10n

register = template.Library()


@register.filter
def babel_date(value, language_code=None):
    return l10n.date_long(value, language_code or get_language())


@register.filter
def country_name(code, language_code=None):
    return l10n.country_name(code, language_code or get_language())


@register.filter
def country_list(countries, language_code=None):
    return l10n.country_list([country.code for country in countries], language_code or get_language())


@register.filter
def og_locale(language_code):
    return l10n.open_graph_locale(language_code)


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path
