"""Second eyes: a story goes live only when someone other than its submitter approves it, or by force-publish.

Wagtail imports the finish action below while it defines its own models: this module imports them lazily."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .validators import reason_clean

FORCE_PUBLISH = "portal.force_publish"
REASON_MAX = 1000

_review_passed: ContextVar[bool] = ContextVar("review_passed", default=False)


@contextmanager
def review_passed() -> Iterator[None]:
    """Publishing inside this block follows a finished review or a force-publish."""
    token = _review_passed.set(True)
    try:
        yield
    finally:
        _review_passed.reset(token)


def story_publication_check(*, revision, user) -> None:
    """Refuse a story's publication that no review (and no force-publish) stands behind. The system may still
    publish on its own (user None): a revision scheduled when it was approved, or one that no person wrote."""
    if _review_passed.get():
        return
    if user is None and (revision.approved_go_live_at is not None or revision.user_id is None):
        return
    raise PermissionDenied(_("A story goes live only after Ministry review, or by force-publish with a reason."))


def latest_revision(obj):
    """The newest revision of `obj`, read from the database (an object in hand may predate it)."""
    from wagtail.models import Revision

    return Revision.objects.for_instance(obj).order_by("-created_at", "-pk").first()


# What a reader sees of a story: an approver who changes any of it during review has written part of it.
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
    "seo_title",
    "search_description",
)


def _without_ids(value):
    """Stream data without its block ids, which a form may mint anew for unchanged blocks."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key != "id"}
    return value


def story_edited_in_review_by(workflow_state, user) -> bool:
    """Whether `user` changed what readers see of the story after it was submitted for review (saving the form
    unchanged, as approving from the edit page does, is no change)."""
    latest = latest_revision(workflow_state.content_object)
    task_state = workflow_state.current_task_state
    submitted = task_state.revision if task_state else None
    if latest is None or submitted is None or latest.pk == submitted.pk:
        return False
    authors = set(
        type(latest)
        .objects.filter(
            object_id=latest.object_id, base_content_type_id=latest.base_content_type_id, pk__gt=submitted.pk
        )
        .values_list("user_id", flat=True)
    )
    if user.pk not in authors:
        return False
    return any(
        _without_ids(latest.content.get(field)) != _without_ids(submitted.content.get(field))
        for field in EDITORIAL_FIELDS
    )


def publish_reviewed_workflow_state(workflow_state, user=None) -> None:
    """WAGTAIL_FINISH_WORKFLOW_ACTION: publish what the review approved. The approver may not be the submitter,
    nor the author of the revision that goes live (an approver who edits during review is a second author)."""
    revision = latest_revision(workflow_state.content_object)
    if user is not None and (
        user.pk == workflow_state.requested_by_id or story_edited_in_review_by(workflow_state, user)
    ):
        raise PermissionDenied(_("A story you submitted or changed in review must be approved by someone else."))
    with review_passed():
        revision.publish(user=user, skip_permission_checks=True)


def story_force_publish(*, story, user, reason: str):
    """Publish the story's latest revision without review; it stays flagged until another approver approves it."""
    from wagtail.log_actions import log

    from .models import ForcedPublication

    if not user.has_perm(FORCE_PUBLISH):
        raise PermissionDenied(_("Publishing without review needs the force-publish permission."))
    reason = reason_clean(reason, limit=REASON_MAX, missing=_("Say why this story cannot wait for review."))
    revision = story.get_latest_revision()
    with transaction.atomic(), review_passed():
        forced = ForcedPublication.objects.create(story=story, revision=revision, forced_by=user, reason=reason)
        revision.publish(user=user, skip_permission_checks=True)
        log(story, "chancery.story.force_published", user=user, data={"reason": reason})
    return forced


def story_force_publish_approve(*, forced, user):
    """A second approver's approval, after the fact, of a force-published story: the flag goes."""
    from wagtail.log_actions import log

    if forced.approved_at is not None:
        raise ValidationError(_("This publication was already approved."))
    if forced.forced_by_id == user.pk:
        raise PermissionDenied(_("Someone other than the person who force-published it must approve it."))
    if not story_approver(user, forced.story):
        raise PermissionDenied(_("Only an approver may approve a published story."))
    type(forced).objects.filter(pk=forced.pk, approved_at__isnull=True).update(
        approved_by=user, approved_at=timezone.now()
    )
    forced.refresh_from_db()
    log(forced.story, "chancery.story.approved_afterwards", user=user)
    return forced


def story_approver(user, story) -> bool:
    """Whoever holds Wagtail's publish permission on the story's part of the tree: the approvers."""
    from wagtail.models import PagePermissionTester

    return user.is_active and (user.is_superuser or "publish" in PagePermissionTester(user, story).permissions)


def story_unreviewed(story):
    """The force-publication of `story` (in any language) still waiting for a second approver, if any."""
    from .models import ForcedPublication

    return (
        ForcedPublication.objects.filter(story__translation_key=story.translation_key, approved_at__isnull=True)
        .select_related("forced_by")
        .first()
    )
