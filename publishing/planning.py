"""Planning a distribution: one post per target account, composed in the account's language, created in one
insert as the story is published; and what a distribution's posts have come to."""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from wagtail.models import Page

from portal.models import StoryPage

from .audit import audit
from .localize import compose, story_for_languages
from .models import Distribution, Post
from .sensitivity import heads_notify, post_is_sensitive, sensitive_reason
from .targets import story_source, target_accounts

State = Post.State


def distribution_plan(*, story: StoryPage, user=None, update: bool = False, request=None) -> Distribution | None:
    """One post per target account, created in one insert; planning twice creates nothing twice."""
    source = story_source(story)
    if not source.live:
        return None
    with transaction.atomic():
        if update:
            last = Distribution.objects.filter(story=source).order_by("-sequence").first()
            distribution = Distribution.objects.create(
                story=source, sequence=(last.sequence + 1) if last else 0, created_by=user
            )
        else:
            distribution, created = Distribution.objects.get_or_create(
                story=source, sequence=0, defaults={"created_by": user}
            )
            if not created:
                return None
        translations = {
            page.locale.language_code: page
            for page in StoryPage.objects.live()
            .public()
            .filter(translation_key=source.translation_key)
            .select_related("locale", "hero_image")
        }
        now = timezone.now()
        concerned = set(source.countries.values_list("code", flat=True))
        posts = []
        for account in target_accounts(source):
            embassy = account.embassy
            post = Post(distribution=distribution, account=account, embassy=embassy, network=account.network)
            post_compose(post, translations=translations, source=source, request=request)
            post.sensitive = post_is_sensitive(story=source, embassy=embassy, country_codes=concerned)
            if post.sensitive:
                post.reason = sensitive_reason(embassy)  # never auto-approved: the head of mission decides
            elif embassy.auto_approve:
                post.state, post.due_at, post.approved_at = State.SCHEDULED, now + embassy.auto_approve_delay, now
            posts.append(post)
        Post.objects.bulk_create(posts)
        audit(posts, "chancery.post.proposed", user=user)
        heads_notify(story=source, embassy_ids={post.embassy_id for post in posts if post.sensitive})
    return distribution


def post_compose(post: Post, *, translations: dict, source: StoryPage, request=None) -> bool:
    """Write the post's text and link in its embassy's best live language; True when the language changed."""
    page, language, fallback = story_for_languages(translations, post.embassy.posting_languages, source)
    if language == post.language:
        return False
    composed = compose(
        story=page, language=language, network=post.network, embassy=post.embassy, marker=post.marker, request=request
    )
    post.text, post.link, post.language, post.fallback = composed.text, composed.link, language, fallback
    post.page = page
    return True


def story_published(*, page: Page, revision) -> Distribution | None:
    """Called on `page_published`: plan only for a live story whose live revision is this one; a translation
    published later re-composes the posts still waiting for review in that language."""
    story = page.specific
    if not isinstance(story, StoryPage) or not story.live or story.live_revision_id != getattr(revision, "pk", None):
        return None
    source = story_source(story)
    if story.pk != source.pk:
        posts_relocalize(story=source)
        return None
    return distribution_plan(story=story, user=getattr(revision, "user", None))


def posts_relocalize(*, story: StoryPage) -> int:
    """Proposed posts move to a better language once its translation is live."""
    translations = {
        page.locale.language_code: page
        for page in StoryPage.objects.live()
        .public()
        .filter(translation_key=story.translation_key)
        .select_related("locale")
    }
    changed = []
    proposed = Post.objects.filter(distribution__story=story, state=State.PROPOSED).select_related("embassy")
    for post in proposed:
        if post_compose(post, translations=translations, source=story):
            changed.append(post)
    Post.objects.bulk_update(changed, ["text", "link", "language", "fallback", "page"])
    audit(changed, "chancery.post.proposed", reason="translation published")
    return len(changed)


def distribution_progress(distribution: Distribution) -> dict[str, int]:
    counts = dict(distribution.posts.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in State.values}


def distribution_waiting_for_people(distribution: Distribution) -> list[str]:
    """What of the distribution cannot move without a person, and whom it waits for, one line each."""
    waiting = []
    sensitive = (
        distribution.posts.filter(state=State.PROPOSED, sensitive=True)
        .values_list("embassy__name")
        .annotate(n=Count("pk"))
        .order_by("embassy__name")
    )
    for embassy, n in sensitive:
        waiting.append(f"{n} wait for the head of mission: {embassy}")
    review = distribution.posts.filter(state=State.PROPOSED, sensitive=False)
    if n := review.count():
        embassies = review.values("embassy").distinct().count()
        waiting.append(f"{n} wait for embassy staff to review them ({embassies} embassies)")
    if n := distribution.posts.filter(state=State.HELD).count():
        waiting.append(f"{n} are held until a lead releases the hold")
    return waiting
