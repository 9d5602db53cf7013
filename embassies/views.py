"""Admin views for embassies and accounts, scoped to the user's embassies, and the account connect flows."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage

from . import connect
from .models import Embassy, SocialAccount
from .services import ConnectError


class ScopedObjectMixin:
    """Any view that loads one object answers 404 unless the user may reach that object's embassy."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_any_permission_for_instance(
            self.request.user, ["view", "change", "delete"], obj
        ):
            raise Http404
        return obj


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return self.model.objects.for_user(self.request.user).filter(
            pk__in=self.permission_policy.instances_user_has_any_permission_for(self.request.user, ["view", "change"])
        )


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


# History and usage only read: whoever may view the object may read them (Wagtail asks for a right to change).
READERS = ["add", "change", "delete", "view"]


class ScopedHistoryView(ScopedObjectMixin, history.HistoryView):
    any_permission_required = READERS


class ScopedUsageView(ScopedObjectMixin, usage.UsageView):
    permission_required = None
    any_permission_required = READERS


class ScopedCopyView(ScopedObjectMixin, generic.CopyView):
    pass


# Connect flows --------------------------------------------------------------------------------


def _embassy_for(request, embassy_id: int) -> Embassy:
    """The embassy if the user may act for it (ministry users: any; staff: their own), else 404."""
    return get_object_or_404(Embassy.objects.for_user(request.user), pk=embassy_id)


def _callback_url(request, network: str) -> str:
    return request.build_absolute_uri(reverse("embassies_connect_callback", args=(network,)))


@require_http_methods(["POST"])
def connect_start(request, embassy_id: int, network: str):
    embassy = _embassy_for(request, embassy_id)
    if network not in SocialAccount.Network.values:
        raise Http404
    url = connect.connect_begin(
        session=request.session, embassy=embassy, network=network, redirect_uri=_callback_url(request, network)
    )
    return redirect(url)


def connect_callback(request, network: str):
    if network not in SocialAccount.Network.values:
        raise Http404
    try:
        embassy_id = connect.pending_embassy_id(request.session, network, state=request.GET.get("state", ""))
        embassy = _embassy_for(request, embassy_id)
        if request.GET.get("error"):
            raise ConnectError(_("The network refused the connection: %(reason)s") % {"reason": request.GET["error"]})
        if network == SocialAccount.Network.X:
            account = connect.x_connect_finish(
                session=request.session,
                embassy=embassy,
                user=request.user,
                authorization_response=request.build_absolute_uri(),
                redirect_uri=_callback_url(request, network),
            )
            messages.success(request, _("Connected %(account)s.") % {"account": account.handle or account.display_name})
            return redirect(reverse("embassies_accounts", args=(embassy.pk,)))
        connect.facebook_code_exchange(
            session=request.session, code=request.GET.get("code", ""), redirect_uri=_callback_url(request, network)
        )
        return redirect(reverse("embassies_connect_choose_page", args=(embassy.pk,)))
    except ConnectError as problem:
        messages.error(request, str(problem))
        return redirect(reverse("embassies_account:index"))


class PageChoiceForm(forms.Form):
    page = forms.ChoiceField(label=_("Facebook Page"), widget=forms.RadioSelect)


def connect_choose_page(request, embassy_id: int):
    embassy = _embassy_for(request, embassy_id)
    try:
        pages = connect.facebook_pages(session=request.session)
    except ConnectError as problem:
        messages.error(request, str(problem))
        return redirect(reverse("embassies_account:index"))
    form = PageChoiceForm(request.POST or None)
    form.fields["page"].choices = [(page["id"], page["name"]) for page in pages]
    if request.method == "POST" and form.is_valid():
        try:
            account = connect.facebook_connect_finish(
                session=request.session, embassy=embassy, user=request.user, page_id=form.cleaned_data["page"]
            )
        except ConnectError as problem:
            messages.error(request, str(problem))
            return redirect(reverse("embassies_account:index"))
        messages.success(request, _("Connected the Page %(name)s.") % {"name": account.display_name})
        return redirect(reverse("embassies_accounts", args=(embassy.pk,)))
    return TemplateResponse(
        request, "embassies/choose_page.html", {"form": form, "embassy": embassy, "header_title": _("Choose a Page")}
    )


def account_health(request):
    accounts = (
        SocialAccount.objects.for_user(request.user).select_related("embassy").order_by("status", "token_expires_at")
    )
    problems = [a for a in accounts if not a.healthy]
    return TemplateResponse(
        request,
        "embassies/account_health.html",
        {"accounts": accounts, "problems": problems, "header_title": _("Account health")},
    )


def embassy_accounts(request, embassy_id: int):
    embassy = _embassy_for(request, embassy_id)
    accounts = {account.network: account for account in embassy.accounts.all()}
    networks = [(value, label, accounts.get(value)) for value, label in SocialAccount.Network.choices]
    response = TemplateResponse(
        request,
        "embassies/accounts.html",
        {"embassy": embassy, "networks": networks, "header_title": _("Accounts of %(embassy)s") % {"embassy": embassy}},
    )
    # Connecting posts here and is redirected to the network's sign-in page: the policy lets that form go there.
    response._csp_update = {"form-action": connect.login_origins()}
    return response
