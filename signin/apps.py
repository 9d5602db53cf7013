"""App configuration of sign-in."""

from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Sign-in"
