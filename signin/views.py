"""The second factor's pages: give a code, enrol an authenticator (QR code and the secret as text), recovery codes."""

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from . import services
from .models import AuthenticatorDevice, RecoveryCodes


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "numeric"}),
    )


def _second_factor_login(request, device) -> None:
    """The session is verified under a new key: a key seen before the second factor (fixed by an attacker, or read
    while only the password was given) is worth nothing after it. Recovery codes pass through here too."""
    request.session.cycle_key()
    otp_login(request, device)


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if safe and target else reverse("wagtailadmin_home")


@never_cache
@sensitive_post_parameters("code")
def verify(request):
    if not request.user.is_authenticated:
        return redirect("wagtailadmin_login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _second_factor_login(request, device)
            if isinstance(device, RecoveryCodes):
                left = len(device.codes_get())
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)s are left. Set up your authenticator again.")
                    % {"left": left},
                )
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or was used already. Try the newest code from your app."))
    return TemplateResponse(
        request,
        "signin/verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@never_cache
@sensitive_post_parameters("code")
def enrol(request):
    """A first sign-in, or a new phone: the QR code and the secret as text, then a code from the app confirms it."""
    user = request.user
    if not user.is_authenticated:
        return redirect("wagtailadmin_login")
    if user_has_device(user, confirmed=True) and not user.is_verified():
        raise PermissionDenied  # replacing an authenticator takes the current one first
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            return redirect("signin_enrol")
        if form.is_valid():
            codes = services.authenticator_enrol_confirm(device=device, token=form.cleaned_data["code"])
            if codes is not None:
                _second_factor_login(request, device)
                return TemplateResponse(
                    request, "signin/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
                )
            form.add_error("code", _("That code is not right. Type the code your app shows now."))
    else:
        device = services.authenticator_enrol_begin(user=user)
    return TemplateResponse(
        request,
        "signin/enrol.html",
        {
            "form": form,
            "qr_svg": services.authenticator_qr_svg(device),
            "secret": services.authenticator_secret_text(device),
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def recovery_codes(request):
    codes = services.recovery_codes_issue(user=request.user)
    return TemplateResponse(request, "signin/recovery_codes.html", {"codes": codes, "next": reverse("signin_manage")})


def manage(request):
    devices = AuthenticatorDevice.objects.filter(user=request.user, confirmed=True)
    recovery = RecoveryCodes.objects.filter(user=request.user).first()
    return TemplateResponse(
        request,
        "signin/manage.html",
        {
            "devices": devices,
            "codes_left": len(recovery.codes_get()) if recovery else 0,
            "header_title": _("Two-factor sign-in"),
        },
    )
