"""A fresh `make run` opens on a living demo: distributions with posts in several states, posts on the sandbox's
pages, weeks of collected reach and a post drawing unusual replies."""

import html
import io

import requests
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from portal.demo.site import DEMO_PASSWORD
from publishing.listening.models import Comment, Conversation, Event
from publishing.models import Distribution, MetricSnapshot, Post, ReplyAlert

State = Post.State


def test_load_demo_leaves_every_state_a_real_day_leaves(db, sandbox, settings, client):
    settings.SANDBOX_URL = sandbox.url
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo distributions:" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    states = set(Post.objects.values_list("state", flat=True))
    assert {State.PUBLISHED, State.PROPOSED, State.HELD} <= states
    assert Post.objects.filter(sensitive=True, state=State.PROPOSED, embassy__country_id="FR").exists()
    # The published posts are on the sandbox, dated the day their story went out, and their reach was collected.
    published = Post.objects.filter(state=State.PUBLISHED).select_related("account")
    assert published.count() > 500
    account = published.first().account
    assert published.first().external_id in {p["id"] for p in sandbox.posts(account.external_id)}
    page = requests.get(f"{sandbox.url}/_sandbox/accounts/{account.external_id}", timeout=10).text
    assert published.first().external_id in page
    assert MetricSnapshot.objects.filter(step=6).exists()  # seven days of history
    assert ReplyAlert.objects.filter(post__embassy__country_id="KE").exists()
    # A lively inbox: conversations read from the sandbox, one escalated with the phone call recorded.
    assert "Demo conversations:" in out.getvalue()
    assert Comment.objects.filter(ours=False).count() > 50
    escalated = Conversation.objects.get(escalated_at__isnull=False)
    assert escalated.reasons and escalated.events.filter(kind=Event.Kind.CALLED).exists()
    # Seen in the admin by an approver: every story has a distribution, and the oldest shows its posts' states.
    client.force_login(User.objects.get(username="approver"))
    listing = client.get(reverse("publishing_distributions")).content.decode()
    assert Distribution.objects.count() >= 10
    for distribution in Distribution.objects.select_related("story"):
        assert html.escape(distribution.story.title) in listing
    oldest = Distribution.objects.order_by("story__first_published_at").first()
    progress = client.get(reverse("publishing_distribution_progress", args=(oldest.pk,))).json()
    assert progress["counts"]["published"] > 0
    # A second run changes nothing.
    before = Post.objects.filter(state=State.PUBLISHED).count()
    call_command("load_demo", stdout=io.StringIO())
    assert Post.objects.filter(state=State.PUBLISHED).count() == before


def test_the_demo_publishes_to_its_sandbox_whatever_the_network_settings_say(db, sandbox, settings):
    from publishing.channels.facebook import graph_base_url_apply

    settings.SANDBOX_URL = sandbox.url
    settings.FACEBOOK_GRAPH_URL = "https://graph.facebook.com/"  # the real hosts, as production settings say
    settings.X_API_URL = "https://api.x.com"
    graph_base_url_apply()
    try:
        call_command("load_demo", stdout=io.StringIO())
    finally:
        settings.FACEBOOK_GRAPH_URL = f"{sandbox.url}/"
        graph_base_url_apply()
    published = Post.objects.filter(state=State.PUBLISHED).select_related("account")
    assert published.count() > 500
    x_post = published.filter(network="x").first()
    assert x_post.external_id in {p["id"] for p in sandbox.posts(x_post.account.external_id)}
    assert settings.X_API_URL == "https://api.x.com"  # given back as it was


def test_the_demo_refuses_a_sandbox_that_is_not_on_this_machine(db, settings):
    import pytest
    from django.core.management.base import CommandError

    settings.SANDBOX_URL = "https://graph.facebook.com"
    with pytest.raises(CommandError, match="only to the network sandbox on this machine"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Post.objects.exists()
