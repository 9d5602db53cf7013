"""Holds (#NoHarm): ministry-wide, per region, per embassy or per story, with a reason; a held post waits and
never fails, and releasing a hold is an explicit act."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from embassies.models import Embassy, Region
from portal.models import StoryPage
from portal.validators import reason_clean

from .audit import audit
from .models import Hold, Post
from .queueing import dispatch_soon

State = Post.State
HOLD_REASON_MAX = 500


def hold_covering() -> Exists:
    """True for a post that an active hold covers: the one statement of what each scope holds, used both for
    sets of posts (dispatch, holding, releasing) and for the single post a worker claims."""
    return Exists(
        Hold.objects.active().filter(
            Q(scope=Hold.Scope.ALL)
            | Q(scope=Hold.Scope.REGION, region=OuterRef("embassy__region"))
            | Q(scope=Hold.Scope.EMBASSY, embassy_id=OuterRef("embassy_id"))
            | Q(scope=Hold.Scope.STORY, story__translation_key=OuterRef("distribution__story__translation_key"))
        )
    )


def hold_set(
    *,
    scope: str,
    reason: str,
    user=None,
    region: str = "",
    embassy: Embassy | None = None,
    story: StoryPage | None = None,
) -> Hold:
    """Hold every post the scope covers from now on. A hold must name something that exists, and one equal to a
    hold already in force is refused (with that hold, for the caller to point at)."""
    reason = reason_clean(reason, limit=HOLD_REASON_MAX, missing=_("A hold needs a reason."))
    if scope not in Hold.Scope.values:
        raise ValidationError(_("Choose what to hold: everything, a region, an embassy or a story."))
    target = {
        Hold.Scope.ALL: {},
        Hold.Scope.REGION: {"region": region},
        Hold.Scope.EMBASSY: {"embassy": embassy},
        Hold.Scope.STORY: {"story": story},
    }[scope]
    if scope == Hold.Scope.REGION and region not in Region.values:
        raise ValidationError(
            _("Choose a region from the list: %(regions)s.") % {"regions": ", ".join(str(r.label) for r in Region)}
        )
    if any(value is None for value in target.values()):
        raise ValidationError(_("Choose what to hold: a region, an embassy or a story to go with the scope."))
    if scope == Hold.Scope.STORY:
        # A story is held in every language: a hold on any of its translations is the same hold.
        same = Hold.objects.active().filter(scope=scope, story__translation_key=story.translation_key)
    else:
        same = Hold.objects.active().filter(scope=scope, **target)
    if existing := same.first():
        raise ValidationError(
            _("An equal hold is already in force (set %(when)s UTC): release it or change it instead."),
            code="duplicate",
            params={"when": existing.set_at.strftime("%Y-%m-%d %H:%M"), "hold": existing},
        )
    hold = Hold.objects.create(scope=scope, reason=reason, set_by=user, **target)
    posts_hold_apply()
    return hold


def posts_hold_apply() -> int:
    """Hold every waiting post an active hold covers; a queued post is held here or, at the latest, at claim."""
    if not Hold.objects.active().exists():
        return 0
    with transaction.atomic():
        posts = list(
            Post.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(hold_covering(), state__in=[State.SCHEDULED, State.QUEUED])
            .only("pk")
        )
        Post.objects.filter(pk__in=[p.pk for p in posts]).update(
            state=State.HELD, held_for="hold", reason=_("Held: a crisis hold is in force."), updated_at=timezone.now()
        )
        audit(posts, "chancery.post.held")
    return len(posts)


def hold_release(*, hold: Hold, user=None) -> int:
    """Release a hold, noting how many posts it was holding; they go back to the schedule unless another hold
    still covers them."""
    with transaction.atomic():
        holding = Post.objects.filter(hold.posts_covered(), state=State.HELD, held_for="hold").count()
        if not Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=user, posts_held=holding
        ):
            return 0
        waiting = (
            Post.objects.select_for_update(of=("self",))
            .filter(state=State.HELD, held_for="hold")
            .exclude(hold_covering())
        )
        posts = list(waiting.only("pk"))
        Post.objects.filter(pk__in=[p.pk for p in posts]).update(
            state=State.SCHEDULED, held_for="", reason="", updated_at=timezone.now()
        )
        audit(posts, "chancery.post.scheduled", user=user, reason="hold released")
        if posts:
            dispatch_soon()
    return len(posts)
