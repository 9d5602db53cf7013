"""Editorial rules in the admin: nobody publishes a story they submitted for review themselves."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks


@hooks.register("before_publish_page")
def forbid_publishing_own_submission(request, page):
    state = page.current_workflow_state
    if state and state.requested_by_id == request.user.pk and not request.user.is_superuser:
        raise PermissionDenied("A story you submitted for review must be approved by someone else.")
