"""Public URLs of listening: the networks' webhooks."""

from django.urls import path

from . import webhooks

urlpatterns = [path("listening/webhooks/facebook/", webhooks.facebook, name="listening_webhook_facebook")]
