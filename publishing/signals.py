"""Plans a story's distribution when Wagtail publishes it."""

from django.db import transaction
from wagtail.signals import page_published

from . import services


def story_published_receiver(sender, instance, revision, **kwargs):
    # Planned inside the publishing transaction: the posts exist exactly when the story does.
    with transaction.atomic():
        services.story_published(page=instance, revision=revision)


def connect() -> None:
    from portal.models import StoryPage

    page_published.connect(story_published_receiver, sender=StoryPage, dispatch_uid="chancery-plan-distribution")
