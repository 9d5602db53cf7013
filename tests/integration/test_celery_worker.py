"""Celery over real Redis and PostgreSQL: a scheduled story goes live through a worker process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import StoryPage
from portal.tasks import pages_publish_scheduled
from tests.factories import portal_tree_build

from .conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_database_is_postgresql_and_broker_is_redis(settings):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_scheduled_story_goes_live_through_a_real_worker(celery_worker):
    tree = portal_tree_build(languages=("en",))
    story = StoryPage(title="Embargoed statement", slug="embargoed", standfirst="Goes live soon.", live=False)
    tree.index.add_child(instance=story)
    story.go_live_at = timezone.now() + timedelta(seconds=2)
    story.save_revision().publish()
    story.refresh_from_db()
    assert not story.live

    wait_until(lambda: timezone.now() > story.go_live_at, message="the go-live time")
    pages_publish_scheduled.delay()

    wait_until(lambda: StoryPage.objects.get(pk=story.pk).live, message="the worker to publish the story")
    assert StoryPage.objects.get(pk=story.pk).live_revision_id == story.latest_revision_id
