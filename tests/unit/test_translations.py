"""The admin speaks the nine portal languages: every catalog translates every string, keeps every placeholder, and
has the plural forms its language needs; a page in the admin shows the translation."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)")
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]


def catalog_of(code: str):
    folder = code.replace("-", "_")
    folder = {"zh_hans": "zh_Hans"}.get(folder.lower(), folder)
    with open(LOCALE / folder / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(code):
    catalog = catalog_of(code)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        singular, plural = (message.id if isinstance(message.id, tuple) else (message.id, message.id))[:2]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {singular!r}")
            continue
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms of {catalog.num_plurals}: {singular!r}")
        wanted = set(PLACEHOLDER.findall(plural))
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            if not found <= wanted or (not isinstance(message.id, tuple) and found != wanted):
                problems.append(f"placeholders {sorted(found)} for {sorted(wanted)}: {singular!r}")
    assert not problems, "\n".join(problems[:20])
    assert len([m for m in catalog if m.id]) > 400


def test_the_admin_speaks_the_embassy_staffs_language():
    with translation.override("fr"):
        assert translation.gettext("Review queue") == "File de relecture"
    with translation.override("ar"):
        assert translation.gettext("Approve") == "موافقة"
    with translation.override("zh-hans"):
        assert translation.ngettext("%(counter)s post to review", "%(counter)s posts to review", 3) == (
            "%(counter)s 条帖子待审核"
        )
