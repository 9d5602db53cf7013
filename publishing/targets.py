"""Who a story goes to: the story in the site's default language, and the embassy accounts its target names.

Planning, the X bill's estimate and the commands read these; they import nothing else of the publisher."""

from django.conf import settings

from embassies.models import Embassy, SocialAccount
from portal.models import StoryPage


def story_source(story: StoryPage) -> StoryPage:
    """The story in the site's default language when it has one, else the page itself."""
    default = story.get_translations(inclusive=True).filter(locale__language_code=settings.LANGUAGE_CODE).first()
    return default.specific if default else story


def target_accounts(story: StoryPage) -> list[SocialAccount]:
    embassies = Embassy.objects.filter(active=True)
    if story.target == "regions":
        embassies = embassies.filter(region__in=story.target_regions or [])
    elif story.target == "list":
        embassies = embassies.filter(pk__in=story.target_embassies.values("pk"))
    topic_ids = list(story.topics.values_list("pk", flat=True))
    if topic_ids:
        embassies = embassies.exclude(opted_out_topics__in=topic_ids)
    return list(
        SocialAccount.objects.filter(embassy__in=embassies)
        .exclude(status=SocialAccount.Status.DISABLED)
        .select_related("embassy")
        .order_by("embassy__name", "network")
    )
