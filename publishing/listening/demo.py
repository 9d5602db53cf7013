"""The demo's inbox: every young post's conversation read from the sandbox, and one exchange under a post the host
country's ministry answered angrily — escalated, with the phone call its head of mission recorded. Run once."""

from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from embassies.models import EmbassyMembership

from ..demo import publish_on, sandbox_clock_set
from ..models import Distribution, Post
from .collect import conversations_listen, window
from .inbox import outcome_record
from .models import Conversation, Counterpart, EmbassyListening, Event, WatchTerm

STIRRED_COUNTRY = "KE"
YOUNG_STORY_AGE = timedelta(hours=8)
WATCH_TERMS = [("disgrace", ""), ("honte", "fr"), ("فضيحة", "ar"), ("vergüenza", "es")]


def _young_story_publish(url: str) -> None:
    """The history's stories are weeks old, past listening's window: the second newest story went out this morning
    (the newest stays in the embassies' queues), so its audience has had hours to answer."""
    distributions = list(Distribution.objects.order_by("story__first_published_at"))[-2:-1]
    for distribution in distributions:
        if distribution.posts.filter(state=Post.State.PUBLISHED).exists():
            continue
        try:
            publish_on(distribution, timezone.now() - YOUNG_STORY_AGE, url)
        finally:
            sandbox_clock_set(url, timezone.now())


def demo_listening_load(sandbox_url: str | None = None) -> dict[str, int]:
    if Conversation.objects.exists():
        return {}
    url = (sandbox_url or settings.SANDBOX_URL).rstrip("/")
    _young_story_publish(url)
    young = Post.objects.filter(
        state=Post.State.PUBLISHED, reply_to="", network="x", published_at__gte=timezone.now() - window()
    ).select_related("embassy")
    stirred = young.filter(embassy__country_id=STIRRED_COUNTRY).first() or young.first()
    for term, language in WATCH_TERMS:
        WatchTerm.objects.get_or_create(term=term, language=language)
    if stirred is not None:
        embassy = stirred.embassy
        Counterpart.objects.get_or_create(
            embassy=embassy,
            x_handle="hostmfa",
            defaults={
                "name": "Host Ministry of Foreign Affairs",
                "kind": Counterpart.Kind.MINISTRY,
                "role": "Press Office",
                "contact_name": "Director of the Press Office",
                "phone": "+254 20 000 0000",
            },
        )
        EmbassyListening.objects.get_or_create(embassy=embassy, defaults={"duty_phone": "+254 700 000 000"})
        requests.post(
            f"{url}/_sandbox/posts/{stirred.external_id}/comments",
            json={
                "text": "This is a disgrace and you know it. We expect an explanation.",
                "author_name": "Host Ministry of Foreign Affairs",
                "author_handle": "hostmfa",
                "lang": "en",
            },
            timeout=10,
        ).raise_for_status()
    report = conversations_listen(every=True)
    escalated = Conversation.objects.filter(escalated_at__isnull=False).select_related("embassy").first()
    if escalated is not None:
        head = EmbassyMembership.objects.filter(
            embassy=escalated.embassy, role=EmbassyMembership.Role.HEAD_OF_MISSION
        ).first()
        person = head.user if head else get_user_model().objects.filter(is_superuser=True).first()
        outcome_record(
            conversation=escalated,
            user=person,
            kind=Event.Kind.CALLED,
            note="Called the press office director; agreed to talk tomorrow rather than reply in public.",
        )
    return {
        "conversations": Conversation.objects.count(),
        "comments": report.new_comments,
        "escalated": Conversation.objects.filter(escalated_at__isnull=False).count(),
    }
