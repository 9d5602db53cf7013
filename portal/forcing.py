"""Force-publish: a story published without review, with a reason, flagged until an approver who neither forced it
nor wrote any of it approves it afterwards."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from . import review
from .models import ForcedPublication
from .validators import reason_clean


def story_force_publish(*, story, user, reason: str):
    """Publish the story's latest revision without review; it stays flagged until another approver approves it."""
    if not user.has_perm(review.FORCE_PUBLISH):
        raise PermissionDenied(_("Publishing without review needs the force-publish permission."))
    reason = reason_clean(reason, limit=review.REASON_MAX, missing=_("Say why this story cannot wait for review."))
    revision = story.get_latest_revision()
    with transaction.atomic(), review.force_passed():
        writers = sorted(review.story_writers(story))
        forced = ForcedPublication.objects.create(
            story=story, revision=revision, forced_by=user, reason=reason, writer_ids=writers
        )
        revision.publish(user=user, skip_permission_checks=True)
        log(story, "chancery.story.force_published", user=user, data={"reason": reason})
    return forced


def forced_publication_approval_refusal(*, forced, user) -> str | None:
    """Why `user` may not approve a force-publication afterwards, or None: the second eyes' rule, after the fact."""
    if user.pk == forced.forced_by_id or user.pk in forced.writer_ids:
        return _("Someone who neither force-published it nor wrote any of it must approve it.")
    if not review.story_approver(user, forced.story):
        return _("Only an approver may approve a published story.")
    return None


def story_force_publish_approve(*, forced, user):
    """A second approver's approval, after the fact, of a force-published story: the flag goes."""
    if forced.approved_at is not None:
        raise ValidationError(_("This publication was already approved."))
    if refusal := forced_publication_approval_refusal(forced=forced, user=user):
        raise PermissionDenied(refusal)
    type(forced).objects.filter(pk=forced.pk, approved_at__isnull=True).update(
        approved_by=user, approved_at=timezone.now()
    )
    forced.refresh_from_db()
    log(forced.story, "chancery.story.approved_afterwards", user=user)
    return forced


def story_unreviewed(story):
    """The force-publication of `story` (in any language) still waiting for a second approver, if any."""
    return (
        ForcedPublication.objects.filter(story__translation_key=story.translation_key, approved_at__isnull=True)
        .select_related("forced_by")
        .first()
    )
