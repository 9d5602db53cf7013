"""Personal data: a comment's text and author are kept for LISTENING_RETENTION_DAYS, then erased; the
conversation's counts, and that the comment existed, are kept."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Comment


def comments_erase(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Erase the text and author of every comment collected longer ago than the retention; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LISTENING_RETENTION_DAYS)
    erased = 0
    while True:
        ids = list(
            Comment.objects.filter(collected_at__lt=cutoff, erased_at__isnull=True).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return erased
        erased += Comment.objects.filter(pk__in=ids).update(
            text="", author_id="", author_name="", author_handle="", counterpart=None, erased_at=timezone.now()
        )
