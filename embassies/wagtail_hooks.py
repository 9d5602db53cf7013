"""Embassies in the Wagtail admin: scoped viewsets, connect flows, account health, audit log actions."""

from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import views
from .models import EVERY_EMBASSY, Embassy, SocialAccount
from .permissions import EmbassyScopedPolicy, embassy_ids_of

MINISTRY = "embassies.change_embassy"  # ministry users hold it; embassy staff change their embassy by membership


class AccountsLinkColumn(Column):
    def get_value(self, instance):
        return format_html('<a href="{}">{}</a>', reverse("embassies_accounts", args=(instance.pk,)), _("Accounts"))


class ScopedViewSet(ModelViewSet):
    index_view_class = views.ScopedIndexView
    edit_view_class = views.ScopedEditView
    delete_view_class = views.ScopedDeleteView
    inspect_view_class = views.ScopedInspectView
    history_view_class = views.ScopedHistoryView
    usage_view_class = views.ScopedUsageView
    copy_view_class = views.ScopedCopyView
    inspect_view_enabled = True
    copy_view_enabled = False


class EmbassyViewSet(ScopedViewSet):
    model = Embassy
    icon = "site"
    menu_label = _("Embassies")
    add_to_admin_menu = False
    url_prefix = "embassies/embassy"
    name = "embassies_embassy"
    list_display = [
        "name",
        "city",
        "country",
        "region",
        "time_zone",
        "active",
        "auto_approve",
        AccountsLinkColumn("accounts"),
    ]
    list_filter = ["region", "active", "auto_approve"]
    search_fields = ["name", "city", "slug"]
    list_export = ["name", "slug", "country", "city", "region", "time_zone", "posting_languages", "hashtags", "active"]
    inspect_view_fields = [
        "name",
        "names",
        "slug",
        "country",
        "city",
        "region",
        "time_zone",
        "posting_languages",
        "hashtags",
    ]
    # Embassy staff keep their own embassy's local knowledge up to date; what the ministry decides — who the
    # embassy is, its region (which regional holds and targeting follow), whether it posts and whether its
    # posts skip review — is left out of their form.
    panels = [
        MultiFieldPanel(
            [FieldPanel("name", permission=MINISTRY), FieldPanel("names"), FieldPanel("slug", permission=MINISTRY)],
            heading=_("Name"),
        ),
        FieldRowPanel(
            [
                FieldPanel("country", permission=MINISTRY),
                FieldPanel("city", permission=MINISTRY),
                FieldPanel("region", permission=MINISTRY),
            ]
        ),
        FieldRowPanel([FieldPanel("time_zone"), FieldPanel("posting_languages")]),
        FieldPanel("hashtags"),
        FieldPanel("opted_out_topics"),
        FieldRowPanel(
            [
                FieldPanel("active", permission=MINISTRY),
                FieldPanel("auto_approve", permission=MINISTRY),
                FieldPanel("auto_approve_delay", permission=MINISTRY),
            ]
        ),
    ]

    @property
    def permission_policy(self):
        return EmbassyScopedPolicy(Embassy)


class SocialAccountViewSet(ScopedViewSet):
    model = SocialAccount
    icon = "link"
    menu_label = _("Social accounts")
    url_prefix = "embassies/account"
    name = "embassies_account"
    list_display = ["embassy", "network", "display_name", "handle", "status", "token_expires_at", "checked_at"]
    list_filter = ["network", "status"]
    search_fields = ["display_name", "handle", "external_id"]
    list_export = ["embassy", "network", "external_id", "handle", "display_name", "status", "token_expires_at"]
    inspect_view_fields = [
        "embassy",
        "network",
        "external_id",
        "handle",
        "display_name",
        "status",
        "last_error",
        "token_expires_at",
        "connected_at",
        "checked_at",
    ]
    panels = [FieldPanel(name) for name in ("embassy", "network", "external_id", "handle", "display_name", "status")]

    @property
    def permission_policy(self):
        # Staff connect and reconnect their accounts through the connect flow, which checks what the network
        # says; editing an account's page id or status by hand is for the ministry.
        return EmbassyScopedPolicy(SocialAccount, staff_actions={"view"})


class EmbassiesGroup(ViewSetGroup):
    menu_label = _("Embassies")
    menu_icon = "site"
    menu_order = 250
    items = (EmbassyViewSet, SocialAccountViewSet)


@hooks.register("register_admin_viewset")
def register_embassies():
    return EmbassiesGroup()


@hooks.register("register_admin_urls")
def register_connect_urls():
    return [
        path("embassies/<int:embassy_id>/accounts/", views.embassy_accounts, name="embassies_accounts"),
        path("embassies/<int:embassy_id>/connect/<str:network>/", views.connect_start, name="embassies_connect_start"),
        path("embassies/connect/<str:network>/callback/", views.connect_callback, name="embassies_connect_callback"),
        path(
            "embassies/<int:embassy_id>/connect/facebook/page/",
            views.connect_choose_page,
            name="embassies_connect_choose_page",
        ),
        path("embassies/account-health/", views.account_health, name="embassies_account_health"),
    ]


class AccountHealthMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return user.has_perm(EVERY_EMBASSY) or bool(embassy_ids_of(user))


@hooks.register("register_admin_menu_item")
def register_account_health_menu_item():
    return AccountHealthMenuItem(
        _("Account health"), reverse("embassies_account_health"), icon_name="warning", order=260
    )


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    actions.register_action("chancery.account_connected", _("Connect account"), _("Account connected"))
    actions.register_action(
        "chancery.account_needs_reconnect", _("Account needs reconnecting"), _("Account needs reconnecting")
    )
