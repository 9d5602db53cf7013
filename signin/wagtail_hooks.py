"""Sign-in in the admin: the second factor's pages, and the account menu's link to them."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_signin_urls():
    return [
        path("signin/second-factor/", views.verify, name="signin_verify"),
        path("signin/second-factor/enrol/", views.enrol, name="signin_enrol"),
        path("signin/second-factor/recovery-codes/", views.recovery_codes, name="signin_recovery_codes"),
        path("signin/second-factor/manage/", views.manage, name="signin_manage"),
    ]


@hooks.register("register_account_menu_item")
def second_factor_account_item(request):
    return {
        "url": reverse("signin_manage"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Move to a new phone, or get new recovery codes."),
    }
