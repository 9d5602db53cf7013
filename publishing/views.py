"""Admin views of the publisher: the embassy review queue, distributions with live progress, holds, recall."""

from datetime import UTC
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from embassies.models import Embassy, Region
from portal.admin_views import unreviewed_message
from portal.forcing import story_unreviewed
from portal.models import StoryPage
from portal.validators import ObjectChoiceField

from . import approval, planning
from . import holds as hold_services
from . import recall as recalls
from .channels.textlength import weighted_length
from .localize import FACEBOOK_LIMIT, X_LIMIT, compose
from .models import Distribution, Hold, Post, Recall
from .schedule import due_default, local_to_utc
from .sensitivity import approvable_by
from .text import post_text_problems

State = Post.State
REVIEW = "publishing.review_post"
RECALL = "publishing.recall_post"
SET_HOLD = "publishing.set_hold"
RELEASE_HOLD = "publishing.release_hold"
SEE_DISTRIBUTIONS = "publishing.view_distribution"


def can_see_distributions(user) -> bool:
    return user.has_perm(SEE_DISTRIBUTIONS)


def can_hold(user) -> bool:
    return user.has_perm(SET_HOLD) or user.has_perm(RELEASE_HOLD)


def posts_for(user):
    """The posts a user may see: every post for ministry users, their embassies' for embassy staff."""
    return Post.objects.filter(embassy__in=Embassy.objects.for_user(user))


ROW_ID_MAX = 2**63 - 1  # the largest id a database row can have


def _row_id(value: str) -> int | None:
    """A row id from a request, or None for anything that cannot be one."""
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= ROW_ID_MAX else None


def posts_reviewable_by(user):
    """The posts a user may adapt, schedule, approve or skip: those they see, given the right to review."""
    return posts_for(user) if user.has_perm(REVIEW) else Post.objects.none()


def review_queue(request):
    posts = posts_for(request.user).select_related("embassy", "account", "distribution__story")
    embassy_id = request.GET.get("embassy")
    if embassy_id:
        if (embassy := _row_id(embassy_id)) is None:
            return HttpResponseBadRequest(_("“%(value)s” is not an embassy.") % {"value": embassy_id[:50]})
        posts = posts.filter(embassy_id=embassy)
    proposed = list(posts.filter(state=State.PROPOSED).order_by("embassy__name", "network")[:200])
    upcoming = list(
        posts.filter(state__in=[State.SCHEDULED, State.QUEUED, State.HELD, State.SENDING, State.UNCONFIRMED]).order_by(
            "due_at"
        )[:200]
    )
    recent = list(posts.filter(state__in=[State.PUBLISHED, State.FAILED]).order_by("-updated_at")[:50])
    # Wall-clock times in the embassy's zone, without a zone: the template's date filter would turn an aware time
    # back into UTC.
    for post in upcoming:
        post.local_due = timezone.localtime(post.due_at or timezone.now(), post.embassy.zone).replace(tzinfo=None)
    approvable = set(
        Post.objects.filter(approvable_by(request.user), pk__in=[p.pk for p in proposed]).values_list("pk", flat=True)
    )
    for post in proposed:
        post.local_due = due_default(post.embassy).replace(tzinfo=None)
        post.approvable = post.pk in approvable
    for post in proposed + upcoming:
        post.limit = X_LIMIT if post.network == "x" else FACEBOOK_LIMIT
        post.length = weighted_length(post.text) if post.network == "x" else len(post.text)
        post.problems = post_text_problems(network=post.network, text=post.text, link=post.link)
    return TemplateResponse(
        request,
        "publishing/review_queue.html",
        {
            "holds": holds_covering_embassies(Embassy.objects.for_user(request.user)),
            "proposed": proposed,
            "upcoming": upcoming,
            "recent": recent,
            "header_title": _("Review queue"),
            "embassies": Embassy.objects.for_user(request.user).order_by("name"),
            "embassy_id": embassy_id,
            "can_review": request.user.has_perm(REVIEW),
        },
    )


@require_POST
def post_approve(request, post_id: int):
    post = get_object_or_404(posts_reviewable_by(request.user).select_related("embassy"), pk=post_id)
    if request.POST.get("adapt"):
        try:
            approval.post_adapt(post=post, user=request.user, text=request.POST.get("text", post.text))
        except ValidationError as problem:
            messages.error(request, " ".join(problem.messages))
        else:
            messages.success(request, _("Saved. The post waits for approval."))
        return redirect(reverse("publishing_review_queue"))
    try:
        due = None  # "now"
        if request.POST.get("due_local") and not request.POST.get("now"):
            fold = {"0": 0, "1": 1}.get(request.POST.get("fold", ""))
            due = local_to_utc(request.POST["due_local"], post.embassy, fold=fold)
        approval.post_approve(post=post, user=request.user, due_at=due, text=request.POST.get("text", post.text))
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        when = timezone.localtime(post.due_at, post.embassy.zone)
        messages.success(
            request,
            _("Approved: goes out %(local)s %(zone)s (%(utc)s UTC).")
            % {
                "local": when.strftime("%Y-%m-%d %H:%M"),
                "zone": post.embassy.time_zone,
                "utc": post.due_at.astimezone(UTC).strftime("%H:%M"),
            },
        )
    return redirect(reverse("publishing_review_queue"))


@require_POST
def post_skip(request, post_id: int):
    post = get_object_or_404(posts_reviewable_by(request.user), pk=post_id)
    if approval.post_skip(post=post, user=request.user):
        messages.success(request, _("Skipped."))
    return redirect(reverse("publishing_review_queue"))


@require_POST
def posts_bulk_approve(request):
    values = request.POST.getlist("post")
    ids = [_row_id(value) for value in values]
    if None in ids:
        bad = values[ids.index(None)]
        return HttpResponseBadRequest(_("“%(value)s” is not a post: nothing was approved.") % {"value": bad[:50]})
    chosen = posts_reviewable_by(request.user).filter(pk__in=ids)
    local = request.POST.get("due_local", "") if not request.POST.get("now") else ""
    approved = 0
    # A local time is each embassy's own wall clock: 09:00 in Paris and 09:00 in Tokyo.
    for embassy in Embassy.objects.filter(pk__in=chosen.values("embassy_id")):
        try:
            due = local_to_utc(local, embassy) if local else None
        except ValidationError as problem:
            messages.error(request, f"{embassy}: {' '.join(problem.messages)}")
            continue
        approved += approval.posts_approve(posts=chosen.filter(embassy=embassy), user=request.user, due_at=due)
    if local:
        message = ngettext(
            "Approved %(count)s post for %(time)s local time.",
            "Approved %(count)s posts for %(time)s local time.",
            approved,
        )
    else:
        message = ngettext("Approved %(count)s post to go now.", "Approved %(count)s posts to go now.", approved)
    messages.success(request, message % {"count": approved, "time": local.replace("T", " ")})
    if waiting := chosen.filter(state=State.PROPOSED, sensitive=True).count():
        messages.warning(
            request,
            ngettext(
                "%(count)s sensitive post waits for its head of mission.",
                "%(count)s sensitive posts wait for their heads of mission.",
                waiting,
            )
            % {"count": waiting},
        )
    return redirect(reverse("publishing_review_queue"))


def holds_covering_embassies(embassies) -> list[Hold]:
    """The holds in force over any of `embassies`, for the banner on their queue."""
    regions = set(embassies.values_list("region", flat=True))
    return list(
        Hold.objects.active()
        .filter(
            Q(scope=Hold.Scope.ALL)
            | Q(scope=Hold.Scope.REGION, region__in=regions)
            | Q(scope=Hold.Scope.EMBASSY, embassy__in=embassies)
            | Q(scope=Hold.Scope.STORY)
        )
        .select_related("embassy", "story")
    )


def text_length(request):
    network = request.GET.get("network", "x")
    text = request.GET.get("text", "")
    length = weighted_length(text) if network == "x" else len(text)
    limit = X_LIMIT if network == "x" else FACEBOOK_LIMIT
    problems = post_text_problems(network=network, text=text, link=request.GET.get("link", ""))
    return JsonResponse({"length": length, "limit": limit, "fits": 0 < length <= limit, "problems": problems})


def story_preview(request):
    """The story's posts as an embassy posting in `language` will read them (before its own hashtags), composed by
    the publisher's own code, with X's count and what the editor should know."""
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    language = request.GET.get("language", "")
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    now = timezone.now()
    fields = {name: request.GET.get(name, "")[:2000] for name in ("title", "standfirst", "social_text", "hashtags")}
    story = SimpleNamespace(
        slug="story",
        first_published_at=now,
        latest_revision_created_at=now,
        hashtag_list=lambda: [f"#{tag.lstrip('#')}" for tag in fields["hashtags"].split() if tag.lstrip("#")],
        get_full_url=lambda request=None: f"{settings.WAGTAILADMIN_BASE_URL}/{language}/stories/story/",
        title=fields["title"] or _("Title"),
        standfirst=fields["standfirst"],
        social_text=fields["social_text"],
    )
    embassy = SimpleNamespace(slug="embassy", hashtags="")
    answer: dict = {"problems": []}
    message = (fields["social_text"] or fields["standfirst"]).strip()
    for network in ("x", "facebook"):
        composed = compose(story=story, language=language, network=network, embassy=embassy, marker="preview")
        length = weighted_length(composed.text) if network == "x" else len(composed.text)
        limit = X_LIMIT if network == "x" else FACEBOOK_LIMIT
        answer[network] = {"text": composed.text, "length": length, "limit": limit, "fits": length <= limit}
        if message and message not in composed.text:
            answer["problems"].append(
                _("On %(network)s the text is shortened to fit: write it shorter to keep all of it.")
                % {"network": "X" if network == "x" else "Facebook"}
            )
    if not message:
        answer["problems"].append(_("Write a social text or a standfirst: it is what the posts say."))
    return JsonResponse(answer)


# Distributions ---------------------------------------------------------------------------------


def _ministry_only(request) -> None:
    if not can_see_distributions(request.user):
        raise PermissionDenied


def distribution_list(request):
    _ministry_only(request)
    distributions = Distribution.objects.select_related("story").order_by("-created_at")[:100]
    return TemplateResponse(
        request,
        "publishing/distribution_list.html",
        {"distributions": distributions, "header_title": _("Distributions")},
    )


def distribution_detail(request, distribution_id: int):
    _ministry_only(request)
    distribution = get_object_or_404(Distribution.objects.select_related("story"), pk=distribution_id)
    forced = story_unreviewed(distribution.story)
    return TemplateResponse(
        request,
        "publishing/distribution_detail.html",
        {
            "distribution": distribution,
            "header_title": distribution.story.title,
            "states": State.choices,
            "unreviewed": unreviewed_message(forced) if forced else "",
            "can_recall": request.user.has_perm(RECALL),
            "filters": PostFilterForm(request.GET),
        },
    )


POSTS_PER_PAGE = 50
SORTS = {"embassy": ("embassy__name", "network"), "due": ("due_at", "pk"), "state": ("state", "embassy__name")}


class PostFilterForm(forms.Form):
    """What the distribution page narrows its posts to, and how it orders them."""

    state = forms.ChoiceField(choices=[("", "—"), *State.choices], required=False)
    network = forms.ChoiceField(choices=[("", "—"), ("facebook", "Facebook"), ("x", "X")], required=False)
    region = forms.ChoiceField(choices=[("", "—"), *Region.choices], required=False)
    language = forms.ChoiceField(choices=[("", "—"), *settings.LANGUAGES], required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def apply(self, posts):
        data = self.cleaned_data
        for field, lookup in (("state", "state"), ("network", "network"), ("region", "embassy__region")):
            if data[field]:
                posts = posts.filter(**{lookup: data[field]})
        if data["language"]:
            posts = posts.filter(language=data["language"])
        return posts.order_by(*SORTS[data["sort"] or "embassy"])


def distribution_progress(request, distribution_id: int):
    _ministry_only(request)
    distribution = get_object_or_404(Distribution, pk=distribution_id)
    filters = PostFilterForm(request.GET)
    if not filters.is_valid():
        return JsonResponse({"errors": filters.errors}, status=400)
    page = Paginator(filters.apply(distribution.posts.select_related("embassy")), POSTS_PER_PAGE).get_page(
        filters.cleaned_data["page"] or 1
    )
    rows = [
        {
            "embassy__name": post.embassy.name,
            "network": post.network,
            "state": post.state,
            "language": post.language,
            "fallback": post.fallback,
            "sensitive": post.sensitive,
            "external_url": post.external_url,
            "reason": post.reason,
            "text": post.text,
            "due_local": (
                f"{timezone.localtime(post.due_at, post.embassy.zone):%Y-%m-%d %H:%M} {post.embassy.time_zone}"
                if post.due_at
                else ""
            ),
        }
        for post in page
    ]
    recall_rows = [
        {
            "requested_at": recall.requested_at.strftime("%Y-%m-%d %H:%M:%S"),
            "by": recall.requested_by.get_username() if recall.requested_by else "",
            "reason": recall.reason,
            "total": recall.total,
            "deleted": recall.deleted,
            "failed": recall.failed,
            "withdrawn": recall.withdrawn,
            "finished": recall.finished_at is not None,
        }
        for recall in Recall.objects.filter(story=distribution.story).select_related("requested_by")[:10]
    ]
    return JsonResponse(
        {
            "counts": planning.distribution_progress(distribution),
            "posts": rows,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "matching": page.paginator.count,
            "recalls": recall_rows,
        }
    )


@require_POST
def story_recall(request, distribution_id: int):
    if not request.user.has_perm(RECALL):
        raise PermissionDenied
    distribution = get_object_or_404(Distribution.objects.select_related("story"), pk=distribution_id)
    try:
        recall = recalls.story_recall_start(
            story=distribution.story,
            user=request.user,
            reason=request.POST.get("reason", ""),
            confirm=request.POST.get("confirm") == "yes",
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(
            request,
            _("Recall under way: %(total)s published posts are being deleted; %(withdrawn)s waiting posts withdrawn.")
            % {"total": recall.total, "withdrawn": recall.withdrawn},
        )
    return redirect(reverse("publishing_distribution", args=(distribution_id,)))


# Holds ------------------------------------------------------------------------------------------


class HoldForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("What to hold"), choices=Hold.Scope.choices)
    region = forms.ChoiceField(label=gettext_lazy("Region"), choices=[("", "—"), *Region.choices], required=False)
    embassy = ObjectChoiceField(
        label=gettext_lazy("Embassy"), queryset=Embassy.objects.order_by("name"), required=False
    )
    story = ObjectChoiceField(
        label=gettext_lazy("Story"),
        queryset=StoryPage.objects.live().filter(distributions__isnull=False).distinct(),
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required)"),
        max_length=hold_services.HOLD_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def target(self) -> dict:
        """Only the chosen scope's target: a region left selected under another scope holds nothing."""
        scope = self.cleaned_data["scope"]
        return {
            "region": self.cleaned_data["region"] if scope == Hold.Scope.REGION else "",
            "embassy": self.cleaned_data["embassy"] if scope == Hold.Scope.EMBASSY else None,
            "story": self.cleaned_data["story"] if scope == Hold.Scope.STORY else None,
        }


def holds(request):
    if not can_hold(request.user):
        raise PermissionDenied
    form = HoldForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm(SET_HOLD):
            raise PermissionDenied
        if form.is_valid():
            try:
                hold_services.hold_set(
                    scope=form.cleaned_data["scope"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                    **form.target(),
                )
            except ValidationError as problem:
                form.add_error(None, _refusal(problem))
            else:
                messages.success(request, _("Hold in force. Matching posts will not leave until it is released."))
                return redirect(reverse("publishing_holds"))
        status = 400  # the form comes back with what was typed and what to fix
    active = list(Hold.objects.active().select_related("embassy", "story", "set_by"))
    for hold in active:
        hold.holding = Post.objects.filter(hold.posts_covered(), state=State.HELD, held_for="hold").count()
    return TemplateResponse(
        request,
        "publishing/holds.html",
        {
            "form": form,
            "active": active,
            "released": Hold.objects.filter(released_at__isnull=False).select_related(
                "embassy", "story", "set_by", "released_by"
            )[:50],
            "held_count": Post.objects.filter(state=State.HELD, held_for="hold").count(),
            "can_set": request.user.has_perm(SET_HOLD),
            "can_release": request.user.has_perm(RELEASE_HOLD),
            "header_title": _("Holds (#NoHarm)"),
        },
        status=status,
    )


def _refusal(problem: ValidationError):
    """The service's refusal for the form; an equal hold in force is linked to."""
    if getattr(problem, "code", None) == "duplicate":
        existing = problem.params["hold"]
        return format_html(
            '{} <a href="#hold-{}">{}</a>', " ".join(problem.messages), existing.pk, _("See the hold in force.")
        )
    return problem


@require_POST
def hold_release(request, hold_id: int):
    if not request.user.has_perm(RELEASE_HOLD):
        raise PermissionDenied
    hold = get_object_or_404(Hold.objects.active(), pk=hold_id)
    if request.POST.get("confirm") != "yes":
        raise Http404
    released = hold_services.hold_release(hold=hold, user=request.user)
    messages.success(request, _("Hold released; %(count)s posts are back on schedule.") % {"count": released})
    return redirect(reverse("publishing_holds"))
