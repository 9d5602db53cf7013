"""#NoHarm sensitivity: a story that concerns an embassy's host country (or that an approver marked sensitive
everywhere) waits, at that embassy, for its head of mission — staff adapt and propose, the head approves."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from embassies.models import EmbassyMembership

APPROVE_SENSITIVE = "publishing.approve_sensitive_post"


def post_is_sensitive(*, story, embassy, country_codes: set[str]) -> bool:
    return bool(story.sensitive_everywhere or embassy.country_id in country_codes)


def sensitive_reason(embassy) -> str:
    return _("Sensitive (#NoHarm): the story concerns %(country)s. The head of mission approves this post.") % {
        "country": embassy.country.name()
    }


def approvable_by(user) -> Q:
    """The posts `user` may approve, as a filter: anyone who reviews a post, unless it is sensitive — then only a head
    of mission of its embassy who holds the permission (never the system on its own, and a superuser only as a head of
    mission). A post a person drafted (a reply from the inbox) needs a second person: never its drafter, never the
    system."""
    if user is None:
        return Q(sensitive=False, drafted_by__isnull=True)
    second_eyes = ~Q(drafted_by=user)
    if not user.has_perm(APPROVE_SENSITIVE):
        return Q(sensitive=False) & second_eyes
    heads_of = EmbassyMembership.objects.filter(user=user, role=EmbassyMembership.Role.HEAD_OF_MISSION)
    return (Q(sensitive=False) | Q(embassy_id__in=heads_of.values("embassy_id"))) & second_eyes


def post_approvable_by(*, post, user) -> bool:
    return type(post).objects.filter(approvable_by(user), pk=post.pk).exists()


def approval_refusal(*, post, user) -> str:
    """Why `user` may not approve `post`, in words for them."""
    if post.drafted_by_id and user is not None and post.drafted_by_id == user.pk:
        return _("You drafted this reply: a second person approves it.")
    return sensitive_reason(post.embassy)


def heads_notify(*, story, embassy_ids: set[int]) -> None:
    """Tell each head of mission that a sensitive post of `story` waits for them (as the planning commits)."""
    heads = (
        EmbassyMembership.objects.filter(embassy_id__in=embassy_ids, role=EmbassyMembership.Role.HEAD_OF_MISSION)
        .exclude(user__email="")
        .select_related("user", "embassy")
    )
    queue = f"{settings.WAGTAILADMIN_BASE_URL}{reverse('publishing_review_queue')}"
    messages = [
        (
            _("%(embassy)s: a sensitive post waits for your approval") % {"embassy": head.embassy.name},
            _(
                "“%(story)s” concerns your host country. Its posts for %(embassy)s wait for your approval; staff may "
                "adapt them.\n\nReview them: %(url)s"
            )
            % {
                "story": story.title,
                "embassy": head.embassy.name,
                "url": f"{queue}?embassy={head.embassy_id}",
            },
            head.user.email,
        )
        for head in heads
    ]

    def send() -> None:
        for subject, body, address in messages:
            send_mail(subject, body, None, [address], fail_silently=True)

    if messages:
        transaction.on_commit(send)
