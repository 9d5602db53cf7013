"""Admin views of second eyes: force-publish with a reason, its approval afterwards, and translations submitted to
the same review."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.models import Page
from wagtail_localize.models import Translation

from . import forcing, review
from .models import ForcedPublication, StoryPage


class ForcePublishForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why this story cannot wait for review"),
        max_length=review.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def unreviewed_message(forced: ForcedPublication) -> str:
    return _(
        "Published without review by %(user)s on %(when)s UTC (“%(reason)s”): another approver must approve it."
    ) % {
        "user": forced.forced_by or _("someone"),
        "when": forced.forced_at.strftime("%Y-%m-%d %H:%M"),
        "reason": forced.reason,
    }


def story_force_publish(request, page_id: int):
    if not request.user.has_perm(review.FORCE_PUBLISH):
        raise PermissionDenied
    story = get_object_or_404(StoryPage, pk=page_id)
    if not story.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    form = ForcePublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            forcing.story_force_publish(story=story, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as problem:
            form.add_error("reason", problem)
        else:
            messages.warning(
                request, _("Published without review; it stays flagged until another approver approves it.")
            )
            return redirect("wagtailadmin_pages:edit", story.pk)
    return TemplateResponse(
        request,
        "portal/admin/force_publish.html",
        {"story": story, "form": form, "header_title": _("Publish without review")},
    )


@require_POST
def story_force_publish_approve(request, forced_id: int):
    forced = get_object_or_404(ForcedPublication.objects.select_related("story"), pk=forced_id)
    try:
        forcing.story_force_publish_approve(forced=forced, user=request.user)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("Publication approved: the story is no longer flagged."))
    return redirect("wagtailadmin_pages:edit", forced.story_id)


@require_POST
def translation_submit(request, translation_id: int):
    """Submit a translation made in the translation editor to its page's review: the translated text is saved as a
    draft of the translated page (untranslated parts keep the source's), and the page's workflow starts, so the
    approvers are told a translation waits. wagtail-localize's editor offers no such action by itself."""
    translation = get_object_or_404(Translation, pk=translation_id)
    page = translation.get_target_instance()
    if not isinstance(page, Page):
        raise Http404
    page = page.specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    workflow = page.get_workflow()
    if workflow is None:
        messages.error(request, _("No review applies to this page."))
    elif page.workflow_in_progress:
        messages.warning(request, _("“%(title)s” already waits for review.") % {"title": page.title})
    else:
        translation.save_target(user=request.user, publish=False)
        page = page.specific_class.objects.get(pk=page.pk)
        if (state := page.current_workflow_state) is not None:  # changes were requested: the same review resumes
            state.resume(request.user)
        else:
            workflow.start(page, request.user)
        messages.success(
            request,
            _("“%(title)s” (%(language)s) was submitted to %(workflow)s.")
            % {
                "title": page.title,
                "language": translation.target_locale.get_display_name(),
                "workflow": workflow.name,
            },
        )
    return redirect("wagtailadmin_pages:edit", page.pk)
