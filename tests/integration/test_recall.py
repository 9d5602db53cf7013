"""A recall of 250 posts over a 200 ms network, through the admin, real PostgreSQL, Redis, a worker process and the
sandbox process: the request answers at once, the workers delete every post, and the page shows the progress."""

import time

import pytest
from django.urls import reverse

from publishing import approval
from publishing.models import Distribution, Post, Recall
from tests.factories import UserFactory

from .conftest import wait_until
from .test_fanout import all_settled, build, tick

pytestmark = pytest.mark.django_db(transaction=True)
State = Post.State


def test_recalling_250_posts_answers_at_once_and_the_workers_delete_every_one(worker, sandbox_server, client):
    build(sandbox_server, count=125)
    approval.posts_approve(posts=Post.objects.all(), user=None)
    wait_until(all_settled(), timeout=180, interval=1, tick=tick, message="250 posts to be published")
    assert Post.objects.filter(state=State.PUBLISHED).count() == 250
    sandbox_server.faults(latency_ms=200)
    distribution = Distribution.objects.get()
    client.force_login(UserFactory(username="lead", groups=["Communications leads"]))

    started = time.monotonic()
    response = client.post(
        reverse("publishing_recall", args=(distribution.pk,)), {"confirm": "yes", "reason": "Facts changed"}
    )
    answered_in = time.monotonic() - started
    assert response.status_code == 302 and answered_in < 1.0, answered_in

    progress_url = reverse("publishing_distribution_progress", args=(distribution.pk,))
    seen_under_way = client.get(progress_url).json()["recalls"][0]
    assert seen_under_way["total"] == 250 and not seen_under_way["finished"]
    wait_until(
        lambda: Recall.objects.filter(finished_at__isnull=False).exists(),
        timeout=180,
        interval=1,
        message="the recall to finish",
    )
    finished = client.get(progress_url).json()
    assert finished["recalls"][0] | {"requested_at": ""} == {
        "requested_at": "",
        "by": "lead",
        "reason": "Facts changed",
        "total": 250,
        "deleted": 250,
        "failed": 0,
        "withdrawn": 0,
        "finished": True,
    }
    assert finished["counts"]["recalled"] == 250
    sandbox_server.faults()
    for post in Post.objects.select_related("account"):
        assert [r["deleted"] for r in sandbox_server.posts(post.account.external_id)] == [True]
    print(f"recall request answered in {answered_in * 1000:.0f} ms; 250 posts deleted")
