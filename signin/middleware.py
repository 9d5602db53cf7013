"""Both admin doors — Wagtail's /admin/ and Django's /django-admin/ — ask for the second factor after the password."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp import user_has_device

from .addresses import client_ip


class SecondFactorRequired:
    """After django_otp's OTPMiddleware: a signed-in user who has not given a second factor this session reaches no
    admin page but signing in and out, and enrolling a first authenticator (only while they have none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def doors(self) -> tuple[str, ...]:
        return (reverse("wagtailadmin_home"), reverse("admin:index"))

    @cached_property
    def open_paths(self) -> set[str]:
        names = [
            "wagtailadmin_login",
            "wagtailadmin_logout",
            "admin:login",
            "admin:logout",
            "signin_verify",
            "wagtailadmin_sprite",  # the icons every admin page fetches, sign-in pages included
        ]
        return {reverse(name) for name in names} | {reverse("wagtailadmin_javascript_catalog")}

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path_info
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and path.startswith(self.doors)
            and path not in self.open_paths
        ):
            if not user_has_device(user, confirmed=True):
                if path != reverse("signin_enrol"):
                    return redirect_to_login(request.get_full_path(), login_url=reverse("signin_enrol"))
            else:
                return redirect_to_login(request.get_full_path(), login_url=reverse("signin_verify"))
        return self.get_response(request)


class PasswordResetThrottle:
    """At most PASSWORD_RESETS_PER_HOUR password-reset requests an hour from one address, and for one e-mail
    address: a reset mails a link, and a flood of them is both a nuisance and a probe for accounts."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def path(self) -> str:
        return reverse("wagtailadmin_password_reset")

    def __call__(self, request):
        if request.method == "POST" and request.path_info == self.path:
            email = request.POST.get("email", "").strip().lower()[:254]
            keys = [f"password-reset:ip:{client_ip(request)}", f"password-reset:email:{email}"]
            if any(self._spent(key) for key in keys):
                return TemplateResponse(request, "signin/password_reset_throttled.html", status=429).render()
        return self.get_response(request)

    def _spent(self, key: str) -> bool:
        cache.add(key, 0, timeout=3600)
        try:
            return cache.incr(key) > settings.PASSWORD_RESETS_PER_HOUR
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600)
            return False
