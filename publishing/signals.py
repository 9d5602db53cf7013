"""Plans a story's distribution when Wagtail publishes it; sends an account's held posts back when it reconnects."""

from django.db import transaction
from wagtail.signals import page_published

from . import delivery, planning


def story_published_receiver(sender, instance, revision, **kwargs):
    # Planned inside the publishing transaction: the posts exist exactly when the story does.
    with transaction.atomic():
        planning.story_published(page=instance, revision=revision)


def account_reconnected_receiver(sender, account, user=None, **kwargs):
    delivery.account_posts_release(account=account, user=user)


def connect() -> None:
    from embassies.signals import account_reconnected
    from portal.models import StoryPage

    page_published.connect(story_published_receiver, sender=StoryPage, dispatch_uid="chancery-plan-distribution")
    account_reconnected.connect(account_reconnected_receiver, dispatch_uid="chancery-release-account-posts")
