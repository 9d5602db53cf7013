"""Listening in the Wagtail admin: the inbox, the escalation banner, counterparts, watch-terms and settings."""

from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from embassies.models import Embassy
from embassies.permissions import EmbassyScopedPolicy
from embassies.wagtail_hooks import ScopedViewSet

from . import views
from .inbox import ANSWER, conversations_for
from .models import Counterpart, EmbassyListening, Event, WatchTerm
from .selectors import overdue


@hooks.register("register_admin_urls")
def register_listening_urls():
    return [
        path("listening/", views.inbox_index, name="listening_inbox"),
        path("listening/<int:pk>/", views.conversation_detail, name="listening_conversation"),
        path("listening/<int:pk>/state/", views.conversation_state, name="listening_state"),
        path("listening/<int:pk>/assign/", views.conversation_assign, name="listening_assign"),
        path("listening/<int:pk>/note/", views.conversation_note, name="listening_note"),
        path("listening/<int:pk>/hide/", views.comment_hide, name="listening_hide"),
        path("listening/<int:pk>/reply/", views.reply_draft, name="listening_reply"),
        path("listening/<int:pk>/reply/<int:reply_pk>/approve/", views.reply_approve, name="listening_reply_approve"),
        path("listening/<int:pk>/outcome/", views.outcome_record, name="listening_outcome"),
        path("listening/<int:pk>/hold/", views.story_hold, name="listening_story_hold"),
    ]


class InboxMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(ANSWER)


@hooks.register("register_admin_menu_item")
def register_inbox_menu_item():
    return InboxMenuItem(_("Conversations"), reverse("listening_inbox"), icon_name="comment", order=260)


@hooks.register("register_log_actions")
def register_conversation_log_actions(actions):
    for kind, label in Event.Kind.choices:
        actions.register_action(f"chancery.conversation.{kind}", label, label)


class EscalationPanel(Component):
    """On the dashboard of whoever works the inbox: escalated conversations not yet done, and overdue ones."""

    name = "listening_escalations"
    order = 40

    def __init__(self, user):
        self.user = user

    def render_html(self, parent_context=None):
        conversations = conversations_for(self.user)
        escalated = list(
            conversations.filter(escalated_at__isnull=False)
            .exclude(state="done")
            .select_related("embassy", "post__distribution__story")[:10]
        )
        late = overdue(conversations).count()
        if not escalated and not late:
            return ""
        items = format_html(
            "".join(
                format_html(
                    '<li><a href="{}">{} · {}</a></li>',
                    reverse("listening_conversation", args=[c.pk]),
                    c.embassy,
                    c.post.distribution.story.title,
                )
                for c in escalated
            )
        )
        return format_html(
            '<section class="help-block help-warning listening-banner" role="status" aria-labelledby="esc-title">'
            '<h2 id="esc-title">{}</h2><ul>{}</ul><p><a href="{}">{}</a></p></section>',
            _("#NoHarm: conversations that may escalate") if escalated else _("Conversations past their targets"),
            items,
            reverse("listening_inbox") + "?state=escalated",
            _("%(n)s conversations are past their response-time targets.") % {"n": late},
        )


@hooks.register("construct_homepage_panels")
def add_escalation_panel(request, panels):
    if request.user.has_perm(ANSWER):
        panels.append(EscalationPanel(request.user))


class CounterpartViewSet(ScopedViewSet):
    model = Counterpart
    icon = "user"
    menu_label = _("Counterparts")
    add_to_admin_menu = False
    url_prefix = "listening/counterparts"
    name = "listening_counterpart"
    list_display = ["name", "role", "kind", "embassy", "x_handle", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "role", "x_handle"]
    form_fields = ["embassy", "name", "role", "kind", "facebook_id", "x_handle", "phone", "contact_name"]
    create_view_enabled = True

    @property
    def permission_policy(self):
        return EmbassyScopedPolicy(self.model, staff_actions=("view", "add", "change", "delete"))

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)

        class EmbassyScopedForm(form_class):
            def __init__(self, *args, for_user=None, **kwargs):
                super().__init__(*args, for_user=for_user, **kwargs)
                if for_user is not None:
                    self.fields["embassy"].queryset = Embassy.objects.for_user(for_user)

        return EmbassyScopedForm


class EmbassyListeningViewSet(CounterpartViewSet):
    model = EmbassyListening
    icon = "time"
    menu_label = _("Listening settings")
    url_prefix = "listening/settings"
    name = "listening_settings"
    list_display = ["embassy", "first_look", "first_reply", "reply_approver", "duty_phone"]
    list_filter = []
    search_fields = []
    form_fields = [
        "embassy",
        "first_look",
        "first_reply",
        "office_opens",
        "office_closes",
        "office_days",
        "reply_approver",
        "duty_phone",
    ]


class WatchTermViewSet(ModelViewSet):
    model = WatchTerm
    icon = "search"
    menu_label = _("Watch-terms")
    add_to_admin_menu = False
    url_prefix = "listening/watch-terms"
    name = "listening_watchterm"
    list_display = ["term", "language"]
    form_fields = ["term", "language"]


@hooks.register("register_admin_viewset")
def register_listening_viewsets():
    return [CounterpartViewSet(), EmbassyListeningViewSet(), WatchTermViewSet()]


class PermittedMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_settings_menu_item")
def register_watch_terms_menu_item():
    return PermittedMenuItem(
        _("Watch-terms"),
        reverse("listening_watchterm:index"),
        icon_name="search",
        order=900,
        permission="listening.change_watchterm",
    )


@hooks.register("register_settings_menu_item")
def register_counterparts_menu_item():
    return PermittedMenuItem(
        _("Counterparts"), reverse("listening_counterpart:index"), icon_name="user", order=901, permission=ANSWER
    )


@hooks.register("register_settings_menu_item")
def register_listening_settings_menu_item():
    return PermittedMenuItem(
        _("Listening settings"), reverse("listening_settings:index"), icon_name="time", order=902, permission=ANSWER
    )
