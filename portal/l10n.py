"""CLDR formats for the portal's languages through Babel: dates, country names, Open Graph locales."""

from datetime import datetime
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from django.utils.translation import to_locale


@lru_cache(maxsize=64)
def babel_locale(language_code: str) -> Locale:
    """The Babel locale of a Django language code (`zh-hans` → `zh_Hans`)."""
    return Locale.parse(to_locale(language_code))


def date_long(value: datetime | None, language_code: str) -> str:
    if value is None:
        return ""
    return format_date(value, format="long", locale=babel_locale(language_code))


def datetime_medium(value: datetime | None, language_code: str, tzinfo=None) -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=tzinfo, locale=babel_locale(language_code))


def country_name(code: str, language_code: str) -> str:
    return babel_locale(language_code).territories.get(code.upper(), code.upper())


def country_list(codes: list[str], language_code: str) -> str:
    """Country names joined as the language joins a list (`Kenya and Sweden`, `كينيا وبنغلاديش`)."""
    return format_list([country_name(code, language_code) for code in codes], locale=babel_locale(language_code))


@lru_cache(maxsize=64)
def open_graph_locale(language_code: str) -> str:
    """`language_TERRITORY` as Open Graph wants it, using CLDR's likely territory (`sv` → `sv_SE`)."""
    locale = babel_locale(language_code)
    likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(
        locale.language, str(locale)
    )
    parts = Locale.parse(likely)
    return f"{parts.language}_{parts.territory}" if parts.territory else parts.language


def iso_country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code CLDR names (regions like `001` and `EU` left out)."""
    territories = Locale("en").territories
    return sorted(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
    )
