"""The publisher in the Wagtail admin: audit log actions for every post state."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .models import Post


@hooks.register("register_log_actions")
def register_post_log_actions(actions):
    for state, label in Post.State.choices:
        actions.register_action(f"chancery.post.{state}", label, _("Post is now: %(state)s") % {"state": label})
    actions.register_action("chancery.post.recall_failed", _("Recall failed"), _("Deleting the post failed"))
