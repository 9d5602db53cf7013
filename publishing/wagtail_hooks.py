"""The publisher in the Wagtail admin: audit log actions for every post state."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from .models import Post


@hooks.register("register_log_actions")
def register_post_log_actions(actions):
    for state, label in Post.State.choices:
        actions.register_action(f"chancery.post.{state}", label, _("Post is now: %(state)s") % {"state": label})
    actions.register_action("chancery.post.recall_failed", _("Recall failed"), _("Deleting the post failed"))


@hooks.register("register_admin_urls")
def register_publishing_urls():
    from django.urls import path

    from . import views
    from .reach import views as reach

    return [
        path("publishing/queue/", views.review_queue, name="publishing_review_queue"),
        path("publishing/posts/<int:post_id>/approve/", views.post_approve, name="publishing_post_approve"),
        path("publishing/posts/<int:post_id>/skip/", views.post_skip, name="publishing_post_skip"),
        path("publishing/posts/approve/", views.posts_bulk_approve, name="publishing_bulk_approve"),
        path("publishing/length/", views.text_length, name="publishing_text_length"),
        path("publishing/story-preview/", views.story_preview, name="publishing_story_preview"),
        path("publishing/distributions/", views.distribution_list, name="publishing_distributions"),
        path(
            "publishing/distributions/<int:distribution_id>/", views.distribution_detail, name="publishing_distribution"
        ),
        path(
            "publishing/distributions/<int:distribution_id>/progress/",
            views.distribution_progress,
            name="publishing_distribution_progress",
        ),
        path("publishing/distributions/<int:distribution_id>/recall/", views.story_recall, name="publishing_recall"),
        path("publishing/holds/", views.holds, name="publishing_holds"),
        path("publishing/holds/<int:hold_id>/release/", views.hold_release, name="publishing_hold_release"),
        path("reach/", reach.dashboard, name="reach_dashboard"),
        path("reach/stories/", reach.stories, name="reach_stories"),
        path("reach/stories/<int:story_id>/", reach.story, name="reach_story"),
        path("reach/embassies/", reach.embassies, name="reach_embassies"),
        path("reach/embassies/<int:embassy_id>/", reach.embassy, name="reach_embassy"),
        path("reach/retired/<int:metric_id>/forget/", reach.retired_metric_forget, name="reach_retired_forget"),
    ]


class PublishingMenuItem(MenuItem):
    def __init__(self, *args, shown_to, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown_to = shown_to

    def is_shown(self, request):
        return self.shown_to(request.user)


@hooks.register("register_admin_menu_item")
def register_review_queue_menu_item():
    from embassies.models import EVERY_EMBASSY
    from embassies.permissions import embassy_ids_of

    return PublishingMenuItem(
        _("Review queue"),
        reverse("publishing_review_queue"),
        icon_name="tasks",
        order=240,
        shown_to=lambda user: user.has_perm(EVERY_EMBASSY) or bool(embassy_ids_of(user)),
    )


@hooks.register("register_admin_menu_item")
def register_distributions_menu_item():
    from .views import can_see_distributions

    return PublishingMenuItem(
        _("Distributions"),
        reverse("publishing_distributions"),
        icon_name="upload",
        order=241,
        shown_to=can_see_distributions,
    )


@hooks.register("register_admin_menu_item")
def register_holds_menu_item():
    from .views import can_hold

    return PublishingMenuItem(
        _("Holds"), reverse("publishing_holds"), icon_name="warning", order=242, shown_to=can_hold
    )


@hooks.register("register_admin_menu_item")
def register_reach_menu_item():
    from .reach.views import can_read_reach

    return PublishingMenuItem(
        _("Reach"), reverse("reach_dashboard"), icon_name="view", order=243, shown_to=can_read_reach
    )


class RetiredMetricsPanel(Component):
    """Operators are told when a network refused a metric name: the figure is unavailable until the names are
    updated."""

    name = "retired_metrics"
    order = 90
    template_name = "publishing/reach/retired_panel.html"

    def __init__(self, retired, *, can_forget: bool):
        self.retired = retired
        self.can_forget = can_forget

    def get_context_data(self, parent_context=None):
        return {
            "retired": self.retired,
            "can_forget": self.can_forget,
            "csrf_token": (parent_context or {}).get("csrf_token"),
        }


@hooks.register("construct_homepage_panels")
def add_retired_metrics_panel(request, panels):
    from .models import RetiredMetric

    if request.user.has_perm("publishing.view_retiredmetric") and (retired := list(RetiredMetric.objects.all())):
        panels.append(RetiredMetricsPanel(retired, can_forget=request.user.has_perm("publishing.delete_retiredmetric")))


class XSpendPanel(Component):
    """The month's X bill on the dashboard, against the budget, for those who read reach or hold posting."""

    name = "x_spend"
    order = 150
    template_name = "publishing/x_spend_panel.html"

    def get_context_data(self, parent_context=None):
        from .xbill import x_budget, x_month_spend

        return {"spent": x_month_spend(), "budget": x_budget()}


@hooks.register("construct_homepage_panels")
def add_x_spend_panel(request, panels):
    if request.user.has_perm("publishing.read_reach") or request.user.has_perm("publishing.set_hold"):
        panels.append(XSpendPanel())
