"""Second eyes in the admin: stories go live through Ministry review; force-publish is visible until approved."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.widgets import Button

from . import admin_views as views
from . import forcing, review, secrecy
from .models import StoryPage


@hooks.register("before_publish_page")
def keep_new_stories_for_review(request, page):
    """The add page's Publish (its parent's permission decides whether it shows): the story is kept as a draft."""
    if isinstance(page.specific, StoryPage):
        messages.warning(
            request,
            _("“%(title)s” is saved as a draft. Stories go live after Ministry review: submit it for review.")
            % {"title": page.title},
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


WORKFLOW_EXTRA_DATA_MAX = 10_000


def workflow_extra_data_valid(raw: str) -> bool:
    """What the editor's workflow action may carry beside the form: a small JSON object of plain values (a comment)."""
    if len(raw) > WORKFLOW_EXTRA_DATA_MAX:
        return False
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and all(
        isinstance(value, str | int | float | bool | None) for value in data.values()
    )


@hooks.register("before_edit_page")
def refuse_malformed_workflow_action_data(request, page):
    """Wagtail's edit view passes this JSON straight into the task's action: anything but a flat object is a 400."""
    acting = request.method == "POST" and request.POST.get("action-workflow-action")
    if acting and not workflow_extra_data_valid(request.POST.get("workflow-action-extra-data", "{}")):
        return HttpResponseBadRequest(_("The review action's details could not be read."))
    return None


def _holds_stories(page) -> bool:
    return isinstance(page.specific, StoryPage) or StoryPage.objects.descendant_of(page).exists()


@hooks.register("construct_page_chooser_queryset")
def hide_drafts_from_the_chooser(pages, request):
    """Someone with no rights on pages (embassy staff) may link to what is public, and learns nothing of drafts."""
    if secrecy.user_sees_drafts(request.user):
        return pages
    return pages.live().public()


@hooks.register("before_copy_page")
def keep_story_copies_for_review(request, page):
    """A copy or alias of a story that would be live at once skips review: copies are drafts."""
    ticked = forms.BooleanField(required=False).to_python
    publishing = request.method == "POST" and (
        ticked(request.POST.get("publish_copies")) or ticked(request.POST.get("alias"))
    )
    if publishing and _holds_stories(page):
        messages.error(request, _("Copies of stories start as drafts and go live after review; untick publish."))
        return redirect("wagtailadmin_pages:copy", page.pk)
    return None


@hooks.register("before_edit_page")
def flag_story_published_without_review(request, page):
    if request.method == "GET" and isinstance(page.specific, StoryPage) and (forced := forcing.story_unreviewed(page)):
        messages.warning(request, views.unreviewed_message(forced))
    return None


@hooks.register("before_edit_page")
def tell_an_approver_who_wrote_part_of_it(request, page):
    story = page.specific
    notice = request.method == "GET" and isinstance(story, StoryPage)
    if notice and (notice := review.story_second_eyes_notice(story=story, user=request.user)):
        messages.warning(request, notice)
    return None


@hooks.register("before_edit_page")
def tell_the_approver_what_publishing_will_do(request, page):
    """Before approving: the fan-out a first publication will plan, and what X will bill for it."""
    from publishing.models import Distribution
    from publishing.targets import story_source
    from publishing.xbill import distribution_estimate

    story = page.specific
    if request.method != "GET" or not isinstance(story, StoryPage) or not review.story_approver(request.user, story):
        return None
    if not Distribution.objects.filter(story=story_source(story)).exists():
        messages.info(request, distribution_estimate(story=story).summary())
    return None


@hooks.register("register_page_header_buttons")
def force_publish_buttons(page, user, view_name=None, next_url=None):
    if not isinstance(page.specific, StoryPage):
        return
    forced = forcing.story_unreviewed(page)
    if forced and not forcing.forced_publication_approval_refusal(forced=forced, user=user):
        yield Button(
            _("Approve publication"),
            reverse("portal_force_publish_approve", args=(forced.pk,)),
            icon_name="tick",
            priority=20,
        )
    from publishing.models import Distribution

    distribution = Distribution.objects.filter(story__translation_key=page.translation_key).order_by("-pk").first()
    if distribution and user.has_perm("publishing.view_distribution"):
        yield Button(
            _("Distribution"),
            reverse("publishing_distribution", args=(distribution.pk,)),
            icon_name="upload",
            priority=10,
        )
    if user.has_perm(review.FORCE_PUBLISH) and page.has_unpublished_changes:
        yield Button(
            _("Publish without review"),
            reverse("portal_force_publish", args=(page.pk,)),
            icon_name="warning",
            priority=90,
        )


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path("stories/<int:page_id>/force-publish/", views.story_force_publish, name="portal_force_publish"),
        path(
            "stories/forced/<int:forced_id>/approve/",
            views.story_force_publish_approve,
            name="portal_force_publish_approve",
        ),
        path("translations/<int:translation_id>/submit/", views.translation_submit, name="portal_translation_submit"),
    ]


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    actions.register_action(
        "chancery.story.force_published", gettext_lazy("Published without review"), gettext_lazy("Force-published")
    )
    actions.register_action(
        "chancery.story.approved_afterwards",
        gettext_lazy("Publication approved"),
        gettext_lazy("Approved after force-publish"),
    )


ROLE_PERMISSIONS = {
    "portal": ["force_publish", "mark_story_sensitive"],
    "embassies": ["view_every_embassy"],
    "publishing": ["review_post", "approve_sensitive_post", "recall_post", "set_hold", "release_hold", "read_reach"],
}


@hooks.register("register_permissions")
def register_role_permissions():
    """The roles' permissions, in the group editor where administrators grant them."""
    query = Permission.objects.none()
    for app_label, codenames in ROLE_PERMISSIONS.items():
        query |= Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    return query
