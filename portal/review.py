"""Second eyes: a story goes live only when someone who wrote none of it approves it, or by force-publish.

Wagtail imports the finish action below while it defines its own models, and portal.models imports this module:
it reads Wagtail's models lazily and never imports ours (force-publish, which needs them, is portal.forcing)."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

FORCE_PUBLISH = "portal.force_publish"
UNREVIEWED = _lazy("A story goes live only after Ministry review, or by force-publish with a reason.")
REASON_MAX = 1000

_review_passed: ContextVar[bool] = ContextVar("review_passed", default=False)
_forced: ContextVar[bool] = ContextVar("forced", default=False)


@contextmanager
def _passing(var: ContextVar[bool]) -> Iterator[None]:
    token = var.set(True)
    try:
        yield
    finally:
        var.reset(token)


def review_passed():
    """Publishing inside this block follows a finished review: its publisher is still asked the one rule."""
    return _passing(_review_passed)


def force_passed():
    """Publishing inside this block is a force-publish (portal.forcing): the one audited exception."""
    return _passing(_forced)


def story_publication_check(*, revision, user) -> None:
    """Refuse a story's publication that no review (and no force-publish) stands behind, or whose publisher wrote
    part of it. The system may still publish on its own (user None): a revision scheduled when it was approved, or
    one that no person wrote."""
    if _forced.get():
        return
    if user is not None:
        if not _review_passed.get():
            raise PermissionDenied(UNREVIEWED)
        story_second_eyes_check(story=revision.content_object, user=user)
        return
    if revision.approved_go_live_at is not None or revision.user_id is None:
        return
    raise PermissionDenied(UNREVIEWED)


def latest_revision(obj):
    """The newest revision of `obj`, read from the database (an object in hand may predate it)."""
    from wagtail.models import Revision

    return Revision.objects.for_instance(obj).order_by("-created_at", "-pk").first()


# What a reader sees of a story: whoever changes any of it has written part of it.
EDITORIAL_FIELDS = (
    "title",
    "slug",
    "standfirst",
    "body",
    "hero_image",
    "hero_alt",
    "hero_credit",
    "social_text",
    "hashtags",
    "countries",
    "tagged_items",
    "seo_title",
    "search_description",
)


def _without_ids(value):
    """Stream data and child rows without their ids, which a form may mint anew for unchanged blocks."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key not in ("id", "pk", "content_object")}
    return value


def _editorial(content: dict) -> tuple:
    return tuple(_without_ids(content.get(field)) for field in EDITORIAL_FIELDS)


def story_writers(story) -> set[int]:
    """Whoever wrote part of the story since its live revision (since its creation, if it was never live): the
    author of every revision that changed what readers see, and whoever submitted it to review since. Saving the
    form unchanged (as approving from the edit page does) writes nothing."""
    from wagtail.models import Page, Revision, WorkflowState

    live_revision_id, published_at = (
        Page.objects.filter(pk=story.pk).values_list("live_revision_id", "last_published_at").first() or (None, None)
    )
    revisions = Revision.objects.for_instance(story).order_by("created_at", "pk")
    states = WorkflowState.objects.for_instance(story)
    if live_revision_id is not None:
        live = Revision.objects.filter(pk=live_revision_id).values("created_at", "content").first()
        revisions = revisions.filter(created_at__gte=live["created_at"]).exclude(pk=live_revision_id)
        states = states.filter(created_at__gt=published_at)
        previous = _editorial(live["content"])
    else:
        previous = _editorial({})
    writers = {user_id for user_id in states.values_list("requested_by_id", flat=True) if user_id is not None}
    for user_id, content in revisions.values_list("user_id", "content"):
        current = _editorial(content)
        if current != previous and user_id is not None:
            writers.add(user_id)
        previous = current
    return writers


def story_second_eyes_refusal(*, story, user) -> str | None:
    """Second eyes, the one rule every route to publication asks: why `user` may not approve the story as it
    stands, or None. Superusers are bound like anyone else; force-publish is the one audited exception."""
    if user is None or not user.is_active:
        return _("Only an active approver may approve a story.")
    if user.pk in story_writers(story):
        return _("You wrote or submitted part of this story since it was last published: someone else must approve it.")
    return None


def story_second_eyes_check(*, story, user) -> None:
    if refusal := story_second_eyes_refusal(story=story, user=user):
        raise PermissionDenied(refusal)


def story_second_eyes_notice(*, story, user) -> str | None:
    """What an approver reads on a story in review that they may not approve (the Approve action is not offered)."""
    state = story.current_workflow_state
    if state is None or state.status != state.STATUS_IN_PROGRESS or not story_approver(user, story):
        return None
    return story_second_eyes_refusal(story=story, user=user)


def publish_reviewed_workflow_state(workflow_state, user=None) -> None:
    """WAGTAIL_FINISH_WORKFLOW_ACTION: publish what the review approved, if its approver wrote none of it."""
    revision = latest_revision(workflow_state.content_object)
    with review_passed():
        revision.publish(user=user, skip_permission_checks=True)


def story_approver(user, story) -> bool:
    """Whoever holds Wagtail's publish permission on the story's part of the tree: the approvers."""
    from wagtail.models import PagePermissionTester

    return user.is_active and (user.is_superuser or "publish" in PagePermissionTester(user, story).permissions)
