"""The story a command is given, by page id or slug."""

from django.core.management.base import CommandError
from django.db.models import Q

from portal.models import StoryPage


def story_named(key: str) -> StoryPage:
    """The story whose page id or slug is `key` (the first page for a slug its translations share)."""
    match = Q(slug=key) | (Q(pk=int(key)) if key.isdigit() else Q(pk=None))
    page = StoryPage.objects.filter(match).order_by("pk").first()
    if page is None:
        raise CommandError(f"No story with id or slug “{key}”.")
    return page
